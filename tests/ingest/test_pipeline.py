"""run_ingest end to end on real files: build, reuse, refresh, refuse, survive a crash."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
import pytest
from conftest import REPO, SMALL_CORPUS, ingest, make_settings, tree_hashes, write_corpus

from docqa import model
from docqa.config import Settings
from docqa.embed.registry import get_embedder
from docqa.index import codes, store
from docqa.index.base import IndexNotFoundError
from docqa.index.manifest import FORMAT_VERSION
from docqa.index.search import Searcher
from docqa.ingest import chunking
from docqa.ingest.chunking import ChunkingParams
from docqa.ingest.pipeline import (
    IngestError,
    Stages,
    _rows_by_doc,
    chunk_corpus,
    chunk_document,
    encode_locally,
    merge_chunks,
    run_ingest,
)
from docqa.model import Document


def read_current(index_dir: Path) -> store.FaissBuild:
    return store.read_build(store.current_build_dir(index_dir))


def doc_rows(data: store.FaissBuild, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Chunk and sentence row numbers of the document with this source path."""
    index = next(i for i, d in enumerate(data.documents) if d.source == source)
    return (
        np.flatnonzero(data.chunks[:, model.CHUNK_DOC] == index),
        np.flatnonzero(data.sentences[:, model.SENT_DOC] == index),
    )


def texts_of(data: store.FaissBuild, table: np.ndarray, rows: np.ndarray) -> list[str]:
    out = []
    for row in rows:
        doc, start, end = table[row][:3]
        out.append(data.documents[doc].text[start:end])
    return out


def assert_vectors_match_their_texts(data: store.FaissBuild, settings: Settings) -> None:
    """Each stored vector embeds the text its row points to: reuse kept the rows aligned."""
    for name in settings.embedders:
        embedder = get_embedder(name, settings)
        for table, vectors in (
            (data.chunks, data.vectors[name].chunks),
            (data.sentences, data.vectors[name].sentences),
        ):
            fresh = embedder.encode_passages(texts_of(data, table, np.arange(len(table))))
            cosines = np.sum(fresh * vectors, axis=1)
            assert cosines.min() > 0.99, (name, cosines.min())


def test_ingest_builds_a_searchable_index(small_corpus: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    report = ingest(settings)

    assert report.documents == 3
    assert report.chunks >= 3 and report.sentences >= report.chunks
    assert report.skipped == []
    assert (report.reused_documents, report.embedded_documents) == (0, 3)
    assert Path(report.location) == store.current_build_dir(settings.index_dir)

    searcher = Searcher.open(settings, settings.index_dir)
    result = searcher.search("¿Con qué recursos se financia el programa?", 3)
    top = result.passages[0]
    assert top.citation.source == "notas/financiamiento.txt"
    assert "Ramo 19" in top.text
    document = next(d for d in searcher.data.documents if d.doc_id == top.citation.doc_id)
    assert document.text[top.citation.start : top.citation.end] == top.text


def test_reingest_of_an_unchanged_corpus_reuses_every_document(
    small_corpus: Path, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    first = ingest(settings)
    before = read_current(settings.index_dir)

    second = ingest(settings)
    after = read_current(settings.index_dir)

    # Nothing changed: the current build stays, no new one is written.
    assert second.up_to_date and second.build_id == first.build_id
    assert Path(second.location) == Path(first.location)
    assert len(list((settings.index_dir / store.BUILDS).iterdir())) == 1
    assert (second.reused_documents, second.embedded_documents) == (3, 0)
    assert (second.documents, second.chunks, second.sentences) == (
        first.documents,
        first.chunks,
        first.sentences,
    )
    np.testing.assert_array_equal(after.chunks, before.chunks)
    np.testing.assert_array_equal(after.sentences, before.sentences)
    for name in settings.embedders:
        np.testing.assert_array_equal(after.vectors[name].chunks, before.vectors[name].chunks)
        np.testing.assert_array_equal(after.vectors[name].sentences, before.vectors[name].sentences)
    assert after.manifest.corpus_hash == before.manifest.corpus_hash


def test_a_new_exact_search_threshold_rebuilds_the_index_without_reembedding(
    small_corpus: Path, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    first = ingest(settings)
    questions = ["rural hospitals", "¿Quién financia el programa?", "free vaccination"]
    exact = Searcher.open(settings, settings.index_dir)
    expected = [exact.search(q, 3) for q in questions]

    approximate = make_settings(tmp_path / "index", small_corpus, exact_search_max_chunks=0)
    second = ingest(approximate)
    assert not second.up_to_date and second.build_id != first.build_id
    assert (second.reused_documents, second.embedded_documents) == (3, 0)
    data = read_current(settings.index_dir)
    assert data.manifest.dense_index == "hnsw-sq8"
    assert not any(index.exact for index in data.dense.values())
    assert data.manifest.lexicon_index == data.lexicon.kinds == {"es": "hnsw-sq8", "en": "hnsw-sq8"}
    # On a corpus this small the graph reaches every chunk: the ranking is the exact one.
    searcher = Searcher.open(approximate, settings.index_dir)
    for question, before in zip(questions, expected, strict=True):
        after = searcher.search(question, 3)
        assert [(p.text, p.citation) for p in after.passages] == [
            (p.text, p.citation) for p in before.passages
        ]
        # HNSW scores with the 8-bit codes' cosines, exact search with the floats'.
        assert [p.score for p in after.passages] == pytest.approx(
            [p.score for p in before.passages], abs=1e-2
        )
        assert after.answer == before.answer
    assert ingest(approximate).up_to_date


def test_a_threshold_that_changes_only_the_lexicon_index_rebuilds(
    small_corpus: Path, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    first = ingest(settings)
    words = read_current(settings.index_dir).lexicon.words
    # At the chunk count and below each language's vocabulary.
    threshold = first.chunks
    assert all(len(w) > threshold for w in words.values())
    between = make_settings(tmp_path / "index", small_corpus, exact_search_max_chunks=threshold)
    second = ingest(between)
    assert not second.up_to_date and second.embedded_documents == 0
    data = read_current(settings.index_dir)
    assert data.manifest.dense_index == "flat"
    assert data.manifest.lexicon_index == {"es": "hnsw-sq8", "en": "hnsw-sq8"}
    assert ingest(between).up_to_date


def test_sentence_codes_of_another_kind_are_rebuilt_without_reembedding(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    first = ingest(settings)
    # What a docqa release that stores sentence codes of another precision looks like.
    monkeypatch.setattr(codes, "QUANTIZER", faiss.ScalarQuantizer.QT_8bit)
    monkeypatch.setattr(codes, "KIND", "sq8")
    second = ingest(settings)
    assert not second.up_to_date and second.build_id != first.build_id
    assert (second.reused_documents, second.embedded_documents) == (3, 0)
    data = read_current(settings.index_dir)
    assert data.manifest.sentence_codes == "sq8"
    assert {c._index.sa_code_size() for c in data.sentence_codes.values()} == {384, 512}
    assert ingest(settings).up_to_date


def test_new_chunking_code_reembeds_every_file(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    first = ingest(settings)
    # What a docqa release whose sentence splitter moved boundaries looks like to ingest.
    monkeypatch.setattr(chunking, "code_fingerprint", lambda: "0123456789abcdef")
    second = ingest(settings)
    assert not second.up_to_date and second.build_id != first.build_id
    assert (second.reused_documents, second.embedded_documents) == (0, 3)
    assert read_current(settings.index_dir).manifest.reuse_key.chunking_code == ("0123456789abcdef")


def test_changing_one_file_reembeds_only_that_file(small_corpus: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    ingest(settings)
    before = read_current(settings.index_dir)

    (small_corpus / "salud.txt").write_text(
        "Vacunación infantil\n\nLa vacunación infantil es gratuita. "
        "Desde 2025 también se vacuna los sábados en los centros de salud rurales.\n",
        encoding="utf-8",
    )
    report = ingest(settings)
    after = read_current(settings.index_dir)

    assert (report.reused_documents, report.embedded_documents) == (2, 1)
    assert after.manifest.corpus_hash != before.manifest.corpus_hash
    for source in ("hospitals.md", "notas/financiamiento.txt"):
        old_c, old_s = doc_rows(before, source)
        new_c, new_s = doc_rows(after, source)
        for name in settings.embedders:
            np.testing.assert_array_equal(
                after.vectors[name].chunks[new_c], before.vectors[name].chunks[old_c]
            )
            np.testing.assert_array_equal(
                after.vectors[name].sentences[new_s], before.vectors[name].sentences[old_s]
            )
    changed_c, _ = doc_rows(after, "salud.txt")
    assert any("sábados" in t for t in texts_of(after, after.chunks, changed_c))
    # Reused and fresh rows alike hold the vector of their own text.
    assert_vectors_match_their_texts(after, settings)

    answer = Searcher.open(settings, settings.index_dir).search("¿Se vacuna los sábados?", 1)
    assert answer.passages[0].citation.source == "salud.txt"
    assert "sábados" in answer.passages[0].text


def test_the_encode_stage_is_given_only_the_texts_of_changed_files(
    small_corpus: Path, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    given: list[list[str]] = []

    def recording(embedders, texts, into, settings, progress) -> None:
        given.append(texts)
        encode_locally(embedders, texts, into, settings, progress)

    stages = Stages(encode=recording)
    run_ingest(small_corpus, settings.index_dir, settings, stages=stages)
    first = read_current(settings.index_dir)
    everything = range(len(first.chunks)), range(len(first.sentences))
    assert given == [
        texts_of(first, first.chunks, everything[0]),
        texts_of(first, first.sentences, everything[1]),
    ]
    given.clear()
    (small_corpus / "salud.txt").write_text(
        "Vacunación infantil\n\nLa vacunación infantil también es gratuita los sábados.\n",
        encoding="utf-8",
    )
    run_ingest(small_corpus, settings.index_dir, settings, stages=stages)
    after = read_current(settings.index_dir)
    chunks, sentences = doc_rows(after, "salud.txt")
    assert given == [
        texts_of(after, after.chunks, chunks),
        texts_of(after, after.sentences, sentences),
    ]
    assert_vectors_match_their_texts(after, settings)


def test_documents_chunked_one_by_one_merge_into_the_corpus_tables() -> None:
    documents = [
        Document(name, name, name, "es", text, name) for name, text in SMALL_CORPUS.items()
    ]
    params = ChunkingParams(target_words=12, max_words=24)
    parts = [chunk_document(doc, params) for doc in documents]
    for chunks, sentences in parts:
        assert set(chunks[:, model.CHUNK_DOC]) == set(sentences[:, model.SENT_DOC]) == {0}
        assert chunks[0, model.CHUNK_FIRST] == 0 and chunks[-1, model.CHUNK_STOP] == len(sentences)
    merged = merge_chunks(documents, parts)
    assert len(merged.chunks) == sum(len(c) for c, _ in parts) > len(documents)
    assert len(merged.sentences) == sum(len(s) for _, s in parts)
    for doc, start, end, first, stop, _ in merged.chunks.tolist():
        assert set(merged.sentences[first:stop, model.SENT_DOC]) == {doc}
        assert merged.sentences[first, model.SENT_START] == start
        assert merged.sentences[stop - 1, model.SENT_END] == end
    texts = merged.chunk_texts()
    assert texts == [documents[d].text[a:b] for d, a, b in merged.chunks[:, :3].tolist()]
    assert [t for t in texts if "Ramo 19" in t] and merged.chunks[-1, model.CHUNK_DOC] == 2
    assert chunk_corpus(documents, params).chunks.tolist() == merged.chunks.tolist()


def test_deleting_a_file_removes_its_chunks(small_corpus: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    ingest(settings)
    (small_corpus / "hospitals.md").unlink()
    report = ingest(settings)
    after = read_current(settings.index_dir)

    assert report.documents == 2
    assert (report.reused_documents, report.embedded_documents) == (2, 0)
    assert sorted(d.source for d in after.documents) == ["notas/financiamiento.txt", "salud.txt"]
    assert set(after.chunks[:, model.CHUNK_DOC].tolist()) == {0, 1}
    assert all(
        "hospital network" not in t for t in texts_of(after, after.chunks, range(len(after.chunks)))
    )
    assert_vectors_match_their_texts(after, settings)

    result = Searcher.open(settings, settings.index_dir).search(
        "How many rural hospitals are there?", 5
    )
    assert all(p.citation.source != "hospitals.md" for p in result.passages)


def test_corpus_without_readable_files_fails_and_keeps_the_previous_index(
    small_corpus: Path, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    ingest(settings)
    index_before = tree_hashes(settings.index_dir)
    current_before = (settings.index_dir / store.CURRENT).read_text("utf-8")

    broken = write_corpus(tmp_path / "broken", {"notes.docx": "x", "empty.txt": "  \n"})
    (broken / "binary.txt").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(IngestError, match="no readable documents"):
        run_ingest(broken, settings.index_dir, settings)
    with pytest.raises(IngestError, match="does not exist"):
        run_ingest(tmp_path / "missing", settings.index_dir, settings)

    assert (settings.index_dir / store.CURRENT).read_text("utf-8") == current_before
    assert tree_hashes(settings.index_dir) == index_before
    result = Searcher.open(settings, settings.index_dir).search("rural hospitals", 1)
    assert result.passages[0].citation.source == "hospitals.md"


def test_corpus_files_are_byte_identical_after_ingest(small_corpus: Path, tmp_path: Path) -> None:
    before = tree_hashes(small_corpus)
    settings = make_settings(tmp_path / "index", small_corpus)
    ingest(settings)
    ingest(settings)
    assert tree_hashes(small_corpus) == before


# --- a second process: killed mid-embedding, or racing for the same index folder ----------

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from docqa.config import Settings
    from docqa.ingest.pipeline import run_ingest

    corpus, index, marker = (Path(a) for a in sys.argv[1:4])
    settings = Settings(_env_file=None, index_dir=index, corpus_dir=corpus)

    def progress(label, total):
        marker.with_suffix(".started").write_text(f"{label} {total}")
        done = 0

        def tick(n):
            nonlocal done
            done += n
            marker.with_suffix(".ticked").write_text(f"{label} {done}/{total}")

        return tick

    run_ingest(corpus, index, settings, progress)
    """
)


def big_corpus(folder: Path) -> Path:
    """About 240 sentences in three files: tens of seconds of embedding on two cores."""
    files = {}
    for f in range(3):
        lines = [
            " ".join(
                f"La clínica {f}-{p}-{s} atiende a {p * 7 + s} familias del municipio {s}."
                for s in range(8)
            )
            for p in range(10)
        ]
        files[f"big-{f}.txt"] = "\n\n".join(lines) + "\n"
    return write_corpus(folder, files)


def start_child(tmp_path: Path, corpus: Path, index: Path, wait_for: str) -> subprocess.Popen:
    script = tmp_path / "child_ingest.py"
    script.write_text(CHILD, encoding="utf-8")
    marker = tmp_path / "marker"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}
    child = subprocess.Popen(
        [sys.executable, str(script), str(corpus), str(index), str(marker)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    flag = marker.with_suffix(wait_for)
    deadline = time.monotonic() + 300
    while not flag.exists():
        if child.poll() is not None:
            _, err = child.communicate()
            pytest.fail(f"child ingest ended early ({child.returncode}): {err.decode()[-2000:]}")
        if time.monotonic() > deadline:
            child.kill()
            child.wait()
            pytest.fail("child ingest never reached the embedding stage")
        time.sleep(0.02)
    return child


def kill(child: subprocess.Popen) -> int:
    child.send_signal(signal.SIGKILL)
    child.communicate()
    return child.returncode


def test_ingest_killed_mid_embedding_leaves_the_previous_index_intact(
    small_corpus: Path, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    first = ingest(settings)
    builds_before = sorted(p.name for p in (settings.index_dir / store.BUILDS).iterdir())
    index_before = tree_hashes(settings.index_dir / store.BUILDS)

    child = start_child(tmp_path, big_corpus(tmp_path / "big"), settings.index_dir, ".ticked")
    assert child.poll() is None, "the child finished before it could be interrupted"
    assert kill(child) == -signal.SIGKILL

    assert store.current_build_dir(settings.index_dir) == Path(first.location)
    assert sorted(p.name for p in (settings.index_dir / store.BUILDS).iterdir()) == builds_before
    assert tree_hashes(settings.index_dir / store.BUILDS) == index_before
    searcher = Searcher.open(settings, settings.index_dir)
    assert searcher.version == first.build_id
    result = searcher.search("How many rural hospitals are there?", 2)
    assert result.passages[0].citation.source == "hospitals.md"

    # The dead process's lock went with it: the next ingest runs and switches in normally.
    again = ingest(settings)
    assert again.reused_documents == 3
    assert store.current_build_dir(settings.index_dir) == Path(again.location)
    assert not [p for p in (settings.index_dir / store.BUILDS).iterdir() if p.name.startswith(".")]


def test_a_second_concurrent_ingest_fails_fast(small_corpus: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    child = start_child(tmp_path, big_corpus(tmp_path / "big"), settings.index_dir, ".started")
    try:
        with pytest.raises(IngestError, match="another ingest"):
            ingest(settings)
        # It failed while the other ingest was still running: it did not wait for the lock.
        assert child.poll() is None
    finally:
        kill(child)
    assert not (settings.index_dir / store.CURRENT).exists()
    report = ingest(settings)
    assert report.documents == 3


def _remove_vectors(build: Path, embedder: str) -> None:
    (build / f"vectors-{embedder}-chunks.npy").unlink()


def _truncate_documents(build: Path, embedder: str) -> None:
    documents = build / "documents.jsonl"
    documents.write_bytes(documents.read_bytes()[:50])


def _mismatched_vectors(build: Path, embedder: str) -> None:
    vectors = build / f"vectors-{embedder}-sentences.npy"
    np.save(vectors, np.load(vectors)[:1])


def _truncate_dense_index(build: Path, embedder: str) -> None:
    index = build / f"dense-{embedder}-chunks.faiss"
    index.write_bytes(index.read_bytes()[:100])


@pytest.mark.parametrize(
    "damage",
    [_remove_vectors, _truncate_documents, _mismatched_vectors, _truncate_dense_index],
    ids=lambda f: f.__name__,
)
def test_a_damaged_current_build_does_not_block_the_next_ingest(
    small_corpus: Path,
    tmp_path: Path,
    damage: Callable[[Path, str], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    damaged = Path(ingest(settings).location)
    damage(damaged, settings.embedders[0])
    with caplog.at_level("WARNING", logger="docqa.ingest.pipeline"):
        report = ingest(settings)
    assert "re-embedding every document" in caplog.text
    assert Path(report.location) != damaged
    assert report.embedded_documents == 3
    assert Searcher.open(settings, settings.index_dir).search("rural hospitals", 1).passages


def _as_older_format(build_dir: Path, older: int) -> None:
    """Make a build look written by an older docqa: no sentence codes, its format recorded."""
    for codes_file in build_dir.glob("codes-*"):
        codes_file.unlink()
    path = build_dir / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    manifest["format"] = manifest["reuse_key"]["format"] = older
    path.write_text(json.dumps(manifest), "utf-8")


@pytest.mark.parametrize(("older", "embedded"), [(5, 0), (4, 3)])
def test_a_build_in_an_older_format_lends_its_vectors_if_laid_out_alike(
    small_corpus: Path, tmp_path: Path, older: int, embedded: int
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    first = ingest(settings)
    _as_older_format(Path(first.location), older)
    with pytest.raises(IndexNotFoundError, match=f"index format {older}"):
        Searcher.open(settings, settings.index_dir)
    second = ingest(settings)
    assert not second.up_to_date and second.build_id != first.build_id
    assert (second.reused_documents, second.embedded_documents) == (3 - embedded, embedded)
    assert read_current(settings.index_dir).manifest.format == FORMAT_VERSION
    assert Searcher.open(settings, settings.index_dir).search("rural hospitals", 1).passages
    assert ingest(settings).up_to_date


def test_an_older_build_with_damaged_vectors_is_re_embedded(
    small_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    build_dir = Path(ingest(settings).location)
    _as_older_format(build_dir, 5)
    _mismatched_vectors(build_dir, settings.embedders[0])
    with caplog.at_level("WARNING", logger="docqa.ingest.pipeline"):
        report = ingest(settings)
    assert "re-embedding every document" in caplog.text
    assert report.embedded_documents == 3


def test_rows_by_doc_groups_any_order_and_keeps_documents_without_rows() -> None:
    groups = _rows_by_doc(np.array([2, 0, 0, 1, 2], np.int32), 4)
    assert [g.tolist() for g in groups] == [[1, 2], [3], [0, 4], []]
    assert _rows_by_doc(np.array([], np.int32), 0) == []
