"""Corpus files read in a child process, so that no file can exhaust ingest's memory or time.

A file's size does not bound what reading it costs: a 300 KB PDF stream inflates to 300 MB,
pypdf caches every inflated stream, deeply nested HTML takes lexbor minutes. The child runs
with an address-space limit and each file with a deadline; a file over either is refused.
"""

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from docqa.ingest.base import Extracted, LoadError
from docqa.ingest.extract_worker import READY
from docqa.model import Limits

# Interpreter start and imports; a busy machine can take a few seconds.
STARTUP_SECONDS = 60
# An idle child exits as soon as it sees its requests close.
EXIT_SECONDS = 5


@dataclass
class _Child:
    process: subprocess.Popen
    requests: Connection
    replies: Connection


class Extractor:
    """Reads files through one child process; a child that fails is replaced for the next file."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._child: _Child | None = None

    def __enter__(self) -> "Extractor":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def extract(self, path: Path) -> tuple[Extracted, str]:
        """What `path` holds and the SHA-256 of its bytes; LoadError says why it cannot be read."""
        child = self._child or self._start()
        try:
            child.requests.send(str(path))
            if not child.replies.poll(self._limits.seconds):
                self._stop(kill=True)
                raise LoadError(
                    f"took longer than {self._limits.seconds:g} s to read "
                    "(DOCQA_EXTRACT_TIMEOUT_SECONDS)"
                )
            kind, payload = child.replies.recv()
        except (EOFError, OSError):
            ended = self._stop(kill=False)
            raise LoadError(f"the reading process died ({ended}) while reading it") from None
        if kind == "ok":
            return payload
        if kind == "exhausted":
            self._stop(kill=False)
        raise LoadError(payload)

    def close(self) -> None:
        """Stop the child process, if one is running."""
        self._stop(kill=False)

    def _stop(self, kill: bool) -> str:
        """Stop the child: killed, or let go when it sees its requests close; how it ended."""
        child, self._child = self._child, None
        if child is None:
            return "not running"
        if kill:
            child.process.kill()
        child.requests.close()
        child.replies.close()
        try:
            code = child.process.wait(timeout=EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            child.process.kill()
            code = child.process.wait()
        return _describe(code)

    def _start(self) -> _Child:
        to_child, requests_fd = os.pipe()
        replies_fd, from_child = os.pipe()
        process = subprocess.Popen(
            [sys.executable, "-m", "docqa.ingest.extract_worker"],
            stdin=to_child,
            stdout=from_child,
        )
        os.close(to_child)
        os.close(from_child)
        child = _Child(
            process,
            Connection(requests_fd, readable=False),
            Connection(replies_fd, writable=False),
        )
        self._child = child
        child.requests.send(self._limits)
        try:
            ready = child.replies.poll(STARTUP_SECONDS) and child.replies.recv() == READY
        except EOFError:
            ready = False
        if not ready:
            raise LoadError(f"the reading process did not start ({self._stop(kill=True)})")
        return child


def _describe(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"
