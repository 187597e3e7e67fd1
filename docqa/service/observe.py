"""Per request: an id echoed in X-Request-ID, one JSON log line, and the route's metrics."""

import logging
import re
import time
import uuid
from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docqa.service.echo import clipped
from docqa.service.metrics import Metrics

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it cannot forge log lines or blow up label sizes.
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# The route label of a request no route matches: raw paths would make the labels unbounded.
UNMATCHED = "unmatched"

access_log = logging.getLogger("docqa.access")


def request_id(scope: Scope) -> str:
    """The client's X-Request-ID when it is a sane token, else a new one."""
    given = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
    return given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex


class RouteLabels:
    """The path template a path falls under ("/documents/{doc_id}"), to label its metrics.

    Matched here rather than read from the router, so that requests refused before routing
    (413, 429) are labelled by their route too.
    """

    def __init__(self, templates: Iterable[str]) -> None:
        self._patterns = [compile_path(template)[:2] for template in templates]

    def __call__(self, path: str) -> str:
        return next((label for regex, label in self._patterns if regex.match(path)), UNMATCHED)


class Observe:
    """Outermost middleware, so that it sees every response, 413 and 429 included."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Iterable[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.labels = RouteLabels(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        # An exception that escapes the app becomes a 500 further out.
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, rid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = self.labels(scope["path"])
            self.metrics.observe(route, scope["method"], status, seconds)
            client = scope.get("client")
            access_log.info(
                "%s %s %d",
                scope["method"],
                route,
                status,
                extra={
                    "request_id": rid,
                    "method": scope["method"],
                    "route": route,
                    "path": clipped(scope["path"]),
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": client[0] if client else None,
                },
            )
