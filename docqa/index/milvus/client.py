"""A connection to the Milvus of DOCQA_MILVUS_URI, with every way it can fail as one line."""

import logging
import re
import threading
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

import grpc
from pymilvus import MilvusClient
from pymilvus.exceptions import MilvusException

from docqa.config import Settings
from docqa.index.base import IndexNotFoundError

# pymilvus logs each failed call at ERROR before raising it; docqa reports the exception itself,
# once, in one line. pymilvus configures both loggers itself, each with its own level.
for _name in ("pymilvus", "pymilvus.milvus_client"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

# BM25 as a server-side function came with Milvus 2.5.
MIN_SERVER = (2, 5)


class MilvusError(IndexNotFoundError):
    """Milvus cannot serve docqa as configured; the message says what to change."""


def is_lite(uri: str) -> bool:
    """Whether `uri` names a local Milvus Lite file rather than a server."""
    return urlsplit(uri).scheme not in {"http", "https", "tcp", "unix"}


def public_uri(uri: str) -> str:
    """The URI as it may be shown (/health, the manifest, errors): without user or password."""
    parts = urlsplit(uri)
    if is_lite(uri) or parts.hostname is None:
        return uri
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _version(text: str) -> tuple[int, int] | None:
    found = re.match(r"v?(\d+)\.(\d+)", text)
    return (int(found[1]), int(found[2])) if found else None


class Connection:
    """A MilvusClient on the configured database; close() also stops a Milvus Lite process."""

    # One per database and token in a process: builds opened one after another share it,
    # and Milvus Lite runs one process per file.
    _shared: ClassVar[dict[tuple[str, str], "Connection"]] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls, settings: Settings) -> "Connection":
        token = settings.milvus_token.get_secret_value() if settings.milvus_token else ""
        with cls._shared_lock:
            key = (settings.milvus_uri, token)
            if key not in cls._shared:
                cls._shared[key] = cls(settings)
            return cls._shared[key]

    def __init__(self, settings: Settings) -> None:
        self.uri = settings.milvus_uri
        # A local file: this process runs Milvus Lite on it. `lite`: the engine is Milvus Lite
        # (a file here, or Lite serving one on a port), which has no HNSW.
        self.local = self.lite = is_lite(self.uri)
        token = settings.milvus_token.get_secret_value() if settings.milvus_token else ""
        self.with_token = bool(token)
        where = public_uri(self.uri)
        if self.local:
            # Lite opens its file only in an existing folder.
            Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.client = MilvusClient(
                uri=self.uri, token=token, timeout=settings.milvus_connect_seconds
            )
        except MilvusException as error:
            raise MilvusError(self._failure(where, error.message)) from None
        if not self.local:
            self._check_server(where)

    def _check_server(self, where: str) -> None:
        try:
            version = _version(self.client.get_server_version())
        except grpc.RpcError as error:
            # Milvus Lite run as a server answers no version; its 2.5 engine has BM25.
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                self.lite = True
                return
            raise MilvusError(self._failure(where, error.details() or error.code().name)) from None
        except MilvusException as error:
            raise MilvusError(self._failure(where, error.message)) from None
        if version is not None and version < MIN_SERVER:
            raise MilvusError(
                f"the Milvus server at {where} is {version[0]}.{version[1]}; docqa's BM25 "
                f"search needs Milvus {MIN_SERVER[0]}.{MIN_SERVER[1]} or newer"
            )

    def close(self) -> None:
        with self._shared_lock:
            for key, connection in list(self._shared.items()):
                if connection is self:
                    del self._shared[key]
        self.client.close()
        if self.local:
            # Lite's process lives until its file is released; release it now, not at exit.
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(self.uri)

    def _failure(self, where: str, message: str) -> str:
        lowered = message.lower()
        if "auth" in lowered or "token" in lowered or "credential" in lowered:
            token = "DOCQA_MILVUS_TOKEN" if self.with_token else "no DOCQA_MILVUS_TOKEN"
            return f"the Milvus server at {where} refused the credentials ({token}): {message}"
        if "open local milvus failed" in lowered:
            return (
                f"Milvus Lite could not open {where}: another process has it open (Lite serves "
                "one process; run a Milvus server for several)"
            )
        return f"cannot reach Milvus at {where} (DOCQA_MILVUS_URI): {message}"
