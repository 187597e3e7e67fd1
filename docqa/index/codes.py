"""Unit vectors stored as 6-bit codes and read back by row: under a fifth of float32's memory."""

import faiss
import numpy as np

from docqa.index.mapped import MappedIndex

# Six bits a dimension, over each dimension's range: inner products with a unit vector move by
# 0.001 on average (0.006 at most) on 384-d vectors. `docqa eval` gives the float vectors'
# numbers (two questions moved from rank 7 and 9 to 8 and 10); 8 bits, a third more memory, moved
# two dev questions one rank higher; 4 bits lowered dev hit@3 from 0.877 to 0.855.
QUANTIZER = faiss.ScalarQuantizer.QT_6bit
# Recorded in a build's manifest: a build whose codes are of another kind is rebuilt, from its
# vectors.
KIND = "sq6"
# The ranges are learnt from at most this many rows, spread evenly, and the rows are encoded
# this many at a time: a table of millions of rows is never copied whole into memory.
TRAIN_ROWS = 1 << 18
BLOCK_ROWS = 1 << 16


class Codes(MappedIndex):
    """A table of vectors that is only ever read by row, never searched."""

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
