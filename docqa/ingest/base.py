"""The document model every loader produces and every later stage reads."""

from dataclasses import dataclass, field


class LoadError(Exception):
    """A file that cannot be ingested; the message says why, for the ingest report."""


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
class Page:
    """A PDF page: its 1-based number and its character span in the document text."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class Extracted:
    """What a loader reads out of one file, before ids and language are assigned."""

    text: str
    title: str
    pages: tuple[Page, ...] = ()


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
