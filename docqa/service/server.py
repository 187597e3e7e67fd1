"""How `docqa serve` runs uvicorn: time limits on slow clients, and which proxies to believe."""

import asyncio
import logging
from functools import partial
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from docqa.config import Settings

logger = logging.getLogger("docqa.service")


class HeaderDeadline(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, which also closes a connection whose request headers do not
    arrive within `header_timeout` seconds: of its opening, or of a kept-alive connection's first
    byte of the next request.

    uvicorn times out only idle kept-alive connections, and every byte received resets that
    timer, so a client sending its headers a byte at a time would hold a connection forever.
    The body's time limit is BodyLimit's, which answers 408.
    """

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_watching()
        super().connection_lost(exc)

    def _watch_headers(self) -> None:
        # IDLE: h11 has not yet read a whole request line and headers.
        if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            self._stop_watching()
        elif self._deadline is None:
            self._deadline = self.loop.call_later(self.header_timeout, self._headers_late)

    def _stop_watching(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_late(self) -> None:
        self._deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            logger.info(
                "closed a connection from %s: no request headers within %s s "
                "(DOCQA_HEADER_TIMEOUT_SECONDS)",
                self.client[0] if self.client else "unknown",
                self.header_timeout,
            )
            self.transport.close()


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.Config keywords for the time limits and proxy trust in `settings`."""
    return {
        "http": partial(HeaderDeadline, header_timeout=settings.header_timeout_seconds),
        "timeout_keep_alive": settings.keep_alive_seconds,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise, which lets any
        # local process pose as many clients; docqa believes no proxy unless one is named.
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or None,
    }
