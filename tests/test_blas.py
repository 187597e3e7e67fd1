"""blas_threads: numpy's BLAS thread count inside a block, restored after it."""

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from threadpoolctl import threadpool_info

from docqa.blas import blas_threads


def numpy_blas_threads() -> set[int]:
    # numpy's own BLAS (FAISS and scipy bring BLAS libraries of their own).
    return {
        info["num_threads"]
        for info in threadpool_info()
        if info["user_api"] == "blas" and "/numpy.libs/" in info["filepath"]
    }


@contextmanager
def blas_threads_seen(owner: object, method: str) -> Iterator[list[set[int]]]:
    """numpy's BLAS thread count at each call of `owner.method` made inside the block."""
    seen: list[set[int]] = []
    original = getattr(owner, method)

    def recording(*args: object) -> object:
        seen.append(numpy_blas_threads())
        return original(*args)

    setattr(owner, method, recording)
    try:
        yield seen
    finally:
        delattr(owner, method)


def test_a_block_sets_numpy_blas_threads_and_restores_them() -> None:
    # Blocks run at the same time in other threads (concurrent searches) may have left either
    # count behind: start from a known one.
    with blas_threads(2):
        assert numpy_blas_threads() == {2}
        with blas_threads(1):
            assert numpy_blas_threads() == {1}
            product = np.ones((64, 64)) @ np.ones((64, 64))
        assert numpy_blas_threads() == {2}
    assert product[0, 0] == 64
