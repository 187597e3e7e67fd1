"""`POST /ask` and `GET /search`: the same search, as a JSON body or as query parameters."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from docqa.index.search import Searcher
from docqa.index.validation import QuestionError, validate_question
from docqa.service.deps import SearcherDep, SettingsDep, require_json
from docqa.service.schemas import AskRequest, AskResponse, ErrorBody, ValidationErrorBody

router = APIRouter(
    tags=["ask"],
    responses={422: {"model": ValidationErrorBody, "description": "Invalid question or k"}},
)


def _search(searcher: Searcher, question: str, k: int) -> AskResponse:
    return AskResponse.model_validate(searcher.search(question, k).to_dict())


# Plain `def` endpoints: FastAPI runs them in its threadpool; the Searcher is read-only.
@router.post(
    "/ask",
    dependencies=[Depends(require_json)],
    responses={415: {"model": ErrorBody, "description": "Body is not JSON"}},
)
def ask(body: AskRequest, searcher: SearcherDep, settings: SettingsDep) -> AskResponse:
    """Answer a question with the best sentence and the k best passages, each cited."""
    k = body.k if "k" in body.model_fields_set else settings.default_k
    question, k = validate_question(body.question, k, settings)
    return _search(searcher, question, k)


@router.get("/search")
def search(
    searcher: SearcherDep,
    settings: SettingsDep,
    q: Annotated[str, Query(description="The question, in Spanish or English")],
    k: Annotated[int | None, Query(description="How many passages, 1..max_k")] = None,
) -> AskResponse:
    """Same body as `POST /ask`, for the search box."""
    try:
        question, k = validate_question(q, settings.default_k if k is None else k, settings)
    except QuestionError as error:
        # Name the parameter as this endpoint spells it.
        field = "q" if error.field == "question" else error.field
        raise QuestionError(field, error.message) from error
    return _search(searcher, question, k)
