"""The per-build result cache: bounded, least recently used out first."""

from docqa.index.results import SearchResult
from docqa.service.cache import ResultCache


def result(question: str) -> SearchResult:
    return SearchResult(question, "es", None, [], "build-1", 1.0)


def test_keeps_results_by_question_and_k() -> None:
    cache = ResultCache(4)
    cache.put("hola", 5, result("hola"))
    assert cache.get("hola", 5) == result("hola")
    assert cache.get("hola", 3) is None
    assert cache.get("Hola", 5) is None


def test_drops_the_least_recently_used_when_full() -> None:
    cache = ResultCache(2)
    cache.put("a", 5, result("a"))
    cache.put("b", 5, result("b"))
    assert cache.get("a", 5) is not None  # "a" is now the more recent
    cache.put("c", 5, result("c"))
    assert len(cache) == 2
    assert cache.get("b", 5) is None
    assert cache.get("a", 5) is not None and cache.get("c", 5) is not None


def test_size_zero_keeps_nothing() -> None:
    cache = ResultCache(0)
    cache.put("a", 5, result("a"))
    assert len(cache) == 0 and cache.get("a", 5) is None
