"""Exception handlers: every bad input becomes a 4xx JSON body naming what is wrong."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from docqa.index.validation import QuestionError

logger = logging.getLogger("docqa.service")

_BODY_SHAPE = 'the request body must be a JSON object such as {"question": "...", "k": 5}'


def _field_error(error: dict) -> dict:
    loc = list(error.get("loc", ()))
    kind = error.get("type", "value_error")
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "invalid JSON")
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        return {"field": "body", "message": f"malformed JSON: {reason}{where}", "type": kind}
    # loc starts with where the value came from (body, query, path, header).
    field = ".".join(str(part) for part in loc[1:]) or (str(loc[0]) if loc else "request")
    if field == "body" and kind in {"missing", "model_attributes_type", "dict_type", "model_type"}:
        message = _BODY_SHAPE
    elif kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        message = "is not an accepted field (expected: question, k)"
    else:
        message = str(error.get("msg", "is invalid"))
    return {"field": field, "message": message, "type": kind}


async def validation_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        status_code=422, content={"detail": [_field_error(e) for e in exc.errors()]}
    )


async def question_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, QuestionError)
    return JSONResponse(
        status_code=422,
        content={"detail": [{"field": exc.field, "message": exc.message, "type": "value_error"}]},
    )


async def unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(status_code=500, content={"detail": "internal server error"})


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(QuestionError, question_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
