"""Milvus Lite databases for the backend's tests: each process of Lite is started by pymilvus
for this test process (a unix socket, no port) and stopped by closing the backends on it."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import make_settings

from docqa.index.base import BuildParts
from docqa.index.milvus import MilvusBackend
from index.milvus.parts import make_parts


def _backends(folder: Path) -> tuple[Callable[..., MilvusBackend], list[MilvusBackend]]:
    made: list[MilvusBackend] = []

    def make(**overrides: object) -> MilvusBackend:
        settings = make_settings(
            folder / "index",
            folder / "corpus",
            index_backend="milvus",
            milvus_uri=str(folder / "milvus" / "docqa.db"),
            **overrides,
        )
        backend = MilvusBackend(settings, settings.index_dir)
        made.append(backend)
        return backend

    return make, made


@pytest.fixture
def milvus_backend(tmp_path: Path) -> Iterator[Callable[..., MilvusBackend]]:
    """Backends on a new Milvus Lite file; closed, and Lite stopped, at the end."""
    make, made = _backends(tmp_path)
    yield make
    for backend in made:
        backend.close()


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[MilvusBackend, BuildParts]]:
    """One small build (tests.index.milvus.parts) published once for a module's readers."""
    make, _ = _backends(tmp_path_factory.mktemp("milvus"))
    # 40,000 more characters: the first document's text is stored in three parts.
    parts = make_parts("20261204T000000Z-abcde0", long_text=40_000)
    backend = make()
    backend.publish(parts)
    yield backend, parts
    backend.close()
