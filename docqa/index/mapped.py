"""A FAISS index kept in a build: written at ingest, mapped at load, its vectors read by row."""

from pathlib import Path
from typing import Self

import faiss
import numpy as np


class MappedIndex:
    """The part every stored FAISS index shares: its file, its size and its stored vectors."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> Self:
        """The index at `path`, its vectors or codes mapped from disk rather than copied."""
        flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
        return cls(faiss.read_index(str(path), flags))

    @property
    def size(self) -> int:
        return self._index.ntotal

    @property
    def dim(self) -> int:
        return self._index.d

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors at `rows`, as float32: the floats themselves, or decoded codes."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        if not len(rows):
            return np.empty((0, self.dim), np.float32)
        return self._index.reconstruct_batch(rows)
