"""What a search returns: passages and an answer sentence, each with an exact citation."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Citation:
    """Where a span comes from: `document.text[start:end]` is the cited text, always."""

    doc_id: str
    title: str
    source: str
    page: int | None
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    text: str
    score: float
    citation: Citation


@dataclass(frozen=True)
class Answer:
    text: str
    citation: Citation


@dataclass(frozen=True)
class SearchResult:
    """The /ask response body of the contract, as a value."""

    question: str
    language: str
    answer: Answer | None
    passages: list[Passage]
    index_version: str
    took_ms: float

    def to_dict(self) -> dict:
        return asdict(self)
