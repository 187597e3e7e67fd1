"""Request bodies over DOCQA_MAX_BODY_BYTES (413) or slower than DOCQA_BODY_TIMEOUT_SECONDS (408)
are refused before the app sees them."""

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docqa.service.errors import error_response


class BodyLimit:
    """Reads the whole body (declared length or streamed chunks), then replays it to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int, seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        # The server has already refused a malformed Content-Length; a large one needs no read.
        too_large = declared.isdigit() and int(declared) > self.max_bytes
        body = bytearray()
        more = not too_large
        try:
            async with asyncio.timeout(self.seconds):
                while more:
                    message = await receive()
                    if message["type"] != "http.request":
                        break
                    body += message.get("body", b"")
                    # Without Content-Length (chunked transfer) only counting tells the size.
                    too_large = len(body) > self.max_bytes
                    more = message.get("more_body", False) and not too_large
        except TimeoutError:
            # A client that sends its body a byte at a time would hold the connection forever;
            # "Connection: close" has the server drop it once the 408 is sent.
            response = error_response(
                408,
                f"the request body did not arrive within {self.seconds:g} s "
                "(DOCQA_BODY_TIMEOUT_SECONDS)",
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        if more and not too_large:
            # The client went away; the app sees the disconnect as it would have.
            await self.app(scope, _replay(message, receive), send)
            return
        if too_large:
            response = error_response(
                413,
                f"the request body is larger than {self.max_bytes} bytes (DOCQA_MAX_BODY_BYTES)",
            )
            await response(scope, receive, send)
            return
        whole = {"type": "http.request", "body": bytes(body), "more_body": False}
        await self.app(scope, _replay(whole, receive), send)


def _replay(first: Message, receive: Receive) -> Receive:
    """A receive that gives `first` once, then defers to `receive` (for the disconnect)."""
    pending = [first]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed
