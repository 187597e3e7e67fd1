"""The data model every stage shares: documents, sentences, chunks, their tables, and limits."""

from dataclasses import dataclass, field

import numpy as np

# The languages docqa indexes; a chunk's language is stored as its index in this tuple.
LANGS = ("es", "en")

# Column layout of the integer tables (`Chunked.chunks`, `Chunked.sentences`).
CHUNK_DOC, CHUNK_START, CHUNK_END, CHUNK_FIRST, CHUNK_STOP, CHUNK_LANG = range(6)
SENT_DOC, SENT_START, SENT_END = range(3)


@dataclass(frozen=True)
class Limits:
    """What reading one file may cost; a file that needs more is refused, never half-read."""

    max_file_bytes: int = 50_000_000
    max_pdf_pages: int = 2_000
    max_chars: int = 5_000_000
    # The child process that parses files: its address space, and how long one file may take.
    memory_mb: int = 1_024
    seconds: float = 300.0


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Span:
    """A [start, end) character span of some text: a sentence of a document."""

    start: int
    end: int


@dataclass(frozen=True)
class Page:
    """A PDF page: its 1-based number and its character span in the document text."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """One source file as text; citation offsets index into `text`."""

    doc_id: str
    title: str
    source: str
    lang: str
    text: str
    sha256: str
    pages: tuple[Page, ...] = field(default=())

    def page_at(self, offset: int) -> int | None:
        """The page number holding character `offset`, or None for unpaged documents."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return self.pages[-1].number if self.pages else None


@dataclass(frozen=True)
class Chunk:
    """A passage: `document.text[start:end]`, made of the document's sentences [first, stop)."""

    doc_id: str
    start: int
    end: int
    first: int
    stop: int

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}:{self.start}-{self.end}"


@dataclass
class Chunked:
    """A corpus cut into sentences and passages, as tables: what is embedded and indexed.

    Row i of `chunks` is chunk row i everywhere (vectors, search results); its sentences are
    the rows [first, stop) of `sentences`, in the same document.
    """

    documents: list[Document]
    # (n_chunks, 6) int32: doc index, start, end, first sentence, sentence stop, language index.
    chunks: np.ndarray
    # (n_sentences, 3) int32: doc index, start, end.
    sentences: np.ndarray

    def text(self, doc: int, start: int, end: int) -> str:
        return self.documents[doc].text[start:end]

    def chunk_texts(self) -> list[str]:
        return [self.text(*row) for row in self.chunks[:, : CHUNK_END + 1].tolist()]

    def sentence_texts(self) -> list[str]:
        return [self.text(*row) for row in self.sentences.tolist()]


@dataclass
class Vectors:
    """One embedder's unit vectors of every chunk and every sentence, row for row."""

    chunks: np.ndarray
    sentences: np.ndarray
