"""Real servers for the service tests: uvicorn in background threads, on free loopback ports."""

import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp

from docqa.config import Settings
from docqa.service.server import server_options


def free_port() -> int:
    """A loopback port free now, for a server in another process to bind."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Servers:
    """Starts ASGI apps on real sockets; `stop` shuts every one of them down."""

    def __init__(self) -> None:
        self._running: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []

    @staticmethod
    def reserve() -> tuple[socket.socket, str]:
        """A socket bound to a free loopback port, and the URL it will serve, before any app."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"

    def start(
        self,
        app: ASGIApp,
        reserved: tuple[socket.socket, str] | None = None,
        settings: Settings | None = None,
    ) -> str:
        """Serve `app` (on `reserved`, else a new port) and return its URL once it is up.

        With `settings`, uvicorn runs as `docqa serve` runs it: its timeouts, its proxy trust.
        """
        sock, url = reserved or self.reserve()
        options = server_options(settings) if settings is not None else {}
        config = uvicorn.Config(app, log_level="warning", lifespan="on", **options)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        self._running.append((server, thread, sock))
        deadline = time.monotonic() + 120
        while not server.started:
            assert thread.is_alive(), "the server thread died during startup"
            assert time.monotonic() < deadline, "the server did not start within 120 s"
            time.sleep(0.05)
        return url

    def stop(self) -> None:
        for server, _, _ in self._running:
            server.should_exit = True
        for _, thread, sock in self._running:
            thread.join(timeout=30)
            sock.close()
            assert not thread.is_alive(), "a server did not shut down"
        self._running.clear()
