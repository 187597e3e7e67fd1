"""`POST /ask` and `GET /search`: the same search, as a JSON body or as query parameters."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from docqa.index.results import SearchResult
from docqa.index.validation import QuestionError, validate_question
from docqa.service.deps import SettingsDep, SnapshotDep, require_json
from docqa.service.schemas import AskRequest, ErrorBody, ValidationErrorBody

router = APIRouter(
    tags=["ask"],
    responses={422: {"model": ValidationErrorBody, "description": "Invalid question or k"}},
)


# Each request takes one snapshot, so its answer comes from one build even while a reload swaps
# builds; the search itself runs in a worker thread (see Snapshot.search).
@router.post(
    "/ask",
    dependencies=[Depends(require_json)],
    responses={415: {"model": ErrorBody, "description": "Body is not JSON"}},
)
async def ask(body: AskRequest, index: SnapshotDep, settings: SettingsDep) -> SearchResult:
    """Answer a question with the best sentence and the k best passages, each cited."""
    k = body.k if "k" in body.model_fields_set else settings.default_k
    question, k = validate_question(body.question, k, settings)
    return await index.search(question, k)


@router.get("/search")
async def search(
    index: SnapshotDep,
    settings: SettingsDep,
    q: Annotated[str, Query(description="The question, in Spanish or English")],
    k: Annotated[int | None, Query(description="How many passages, 1..max_k")] = None,
) -> SearchResult:
    """Same body as `POST /ask`, for the search box."""
    try:
        question, k = validate_question(q, settings.default_k if k is None else k, settings)
    except QuestionError as error:
        # Name the parameter as this endpoint spells it.
        field = "q" if error.field == "question" else error.field
        raise QuestionError(field, error.message) from error
    return await index.search(question, k)
