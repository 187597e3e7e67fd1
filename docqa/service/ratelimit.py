"""Per-client rate limiting: a token bucket per client address, 429 with Retry-After when empty.

Requests that carry one of DOCQA_API_KEYS (batch clients such as `docqa eval --target`) are not
limited; a wrong key is a 401, so that a batch run learns at once that its key is wrong.
"""

import hmac
import math
import time
from collections import OrderedDict

from pydantic import SecretStr
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from docqa.service.errors import error_response

RETRY_AFTER_HEADER = "Retry-After"
BEARER = "bearer "
# Paths that monitoring polls; limiting them would make a busy service look down.
EXEMPT = frozenset({"/health", "/metrics"})
# Buckets kept at most; the least recently seen client's is dropped first (it starts full again).
MAX_CLIENTS = 10_000


class TokenBuckets:
    """`per_minute` tokens a minute flow into each client's bucket, which holds at most `burst`."""

    def __init__(self, per_minute: float, burst: int, max_clients: int = MAX_CLIENTS) -> None:
        self.rate = per_minute / 60
        self.burst = burst
        self.max_clients = max_clients
        # client -> (tokens, when they were counted); only the event loop thread touches it.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str, now: float) -> float:
        """Take one token for `client`: 0 if it had one, else the seconds until it will."""
        tokens, then = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
        self._buckets[client] = (tokens - 1 if wait == 0 else tokens, now)
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)


class RateLimit:
    """Answers 429 with Retry-After (whole seconds) to a client whose bucket is empty."""

    def __init__(
        self, app: ASGIApp, per_minute: float, burst: int, keys: list[SecretStr] | None = None
    ) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute, burst) if per_minute > 0 else None
        self.keys = [key.get_secret_value().encode() for key in keys or []]

    def _known_key(self, given: str) -> bool:
        # Every key is compared, each in time independent of where it differs, so neither the
        # key nor which one matched can be guessed from the response time.
        found = False
        for key in self.keys:
            found |= hmac.compare_digest(given.encode("latin-1"), key)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is None or scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        authorization = Headers(scope=scope).get("authorization", "")
        if self.keys and authorization[: len(BEARER)].lower() == BEARER:
            if self._known_key(authorization[len(BEARER) :].strip()):
                await self.app(scope, receive, send)
                return
            response = error_response(
                401,
                "the Authorization: Bearer key is not one of DOCQA_API_KEYS",
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        # The peer address: behind a proxy, uvicorn's --proxy-headers puts the client's here.
        client = scope["client"][0] if scope.get("client") else "unknown"
        wait = self.buckets.take(client, time.monotonic())
        if wait == 0:
            await self.app(scope, receive, send)
            return
        seconds = math.ceil(wait)
        response = error_response(
            429,
            f"too many requests from {client}: try again in {seconds} s "
            "(DOCQA_RATE_LIMIT_PER_MINUTE, DOCQA_RATE_LIMIT_BURST; batch clients send "
            "Authorization: Bearer with one of DOCQA_API_KEYS)",
            headers={RETRY_AFTER_HEADER: str(seconds)},
        )
        await response(scope, receive, send)
