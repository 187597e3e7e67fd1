"""Exception handlers: every bad input becomes a 4xx JSON body naming what is wrong."""

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from docqa.index.validation import QuestionError
from docqa.service.echo import clipped

_BODY_SHAPE = 'the request body must be a JSON object such as {"question": "...", "k": 5}'


def _field_error(error: dict) -> dict:
    loc = list(error.get("loc", ()))
    kind = error.get("type", "value_error")
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "invalid JSON")
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        return {"field": "body", "message": f"malformed JSON: {reason}{where}", "type": kind}
    # loc starts with where the value came from (body, query, path, header).
    field = clipped(".".join(str(part) for part in loc[1:]) or (str(loc[0]) if loc else "request"))
    if field == "body" and kind in {"missing", "model_attributes_type", "dict_type", "model_type"}:
        message = _BODY_SHAPE
    elif kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        message = "is not an accepted field (expected: question, k)"
    else:
        message = str(error.get("msg", "is invalid"))
    return {"field": field, "message": message, "type": kind}


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error with one message, the shape of every error that is not about one field."""
    return JSONResponse(status_code=status, content={"detail": message}, headers=headers)


def internal_error() -> JSONResponse:
    """The 500 of a fault in the service: what went wrong is logged, never sent."""
    return error_response(500, "internal server error")


def _field_error_response(field: str, message: str, kind: str) -> JSONResponse:
    return JSONResponse(
        status_code=422, content={"detail": [{"field": field, "message": message, "type": kind}]}
    )


async def validation_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        status_code=422, content={"detail": [_field_error(e) for e in exc.errors()]}
    )


async def question_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, QuestionError)
    return _field_error_response(exc.field, exc.message, "value_error")


async def unparsable_body_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's bare 400 for a body it could not decode, as a 422 naming the body."""
    assert isinstance(exc, HTTPException)
    # FastAPI raises its 400 from the decoding error; every other HTTPException is ours.
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return await http_exception_handler(request, exc)
    if isinstance(cause, RecursionError):
        return _field_error_response("body", "malformed JSON: nested too deeply", "json_invalid")
    if isinstance(cause, UnicodeDecodeError):
        return _field_error_response("body", "malformed JSON: not UTF-8 text", "json_invalid")
    reason = clipped(str(cause))
    return _field_error_response("body", f"could not be parsed: {reason}", "body_invalid")


async def unexpected_error_handler(_request: Request, _error: Exception) -> JSONResponse:
    # Only a fault in a middleware gets this far (unhandled.Unhandled answers the app's), and
    # Starlette raises it on to the server, which logs it.
    return internal_error()


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(QuestionError, question_error_handler)
    app.add_exception_handler(HTTPException, unparsable_body_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
