"""The Milvus backend on Milvus Lite: builds round-trip, search as FAISS does, switch atomically."""

import json
from collections.abc import Callable

import numpy as np
import pytest

from docqa.index.base import BuildParts, IndexNotFoundError
from docqa.index.milvus import MilvusBackend, schema, writer
from docqa.index.store import FaissBuild
from index.milvus.parts import make_parts

Make = Callable[..., MilvusBackend]
Published = tuple[MilvusBackend, BuildParts]
FIRST, SECOND, THIRD = (f"20261204T00000{i}Z-abcde{i}" for i in range(3))


def test_no_build_yet_says_what_to_run(milvus_backend: Make) -> None:
    backend = milvus_backend()
    assert backend.current_id() is None
    assert backend.reusable() is None
    with pytest.raises(IndexNotFoundError, match=r"no index in Milvus at .*docqa ingest"):
        backend.open()


def test_a_published_build_reads_back_whole(published: Published) -> None:
    backend, parts = published
    assert backend.current_id() == FIRST

    build = backend.open()
    assert build.version == FIRST
    assert build.manifest.dense_index == "milvus-flat"
    assert build.documents == parts.chunked.documents
    assert np.array_equal(build.chunks, parts.chunked.chunks)
    assert np.array_equal(build.sentences, parts.chunked.sentences)
    for row, (doc, start, end) in enumerate(parts.chunked.sentences.tolist()):
        assert build.text(doc, start, end) == parts.chunked.documents[doc].text[start:end], row
    rows = np.array([3, 0, 3])
    for name, vectors in parts.vectors.items():
        assert np.array_equal(build.sentence_vectors(name, rows), vectors.sentences[rows])
        assert np.array_equal(build.chunk_vectors(name, rows), vectors.chunks[rows])
        assert np.array_equal(build.hubness(name, rows), parts.hubness[name][rows])
    assert build.lexicon.words == parts.lexicon.words
    assert build.lexicon.chunk_counts == parts.lexicon.chunk_counts

    stored = backend.reusable()
    assert stored is not None and backend.fits(stored)
    assert np.array_equal(stored.vectors["use"].chunks, parts.vectors["use"].chunks)


def test_dense_search_finds_what_faiss_finds(published: Published) -> None:
    backend, parts = published
    build, faiss = backend.open(), FaissBuild.of(parts, 10_000)
    for name, vectors in parts.vectors.items():
        for query in (*vectors.chunks, *vectors.sentences[:2]):
            got, want = build.dense_search(name, query, 4), faiss.dense_search(name, query, 4)
            assert got[0].tolist() == want[0].tolist()
            assert got[1] == pytest.approx(want[1], abs=1e-5)


@pytest.mark.parametrize(
    ("lang", "query", "rows"),
    [
        # Stemmed and folded as docqa's own BM25: plural, verb forms, ñ.
        ("es", "gatos", {0, 1}),
        ("es", "GATO", {0, 1}),
        ("es", "corriendo", {0, 3}),
        ("es", "niño", {2}),
        ("es", "nino", {2}),
        ("en", "run", {4}),
        ("en", "children", set()),
        # Stopwords only, and words of the other language's chunks: nothing.
        ("es", "de la", set()),
        ("es", "cats", set()),
        ("en", "gatos", set()),
        ("en", "   ", set()),
    ],
)
def test_bm25_stems_and_folds_per_language(
    published: Published, lang: str, query: str, rows: set[int]
) -> None:
    backend, parts = published
    found, scores = backend.open().lexical_search(lang, query, 5)
    assert set(found.tolist()) == rows
    assert (scores > 0).all()
    faiss_rows, _ = FaissBuild.of(parts, 10_000).lexical_search(lang, query, 5)
    assert set(faiss_rows.tolist()) == rows


def test_a_switch_keeps_the_previous_build_and_drops_older(milvus_backend: Make) -> None:
    backend = milvus_backend()
    backend.publish(make_parts(FIRST))
    first = backend.open()
    backend.publish(make_parts(SECOND, seed=1))
    # A reader that opened the first build before the switch goes on reading it.
    assert first.dense_search("e5", make_parts(FIRST).vectors["e5"].chunks[2], 1)[0][0] == 2
    assert backend.open().version == SECOND
    backend.publish(make_parts(THIRD, seed=2))
    assert backend.current_id() == THIRD
    names = backend.connection.client.list_collections()
    assert not [n for n in names if schema.build_key(FIRST) in n]
    for build_id in (SECOND, THIRD):
        assert {schema.collection(build_id, kind) for kind in schema.KINDS} <= set(names)


def test_an_interrupted_publish_leaves_the_served_build(
    milvus_backend: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = milvus_backend()
    backend.publish(make_parts(FIRST))
    served = backend.open()
    inserted = writer._insert

    def fail_on_lexicon(client, name, rows) -> None:  # type: ignore[no-untyped-def]
        if name.endswith("_lexicon"):
            raise KeyboardInterrupt
        inserted(client, name, rows)

    monkeypatch.setattr(writer, "_insert", fail_on_lexicon)
    with pytest.raises(KeyboardInterrupt):
        backend.publish(make_parts(SECOND, seed=1))
    assert backend.current_id() == FIRST
    assert backend.open().documents == served.documents
    assert not [n for n in backend.connection.client.list_collections() if "abcde1" in n]

    # A process killed mid-way leaves collections without a manifest: the next publish
    # drops them.
    monkeypatch.setattr(writer, "_insert", inserted)
    leftover = make_parts(SECOND, seed=1)
    schema.create(backend.connection.client, SECOND, writer.layout_of(leftover, True))
    backend.publish(make_parts(THIRD, seed=2))
    names = backend.connection.client.list_collections()
    assert not [n for n in names if "abcde1" in n]
    assert backend.open().version == THIRD


def test_a_build_of_another_docqa_version_is_one_clear_error(milvus_backend: Make) -> None:
    backend = milvus_backend()
    backend.publish(make_parts(FIRST))
    client = backend.connection.client
    key = writer.MANIFEST + schema.build_key(FIRST)
    record = json.loads(writer.registry_rows(client, key)[key])
    record["schema"] = 99
    client.upsert(
        schema.REGISTRY,
        [{"key": key, "value": json.dumps(record), schema.PLACEHOLDER: schema.PLACEHOLDER_VECTOR}],
    )
    with pytest.raises(IndexNotFoundError, match=r"another docqa version.*schema 99.*docqa ingest"):
        backend.open()
    # An ingest rebuilds it from scratch.
    assert backend.reusable() is None
