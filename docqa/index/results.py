"""What a search returns: passages, an answer sentence and its value, figures; all cited exactly."""

from dataclasses import asdict, dataclass, field


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
class ValueSpan:
    """The figure, date or name inside an answer sentence that the question asks for."""

    text: str
    # quantity, percentage, date, person or place (docqa.answer.question).
    type: str
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    text: str
    citation: Citation
    value: ValueSpan | None = None


@dataclass(frozen=True)
class FigureDate:
    """The date a figure refers to, as its sentence writes it, and as ISO 8601 ("2024-07")."""

    text: str
    iso: str
    start: int
    end: int


@dataclass(frozen=True)
class Figure:
    """One of the distinct values that the sources give for what a question asks about."""

    # The sentence that gives it, cited.
    text: str
    value: ValueSpan
    # The value as a number ("11 mil 935" is 11935.0), to compare and order figures.
    number: float
    date: FigureDate | None
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
    # Distinct values of different sources for the same thing; empty when they agree.
    figures: list[Figure] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)
