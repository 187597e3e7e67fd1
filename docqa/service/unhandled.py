"""An exception a route lets escape: logged once with its request id, answered with a JSON 500."""

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docqa.service.echo import clipped
from docqa.service.errors import internal_error

logger = logging.getLogger("docqa.service")


class Unhandled:
    """Innermost middleware, so that the 500 passes through Observe and CORS like any response.

    Left to Starlette, the 500 is made outside every middleware (no X-Request-ID, no CORS
    headers) and the exception is raised on to the server, which logs it a second time.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            logger.exception(
                "unhandled error on %s %s",
                scope["method"],
                clipped(scope["path"]),
                extra={"request_id": scope.get("state", {}).get("request_id")},
            )
            # Once a response has started, only the server cutting it short tells the client.
            if not started:
                await internal_error()(scope, receive, send)
