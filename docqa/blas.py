"""How many threads numpy's BLAS may use inside a block: one for a question, more at ingest."""

from contextlib import AbstractContextManager
from functools import cache

from threadpoolctl import ThreadpoolController


@cache
def _controller() -> ThreadpoolController:
    # Found once: looking for the BLAS libraries on every call would cost more than a query.
    return ThreadpoolController()


def blas_threads(count: int) -> AbstractContextManager:
    """A `with` block in which the BLAS libraries loaded so far use at most `count` threads.

    OpenBLAS keeps one count for the whole process: blocks running at the same time in other
    threads can change it, and the last to end sets what is left. Every caller therefore asks
    for the count it needs rather than relying on what it finds.
    """
    return _controller().limit(limits=count, user_api="blas")
