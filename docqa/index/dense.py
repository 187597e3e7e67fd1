"""FAISS inner-product search, built at ingest and memory-mapped at load.

Exact below a size threshold; above it, HNSW over 8-bit codes whose candidates are re-ranked
with the float vectors: a third of the memory of HNSW over floats, at the same recall.
"""

from pathlib import Path

import faiss
import numpy as np

# HNSW settings chosen for recall@10 >= 0.95 against exact search (see benchmarks/).
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 192
# The approximate index proposes this many times the rows asked for; exact cosines of the
# float vectors then pick the best, which makes up for the 8-bit codes' rounding.
RERANK_FACTOR = 4

EXACT = "flat"
APPROXIMATE = "hnsw-sq8"


def kind_for(count: int, exact_max: int) -> str:
    """Which index a collection of `count` vectors gets."""
    return EXACT if count <= exact_max else APPROXIMATE


class DenseIndex:
    """Unit vectors in, cosine similarities out."""

    def __init__(self, index: faiss.Index, vectors: np.ndarray) -> None:
        self._index = index
        # The float vectors, row for row; the approximate index re-ranks with them.
        self._vectors = vectors
        self.kind = APPROXIMATE if isinstance(index, faiss.IndexHNSW) else EXACT
        if self.kind == APPROXIMATE:
            # efSearch is a search-time setting: FAISS does not store it in the file.
            index.hnsw.efSearch = HNSW_EF_SEARCH

    @classmethod
    def build(cls, vectors: np.ndarray, exact_max: int) -> "DenseIndex":
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        if kind_for(len(vectors), exact_max) == EXACT:
            index = faiss.IndexFlatIP(dim)
        else:
            index = faiss.IndexHNSWSQ(
                dim, faiss.ScalarQuantizer.QT_8bit, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT
            )
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.train(vectors)
        index.add(vectors)
        return cls(index, vectors)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, vectors: np.ndarray) -> "DenseIndex":
        """The index at `path`, its stored vectors mapped from disk rather than copied."""
        flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
        index = faiss.read_index(str(path), flags)
        if index.ntotal != len(vectors) or index.d != vectors.shape[1]:
            raise ValueError(
                f"{path.name} holds {index.ntotal} vectors of {index.d} dimensions, "
                f"the build has {len(vectors)} of {vectors.shape[1]}"
            )
        return cls(index, vectors)

    @property
    def exact(self) -> bool:
        return self.kind == EXACT

    @property
    def size(self) -> int:
        return self._index.ntotal

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the k nearest vectors, best first."""
        k = min(k, self.size)
        if k <= 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        fetch = k if self.exact else min(k * RERANK_FACTOR, self.size)
        scores, rows = self._index.search(query, fetch)
        keep = rows[0] >= 0
        if self.exact:
            return rows[0][keep], scores[0][keep]
        # Rows in file order, so the reads from the mapped vectors go forward through the file.
        rows = np.sort(rows[0][keep])
        exact = np.asarray(self._vectors[rows] @ query[0], np.float32)
        best = np.argsort(-exact, kind="stable")[:k]
        return rows[best], exact[best]
