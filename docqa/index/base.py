"""The contract an index backend implements, and the factory that picks one by a setting.

A backend stores builds and searches one (in the manner of txtai's ann/base.py: an abstract
class per role, implementations chosen by name and imported only when chosen):

- **Chosen** by `Settings.index_backend` (`DOCQA_INDEX_BACKEND`, "faiss" by default):
  `create_backend(settings, index_dir)` imports the class `BACKENDS` names and calls
  `cls(settings, index_dir)`. Creating one reads nothing; `open` and `publish` do the work.
- **Built**: ingest (or anything else) makes documents, their sentence and chunk tables
  (`model.Chunked`) and one embedder's vectors per name (`model.Vectors`), and calls
  `index.build.build_index(backend, chunked, vectors, embedders, settings)`. That computes
  what docqa ranks with beyond the backend's own search (each chunk's hubness, the bilingual
  lexicon, the manifest) and hands all of it to `backend.publish(parts)` as one `BuildParts`.
- **Published**: `publish` writes every part under the new build id where no reader sees it,
  and only when all is written makes it the current build in one atomic step; then it may drop
  builds older than the previous one (a reader may still hold that). If anything fails,
  the current build stays as it was and what was written is removed, then or by the next
  `publish`.
- **Opened**: `backend.open()` loads the current build as an `IndexBuild`, which never changes
  once published and is safe to share between threads; a `Searcher` reads only through it.
  `backend.current_id()` is the cheap question the service asks every few seconds to learn
  of a newer build. No build yet: `IndexNotFoundError`; a broken one: `IndexDamagedError`;
  both say what to run.
- **Reused**: `backend.reusable()` gives the current build's documents, tables and float
  vectors (`Stored`) so that the next ingest embeds only the files that changed.

Rows: chunk row i is row i of `chunks` in every part of a build (its vectors, hubness, search
results); sentence row j likewise of `sentences`. Searches return `(rows, scores)` as int64
and float32 arrays, best first, at most k of them.
"""

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from docqa.config import Settings
from docqa.index.lexicon import Lexicon
from docqa.index.manifest import Manifest
from docqa.model import Chunked, Document, Vectors

# Backend name (Settings.index_backend) -> "module:class" implementing Backend.
BACKENDS = {
    "faiss": "docqa.index.store:FaissBackend",
    "milvus": "docqa.index.milvus:MilvusBackend",
}


class IndexNotFoundError(Exception):
    """No usable index at the given place; the message says what to run."""


class IndexDamagedError(IndexNotFoundError):
    """A build whose parts are missing, truncated or inconsistent with each other."""


@dataclass
class BuildParts:
    """Everything a backend stores for one build (`index.build` computes it)."""

    manifest: Manifest
    chunked: Chunked
    # Per embedder name: unit float32 vectors of every chunk and sentence.
    vectors: dict[str, Vectors]
    # Per embedder name: each chunk's hubness (index.hubness), subtracted from its cosines.
    hubness: dict[str, np.ndarray]
    # The corpus vocabulary with word vectors (Lexicon.words, .indexes' vectors, counts).
    lexicon: Lexicon


@dataclass
class Stored:
    """What the next ingest may reuse of the current build."""

    manifest: Manifest
    # Where the backend keeps it (as Backend.publish returned it).
    location: str
    chunked: Chunked
    # Per embedder name; they may be memory-mapped.
    vectors: dict[str, Vectors]
    # Per language, the number of words in the lexicon; None when the build is in an older
    # format that only lends its vectors.
    lexicon_words: dict[str, int] | None


class IndexBuild(ABC):
    """One published build, opened for search; read-only and safe to share between threads.

    `documents`, `chunks` and `sentences` are held in memory (they are what citations and
    texts come from); vectors and the retrievers stay wherever the backend keeps them.
    """

    manifest: Manifest
    documents: list[Document]
    # The tables of model.Chunked: (n_chunks, 6) and (n_sentences, 3) int32.
    chunks: np.ndarray
    sentences: np.ndarray
    lexicon: Lexicon

    @property
    def version(self) -> str:
        return self.manifest.build_id

    def text(self, doc: int, start: int, end: int) -> str:
        """The text of a span of the document at row `doc`."""
        return self.documents[doc].text[start:end]

    @abstractmethod
    def dense_search(
        self, embedder: str, vector: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k chunk rows nearest to `vector` by inner product, with those products."""

    @abstractmethod
    def lexical_search(self, lang: str, text: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k chunks of language `lang` with the highest BM25 score for `text`, with those
        scores (positive; none for a text without a word in that language's index)."""

    @abstractmethod
    def chunk_vectors(self, embedder: str, rows: np.ndarray) -> np.ndarray:
        """The vectors `dense_search` compares with (perhaps quantised) of these chunk rows."""

    @abstractmethod
    def sentence_vectors(self, embedder: str, rows: np.ndarray) -> np.ndarray:
        """The (perhaps quantised) vectors of these sentence rows, for scoring sentences."""

    @abstractmethod
    def hubness(self, embedder: str, rows: np.ndarray) -> np.ndarray:
        """The hubness of these chunk rows under this embedder (BuildParts.hubness)."""


class Backend(ABC):
    """Where builds are published, and which one is current."""

    def __init__(self, settings: Settings, index_dir: Path) -> None:
        self.settings = settings
        self.index_dir = index_dir

    @property
    def location(self) -> str:
        """Where the builds are, as it may be shown (/health, the manifest): no secrets."""
        return str(self.index_dir)

    @abstractmethod
    def current_id(self) -> str | None:
        """The id of the current build, or None when there is none; cheap, polled."""

    @abstractmethod
    def open(self) -> IndexBuild:
        """The current build, loaded in full: IndexNotFoundError or IndexDamagedError if not."""

    @abstractmethod
    def reusable(self) -> Stored | None:
        """The current build's vectors and what they were made of; None when there is no
        build, or none this docqa can read (reuse only saves time: never an error)."""

    @abstractmethod
    def fits(self, stored: Stored) -> bool:
        """Whether the stored build's indexes are of the kinds this backend would build now
        (its manifest's dense_index, sentence_codes, lexicon_index): if so, an ingest that
        finds the same files and settings keeps the build as it is."""

    @abstractmethod
    def publish(self, parts: BuildParts) -> str:
        """Store a complete build and make it the current one atomically; returns where it
        is (for the ingest report). Nothing changes for readers if it fails."""

    def close(self) -> None:  # noqa: B027  (deliberately empty: most backends hold nothing)
        """Release what the backend holds open (a connection, a server it started)."""


def create_backend(settings: Settings, index_dir: Path | None = None) -> Backend:
    """The backend `settings.index_backend` names, over `index_dir` (settings.index_dir)."""
    module, name = BACKENDS[settings.index_backend].split(":")
    cls: type[Backend] = getattr(importlib.import_module(module), name)
    return cls(settings, index_dir or settings.index_dir)
