"""CORS for pages on other origins (the widget): the allow-list from DOCQA_CORS_ORIGINS."""

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response

REFUSED = "Disallowed CORS "


class AllowListCORS(CORSMiddleware):
    """Starlette's CORS, whose refused preflight is a JSON 4xx saying what to configure."""

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
                "detail": f"cross-origin request from {origin!r} refused ({refused}): allowed "
                "origins are set in DOCQA_CORS_ORIGINS, methods GET and POST, header Content-Type"
            },
        )
