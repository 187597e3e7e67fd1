"""CORS for pages on other origins (the widget): the allow-list from DOCQA_CORS_ORIGINS."""

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response

from docqa.service.deps import INDEX_VERSION_HEADER
from docqa.service.echo import quoted
from docqa.service.observe import REQUEST_ID_HEADER
from docqa.service.ratelimit import RETRY_AFTER_HEADER

REFUSED = "Disallowed CORS "
# A script on another origin reads only safelisted response headers unless they are named;
# these are the ones the service sets for clients to read (the widget, error reports).
EXPOSED = ", ".join((REQUEST_ID_HEADER, INDEX_VERSION_HEADER, RETRY_AFTER_HEADER))


class AllowListCORS(CORSMiddleware):
    """Starlette's CORS, whose refused preflight is a JSON 4xx saying what to configure, and
    whose responses to an allowed origin expose the service's own headers."""

    def __init__(self, app, origins: list[str]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            max_age=600,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        # Starlette lists what it refused (origin, method, headers) in a plain-text body.
        refused = bytes(response.body).decode().removeprefix(REFUSED)
        origin = request_headers.get("origin", "")
        return JSONResponse(
            status_code=response.status_code,
            content={
                "detail": f"cross-origin request from {quoted(origin)} refused ({refused}): "
                "allowed origins are set in DOCQA_CORS_ORIGINS, methods GET and POST, header "
                "Content-Type"
            },
        )

    @staticmethod
    def allow_explicit_origin(headers: MutableHeaders, origin: str) -> None:
        # Called for allowed origins only; Starlette's own expose_headers would go to every
        # origin, refused ones included.
        CORSMiddleware.allow_explicit_origin(headers, origin)
        headers["Access-Control-Expose-Headers"] = EXPOSED
