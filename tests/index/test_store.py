"""The build folder on disk: manifest, CURRENT pointer, errors for missing indexes, pruning."""

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from conftest import ingest, make_settings, run_cli

from docqa import model
from docqa.embed.registry import get_embedder
from docqa.index import store
from docqa.index.base import IndexDamagedError, IndexNotFoundError
from docqa.index.build import corpus_hash
from docqa.index.codes import Codes
from docqa.index.manifest import FORMAT_VERSION
from docqa.index.search import Searcher
from docqa.ingest.documents import load_corpus
from docqa.ingest.pipeline import run_ingest


def test_manifest_describes_the_build(corpus_index) -> None:
    build_dir = store.current_build_dir(corpus_index.index_dir)
    manifest = json.loads((build_dir / "manifest.json").read_text("utf-8"))
    settings = corpus_index.settings

    assert manifest["format"] == FORMAT_VERSION
    assert manifest["build_id"] == build_dir.name == corpus_index.report.build_id
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", manifest["build_id"])
    built_at = datetime.fromisoformat(manifest["built_at"])
    assert built_at.utcoffset() == UTC.utcoffset(None)

    assert [e["name"] for e in manifest["embedders"]] == settings.embedders == ["e5", "use"]
    for recorded in manifest["embedders"]:
        embedder = get_embedder(recorded["name"], settings)
        assert recorded["model_id"] == embedder.model_id and recorded["model_id"]
        assert recorded["dim"] == embedder.dim
    assert {e["name"]: e["dim"] for e in manifest["embedders"]} == {"e5": 384, "use": 512}

    documents, skipped = load_corpus(corpus_index.corpus_dir)
    assert skipped == []
    assert manifest["corpus_hash"] == corpus_hash(documents)
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["corpus_hash"])
    assert manifest["documents"] == len(documents) == 5

    data = store.read_build(build_dir)
    assert manifest["chunks"] == len(data.chunks) == corpus_index.report.chunks
    assert manifest["sentences"] == len(data.sentences) == corpus_index.report.sentences
    per_language = manifest["chunks_per_language"]
    assert sum(per_language.values()) == manifest["chunks"]
    assert per_language["es"] > 0 and per_language["en"] > 0


def test_build_tables_and_vectors_are_consistent(corpus_index) -> None:
    data = store.read_build(store.current_build_dir(corpus_index.index_dir))
    for doc in data.documents:
        assert doc.lang in model.LANGS
    for row in data.sentences:
        doc, start, end = row.tolist()
        assert 0 <= start < end <= len(data.documents[doc].text)
    for row in data.chunks:
        doc, start, end, first, stop, lang = row.tolist()
        text = data.documents[doc].text
        assert 0 <= start < end <= len(text)
        assert data.sentences[first][model.SENT_START] == start
        assert data.sentences[stop - 1][model.SENT_END] == end
        assert set(data.sentences[first:stop, model.SENT_DOC].tolist()) == {doc}
        assert 0 <= lang < len(model.LANGS)
    for name, dim in (("e5", 384), ("use", 512)):
        pairs = (
            (data.vectors[name].chunks, data.chunks),
            (data.vectors[name].sentences, data.sentences),
        )
        for vectors, rows in pairs:
            assert vectors.dtype == np.float32 and vectors.shape == (len(rows), dim)
            np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    # Every chunk row is in exactly one language's BM25 index.
    lexical_rows = np.concatenate([data.lexical[lang].rows for lang in model.LANGS])
    assert sorted(lexical_rows.tolist()) == list(range(len(data.chunks)))


def test_current_points_to_a_complete_build(small_corpus: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    report = ingest(settings)
    pointer = (settings.index_dir / store.CURRENT).read_text("utf-8").strip()
    build_dir = settings.index_dir / store.BUILDS / pointer
    assert build_dir == Path(report.location) == store.current_build_dir(settings.index_dir)
    names = {p.name for p in build_dir.iterdir()}
    assert {"manifest.json", "documents.jsonl", "chunks.npy", "sentences.npy"} <= names
    for name in settings.embedders:
        assert {
            f"vectors-{name}-chunks.npy",
            f"vectors-{name}-sentences.npy",
            f"dense-{name}-chunks.faiss",
            f"codes-{name}-sentences.faiss",
        } <= names
    assert {"bm25-es", "bm25-en"} <= names
    # Nothing half-written is left around: no staging folders, no temporary pointer.
    assert not [p for p in (settings.index_dir / store.BUILDS).iterdir() if p.name[0] == "."]
    assert not list(settings.index_dir.glob(f".{store.CURRENT}.*"))
    assert store.read_build(build_dir).manifest.build_id == pointer


def test_missing_index_says_to_run_ingest(tmp_path: Path) -> None:
    missing = tmp_path / "never-built"
    with pytest.raises(IndexNotFoundError, match="docqa ingest"):
        store.current_build_dir(missing)
    settings = make_settings(missing, tmp_path)
    with pytest.raises(IndexNotFoundError, match="docqa ingest"):
        Searcher.open(settings, missing)


def test_current_pointing_to_a_missing_build_is_an_index_error(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    (index_dir / store.BUILDS).mkdir(parents=True)
    (index_dir / store.CURRENT).write_text("20240101T000000Z-abcdef\n", "utf-8")
    with pytest.raises(IndexNotFoundError, match="missing build"):
        store.current_build_dir(index_dir)


def test_incomplete_or_old_format_builds_are_refused(small_corpus: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    build_dir = Path(ingest(settings).location)
    manifest_path = build_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))

    manifest_path.write_text(json.dumps({**manifest, "format": FORMAT_VERSION + 1}))
    with pytest.raises(IndexNotFoundError, match="docqa ingest"):
        store.read_build(build_dir)
    manifest_path.unlink()
    with pytest.raises(IndexNotFoundError, match="manifest"):
        store.read_build(build_dir)
    with pytest.raises(IndexNotFoundError):
        Searcher.open(settings, settings.index_dir)
    # A fresh ingest replaces the broken build.
    again = ingest(settings)
    assert Path(again.location) != build_dir
    assert Searcher.open(settings, settings.index_dir).chunk_count == again.chunks


def test_a_build_with_a_missing_part_is_refused_with_the_fix(
    small_corpus: Path, tmp_path: Path
) -> None:
    # What an index written by an older docqa, before the lexicon existed, looks like.
    settings = make_settings(tmp_path / "index", small_corpus)
    build_dir = Path(ingest(settings).location)
    shutil.rmtree(build_dir / "lexicon")

    with pytest.raises(IndexDamagedError, match="docqa ingest"):
        Searcher.open(settings, settings.index_dir)
    asked = run_cli("ask", "¿Es gratuita la vacunación?", "--index", str(settings.index_dir))
    assert asked.returncode != 0
    assert "damaged" in asked.stderr and "docqa ingest" in asked.stderr
    assert "Traceback" not in asked.stderr + asked.stdout
    # The same corpus is rebuilt rather than reported as up to date.
    again = ingest(settings)
    assert not again.up_to_date and Path(again.location) != build_dir
    assert Searcher.open(settings, settings.index_dir).version == again.build_id


@pytest.mark.parametrize(("rows", "dim"), [(-1, 384), (0, 512)])
def test_sentence_codes_that_do_not_match_the_tables_are_refused(
    small_corpus: Path, tmp_path: Path, rows: int, dim: int
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    build_dir = Path(ingest(settings).location)
    sentences = len(store.read_build(build_dir).sentences)
    vectors = np.random.default_rng(0).standard_normal((sentences + rows, dim), np.float32)
    Codes.build(vectors).save(build_dir / "codes-e5-sentences.faiss")
    with pytest.raises(IndexDamagedError, match="e5 vectors and indexes do not match"):
        store.read_build(build_dir)


def test_old_builds_are_pruned_to_keep_builds(small_corpus: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    builds = settings.index_dir / store.BUILDS
    reports = []
    for round_ in range(store.KEEP_BUILDS + 2):
        # Leftovers of an interrupted ingest are garbage to be collected on the next switch.
        if builds.exists():
            (builds / f".staging-leftover-{round_}").mkdir()
        # A changed corpus each round: an unchanged one keeps its build instead of writing one.
        (small_corpus / f"extra-{round_}.txt").write_text(f"Nota número {round_} sobre salud.")
        reports.append(run_ingest(settings.corpus_dir, settings.index_dir, settings))
        on_disk = sorted(p.name for p in builds.iterdir())
        expected = [r.build_id for r in reports[-store.KEEP_BUILDS :]]
        assert on_disk == sorted(expected)
    assert store.current_build_dir(settings.index_dir) == Path(reports[-1].location)
