"""Ingest's connection to Ray: a cluster by its address, or a private Ray on this machine."""

import logging
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from docqa.ingest.pipeline import IngestError

# `--ray local`: a Ray started for this one ingest, on this machine only.
LOCAL = "local"
# How long the cluster's head may take to accept a connection: Ray itself retries for minutes.
CONNECT_SECONDS = 5.0


def _check_reachable(address: str) -> None:
    """Fail at once, with the reason, when the head at host:port does not answer."""
    parts = urlsplit(address if "://" in address else f"//{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None:
        raise IngestError(
            f"Ray address {address!r} is not host:port, ray://host:port, 'auto' or '{LOCAL}'"
        )
    try:
        socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
    except OSError as error:
        raise IngestError(f"cannot reach the Ray cluster at {address}: {error}") from None


def _local_environment() -> None:
    """Keep a private Ray on loopback, and lock it with a token that lives only in memory.

    By default Ray takes the address of the first network interface and listens on all of
    them; with clusters switched off it uses 127.0.0.1 for every process it starts. Its token
    authentication would otherwise write a token to ~/.ray.
    """
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    os.environ.setdefault("RAY_AUTH_MODE", "token")
    os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))


@contextmanager
def ray_session(address: str) -> Iterator[None]:
    """Ray connected for the block: a driver that already is (a notebook, tests) stays so;
    otherwise this joins `address` ('auto', host:port, ray://host:port) or starts a private Ray
    (`local`), and leaves it, shutting down what it started, at the end."""
    if address == LOCAL:
        _local_environment()
    elif address != "auto":
        _check_reachable(address)
    # Imported only here: a plain ingest never loads Ray.
    try:
        import ray
    except ModuleNotFoundError:
        raise IngestError("Ray is not installed here: pip install 'docqa[ray]'") from None

    if ray.is_initialized():
        yield
        return
    try:
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
    except ConnectionError as error:
        raise IngestError(f"cannot join Ray at {address!r}: {error}") from None
    try:
        yield
    finally:
        ray.shutdown()
