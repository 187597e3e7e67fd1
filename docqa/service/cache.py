"""A bounded LRU of search results for one index build; it is dropped with its build."""

import threading
from collections import OrderedDict

from docqa.index.results import SearchResult


class ResultCache:
    """Results by (question, k). Keys carry no version: each build has its own cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], SearchResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, question: str, k: int) -> SearchResult | None:
        with self._lock:
            result = self._items.get((question, k))
            if result is not None:
                self._items.move_to_end((question, k))
            return result

    def put(self, question: str, k: int, result: SearchResult) -> None:
        if self.size == 0:
            return
        with self._lock:
            self._items[(question, k)] = result
            self._items.move_to_end((question, k))
            if len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
