"""FAISS inner-product search: exact for small collections, HNSW above a size threshold."""

import faiss
import numpy as np

# HNSW settings chosen for recall@10 >= 0.95 against exact search (see benchmarks/).
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96


class DenseIndex:
    """Unit vectors in, cosine similarities out."""

    def __init__(self, vectors: np.ndarray, exact_max: int) -> None:
        dim = vectors.shape[1]
        self.exact = len(vectors) <= exact_max
        if self.exact:
            self._index = faiss.IndexFlatIP(dim)
        else:
            self._index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
            self._index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            self._index.hnsw.efSearch = HNSW_EF_SEARCH
        self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    @property
    def size(self) -> int:
        return self._index.ntotal

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the k nearest vectors, best first."""
        k = min(k, self.size)
        if k <= 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        scores, rows = self._index.search(np.ascontiguousarray(query.reshape(1, -1)), k)
        keep = rows[0] >= 0
        return rows[0][keep], scores[0][keep]
