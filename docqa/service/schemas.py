"""Request and response bodies of the HTTP contract (README.md, API), as pydantic models.

The /ask and /search body is docqa.index.results.SearchResult itself: FastAPI validates and
documents those dataclasses as they are, so the contract has one definition.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from docqa.service.ratelimit import RETRY_AFTER_HEADER


class AskRequest(BaseModel):
    """`POST /ask` body. Range and length rules live in docqa.index.validation (shared w/ CLI)."""

    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(description="The question, in Spanish or English")
    k: StrictInt = Field(default=5, description="How many passages, 1..DOCQA_MAX_K (default 50)")

    @field_validator("question")
    @classmethod
    def _encodable(cls, value: str) -> str:
        # JSON may carry lone surrogates (\ud800); they cannot be embedded nor echoed back.
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError("contains invalid Unicode (a lone surrogate)") from error
        return value


class Health(BaseModel):
    status: str
    documents: int
    chunks: int
    model: str = Field(description="The embedders' model ids, comma-separated")
    embedders: list[str]
    backend: str = Field(description="Where builds are kept and searched: faiss or milvus")
    location: str = Field(
        description="The backend's index folder, or its Milvus URI without user or token"
    )
    index_version: str
    built_at: str | None
    last_reload_error: str | None = Field(
        description="Why the last reload failed (the previous build is still served), else null"
    )


class ReloadResponse(BaseModel):
    previous_version: str
    index_version: str
    changed: bool
    took_ms: float


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


# Refusals that happen before routing, for every operation of the API description.
BODY_TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "Body over DOCQA_MAX_BODY_BYTES"}
}
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorBody,
        "description": f"Too many requests from this client; try again after {RETRY_AFTER_HEADER}",
        "headers": {
            RETRY_AFTER_HEADER: {"description": "Seconds to wait", "schema": {"type": "integer"}}
        },
    }
}
