"""FAISS inner-product search, built at ingest and memory-mapped at load.

Exact below a size threshold; above it, HNSW over 8-bit codes, which are all a search reads: no
float vector is touched, so a large build needs a quarter of the memory.
"""

import faiss
import numpy as np

from docqa.index.mapped import MappedIndex

# HNSW settings chosen for recall@10 >= 0.95 against exact search (see benchmarks/).
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 192
# One byte a dimension: a quarter of the floats' memory, and all that a search reads.
QUANTIZER = faiss.ScalarQuantizer.QT_8bit

EXACT = "flat"
APPROXIMATE = "hnsw-sq8"


def kind_for(count: int, exact_max: int) -> str:
    """Which index a collection of `count` vectors gets."""
    return EXACT if count <= exact_max else APPROXIMATE


class DenseIndex(MappedIndex):
    """Unit vectors in, cosine similarities out."""

    def __init__(self, index: faiss.Index) -> None:
        super().__init__(index)
        self.kind = EXACT
        if isinstance(index, faiss.IndexHNSW):
            self.kind = APPROXIMATE
            # efSearch is a search-time setting: FAISS does not store it in the file.
            index.hnsw.efSearch = HNSW_EF_SEARCH

    @classmethod
    def build(cls, vectors: np.ndarray, exact_max: int) -> "DenseIndex":
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        index: faiss.Index
        if kind_for(len(vectors), exact_max) == EXACT:
            index = faiss.IndexFlatIP(dim)
        else:
            # The stub asks for a ScalarQuantizer; the SWIG binding takes its QuantizerType.
            index = faiss.IndexHNSWSQ(
                dim,
                QUANTIZER,  # type: ignore[arg-type]
                HNSW_NEIGHBOURS,
                faiss.METRIC_INNER_PRODUCT,
            )
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.train(vectors)
        index.add(vectors)
        return cls(index)

    @property
    def exact(self) -> bool:
        return self.kind == EXACT

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the k nearest vectors, best first."""
        return self.search_many(query.reshape(1, -1), k)[0]

    def search_many(self, queries: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """`search` for each row of `queries`, in one call: a few words' lookups cost little
        more than one."""
        k = min(k, self.size)
        if k <= 0 or not len(queries):
            return [(np.empty(0, np.int64), np.empty(0, np.float32)) for _ in queries]
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        scores, rows = self._index.search(queries, k)
        return [(r[r >= 0], s[r >= 0]) for r, s in zip(rows, scores, strict=True)]
