"""Request and response bodies of the HTTP contract (see DESIGN.md), as pydantic models."""

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator


class AskRequest(BaseModel):
    """`POST /ask` body. Range and length rules live in docqa.index.validation (shared w/ CLI)."""

    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(description="The question, in Spanish or English")
    k: StrictInt = Field(default=5, description="How many passages, 1..max_k (50)")

    @field_validator("question")
    @classmethod
    def _encodable(cls, value: str) -> str:
        # JSON may carry lone surrogates (\ud800); they cannot be embedded nor echoed back.
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError("contains invalid Unicode (a lone surrogate)") from error
        return value


class Citation(BaseModel):
    """`document.text[start:end]` is the cited text, always."""

    doc_id: str
    title: str
    source: str
    page: int | None
    start: int
    end: int


class Passage(BaseModel):
    text: str
    score: float
    citation: Citation


class Answer(BaseModel):
    text: str
    citation: Citation


class AskResponse(BaseModel):
    question: str
    language: str
    answer: Answer | None
    passages: list[Passage]
    index_version: str
    took_ms: float


class Health(BaseModel):
    status: str
    documents: int
    chunks: int
    model: str = Field(description="The embedders' model ids, comma-separated")
    embedders: list[str]
    index_version: str
    built_at: str | None


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    source: str
    language: str
    pages: int | None
    chars: int


class DocumentDetail(BaseModel):
    doc_id: str
    title: str
    source: str
    language: str
    pages: int | None
    text: str = Field(description="The full extracted text every citation's offsets index into")


class FieldError(BaseModel):
    field: str
    message: str
    type: str


class ValidationErrorBody(BaseModel):
    """Every 422: what is wrong, field by field."""

    detail: list[FieldError]


class ErrorBody(BaseModel):
    """Other 4xx (404, 415, ...): one message."""

    detail: str
