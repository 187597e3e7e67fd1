"""The index being served, swapped for a newer build without a restart and without mixing."""

import asyncio
import logging
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from anyio import CapacityLimiter, to_thread

from docqa.config import Settings
from docqa.index.base import IndexNotFoundError, create_backend
from docqa.index.results import SearchResult
from docqa.index.search import Searcher
from docqa.model import Document
from docqa.service.cache import ResultCache

logger = logging.getLogger("docqa.service")


@dataclass(frozen=True)
class Snapshot:
    """One loaded build. A request takes one snapshot and uses only it, so it sees one version."""

    searcher: Searcher
    documents: dict[str, Document]
    cache: ResultCache
    # Shared by all snapshots: how many searches run at once (they are CPU bound).
    limiter: CapacityLimiter

    @classmethod
    def of(cls, searcher: Searcher, settings: Settings, limiter: CapacityLimiter) -> "Snapshot":
        documents = {doc.doc_id: doc for doc in searcher.data.documents}
        return cls(searcher, documents, ResultCache(settings.result_cache_size), limiter)

    @property
    def version(self) -> str:
        return self.searcher.version

    async def search(self, question: str, k: int) -> SearchResult:
        """The search result, from this build's cache or from a worker thread."""
        cached = self.cache.get(question, k)
        if cached is not None:
            # The time the search took when it ran, not the lookup's (which shows "0 ms").
            return cached
        result = await to_thread.run_sync(self.searcher.search, question, k, limiter=self.limiter)
        self.cache.put(question, k, result)
        return result


class ReloadError(Exception):
    """The build CURRENT points to could not be loaded; the previous one is still served."""


@dataclass(frozen=True)
class Reloaded:
    previous_version: str
    index_version: str
    took_ms: float

    @property
    def changed(self) -> bool:
        return self.previous_version != self.index_version


class LiveIndex:
    """The snapshot in service; `reload` loads the current build in full, then swaps it in."""

    def __init__(self, index_dir: Path, settings: Settings, searcher: Searcher) -> None:
        self.index_dir = index_dir
        self.settings = settings
        self.backend = create_backend(settings, index_dir)
        self.limiter = CapacityLimiter(settings.search_concurrency)
        self.current = Snapshot.of(searcher, settings, self.limiter)
        self.last_error: str | None = None
        # The build id whose load failed: the watch does not retry it until CURRENT moves on.
        self._failed: str | None = None
        self._lock = threading.Lock()

    def reload(self) -> Reloaded:
        """Serve the backend's current build; ReloadError, with the old build kept, if it fails."""
        with self._lock:
            started = time.perf_counter()
            previous = self.current.version
            pointer = self.backend.current_id()
            try:
                loaded = (
                    None
                    if pointer == previous
                    else Snapshot.of(
                        Searcher.open(self.settings, self.index_dir), self.settings, self.limiter
                    )
                )
            # Whatever breaks a load (a damaged build, a missing file, memory) must leave the
            # serving build in place and say why, never take the service down.
            except Exception as error:
                self._failed = pointer
                self.last_error = f"could not load the index build: {error}"
                expected = isinstance(error, IndexNotFoundError)
                logger.error(
                    "reload failed; still serving %s: %s", previous, error, exc_info=not expected
                )
                raise ReloadError(f"{self.last_error}; still serving {previous}") from error
            if loaded is not None:
                # One attribute store: a request holds the old snapshot or the new one, whole.
                self.current = loaded
                logger.info("now serving index %s (was %s)", loaded.version, previous)
            self._failed = None
            self.last_error = None
            took_ms = round((time.perf_counter() - started) * 1000, 2)
            return Reloaded(previous, self.current.version, took_ms)

    def has_news(self) -> bool:
        """The current build is not the served one, nor one that already failed."""
        pointer = self.backend.current_id()
        return pointer not in {self.current.version, self._failed}

    async def watch(self, interval: float) -> None:
        """Reload whenever CURRENT changes, checking every `interval` s; runs until cancelled."""
        while True:
            await asyncio.sleep(interval)
            if self.has_news():
                # A failure is logged, and shown by /health until a reload succeeds.
                with suppress(ReloadError):
                    await to_thread.run_sync(self.reload)
