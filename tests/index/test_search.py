"""Searcher: how a search uses the machine (its rankings are tested end to end and by eval)."""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import CorpusIndex, ingest, make_settings, write_corpus
from test_blas import blas_threads_seen, numpy_blas_threads

from docqa.index.search import Searcher
from docqa.model import Vectors


@pytest.fixture
def small_searcher(small_corpus: Path, tmp_path: Path) -> Searcher:
    settings = make_settings(tmp_path / "index", small_corpus)
    ingest(settings)
    return Searcher.open(settings, settings.index_dir)


@contextmanager
def e5_encoding_through(searcher: Searcher, through: Callable) -> Iterator[None]:
    """Inside the block, the searcher's e5 encodes questions by `through(original, texts)`."""
    e5 = next(e for e in searcher.embedders if e.name == "e5")
    original = e5.encode_queries
    e5.encode_queries = lambda texts: through(original, texts)
    try:
        yield
    finally:
        del e5.encode_queries


def test_a_search_runs_numpy_on_one_blas_thread(small_searcher: Searcher) -> None:
    before = numpy_blas_threads()
    e5 = next(e for e in small_searcher.embedders if e.name == "e5")
    with blas_threads_seen(e5, "encode_queries") as seen:
        assert small_searcher.search("rural hospitals", 3).passages
    # The question and its rendering.
    assert seen == [{1}, {1}]
    assert numpy_blas_threads() == before


def test_the_question_and_its_rendering_are_encoded_at_the_same_time(
    small_searcher: Searcher,
) -> None:
    # Each encoding waits here for the other: one after the other, they would time out.
    both = threading.Barrier(2, timeout=30)
    threads = {}

    def meeting(original: Callable, texts: list[str]):
        threads[tuple(texts)] = threading.get_ident()
        both.wait()
        return original(texts)

    with e5_encoding_through(small_searcher, meeting):
        result = small_searcher.search("rural hospitals", 3)
    assert result.passages
    question = threads.pop(("rural hospitals",))
    [rendering] = threads.values()
    assert question != rendering == threading.get_ident()


def test_a_search_beside_another_encodes_both_texts_in_one_call(
    small_searcher: Searcher,
) -> None:
    inside, release = threading.Event(), threading.Event()
    calls = []

    def holding(original: Callable, texts: list[str]):
        calls.append(list(texts))
        if texts == ["rural hospitals"]:
            # The first search stays in flight until the second is done.
            inside.set()
            release.wait(30)
        return original(texts)

    with e5_encoding_through(small_searcher, holding), ThreadPoolExecutor(1) as other:
        try:
            first = other.submit(small_searcher.search, "rural hospitals", 3)
            assert inside.wait(30)
            second = small_searcher.search("Rural hospitals", 3)
        finally:
            release.set()
        assert first.result().passages
    assert second.passages
    [together] = [texts for texts in calls if "Rural hospitals" in texts]
    assert len(together) == 2


def test_only_the_best_candidates_sentences_are_read(corpus_index: CorpusIndex) -> None:
    settings = make_settings(corpus_index.index_dir, corpus_index.corpus_dir, candidates=10)
    searcher = Searcher.open(settings, settings.index_dir)
    proposed, scored = [], []
    chunk_scores, sentence_scores = searcher._chunk_scores, searcher._sentence_scores

    def spy_chunks(*args):
        proposed.append(chunk_scores(*args))
        return proposed[-1]

    def spy_sentences(query, rows, keep):
        scored.append(rows)
        return sentence_scores(query, rows, keep)

    searcher._chunk_scores, searcher._sentence_scores = spy_chunks, spy_sentences
    result = searcher.search("¿Quién financia el programa?", 3)
    # Six retrievers of ten candidates each propose more passages than go on.
    assert len(proposed[0]) > 10
    best = sorted(proposed[0].values(), reverse=True)[:10]
    assert sorted((proposed[0][row] for row in scored[0]), reverse=True) == best
    shown = {(p.citation.doc_id, p.citation.start) for p in result.passages}
    finalists = {
        (searcher.data.documents[doc].doc_id, start)
        for doc, start in searcher.data.chunks[scored[0]][:, :2].tolist()
    }
    assert shown <= finalists


def test_a_question_in_the_corpus_neither_lifts_its_passage_nor_answers(tmp_path: Path) -> None:
    # The FAQ file repeats the user's question word for word, then says nothing about it.
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "faq.txt": (
                "Who pays for the rural clinics programme? Readers sent us their letters about "
                "parking near the station, the opening hours of the library and the weather.\n"
            ),
            "funding.txt": (
                "The rural clinics programme is paid for by the federal government, with money "
                "from the national health budget that is transferred to each state.\n"
            ),
        },
    )
    settings = make_settings(tmp_path / "index", corpus)
    ingest(settings)
    searcher = Searcher.open(settings, settings.index_dir)
    scored = []
    sentence_scores = searcher._sentence_scores

    def spy(query, rows, keep):
        scored.append(sentence_scores(query, rows, keep))
        return scored[-1]

    searcher._sentence_scores = spy
    result = searcher.search("Who pays for the rural clinics programme?", 2)
    texts = [searcher._text(*searcher.data.sentences[row]) for row in scored[0]]
    assert texts and not any(text.endswith("?") for text in texts)
    assert result.passages[0].citation.doc_id == "funding.txt"
    assert result.answer is not None and result.answer.citation.doc_id == "funding.txt"


def test_passages_of_questions_only_are_ranked_but_answer_nothing(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "faq.txt": "Who pays for the rural clinics? When do the clinics open on Sundays?\n",
            "more.txt": "Can I bring my children to the clinic? Is the dentist free of charge?\n",
        },
    )
    settings = make_settings(tmp_path / "index", corpus)
    ingest(settings)
    result = Searcher.open(settings, settings.index_dir).search("Who pays for the clinics?", 2)
    assert [p.citation.doc_id for p in result.passages] == ["faq.txt", "more.txt"]
    assert result.answer is None


class _Unread:
    """Stands in for a build's float vectors: reading any row fails the test."""

    def __getitem__(self, rows: object) -> None:
        raise AssertionError("a search read the float vectors")


@pytest.mark.parametrize("exact_max", [10_000, 0])
def test_a_search_reads_codes_and_indexes_never_the_float_vectors(
    small_corpus: Path, tmp_path: Path, exact_max: int
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus, exact_search_max_chunks=exact_max)
    ingest(settings)
    reference = Searcher.open(settings, settings.index_dir)
    guarded = Searcher.open(settings, settings.index_dir)
    data = guarded.data
    data.vectors = {name: Vectors(_Unread(), _Unread()) for name in data.vectors}
    assert {index.exact for index in data.dense.values()} == {exact_max > 0}
    for question in (
        "How many rural hospitals are there?",
        "¿Cuántos hospitales rurales hay?",
        "¿De dónde sale el dinero del programa?",
    ):
        expected, got = reference.search(question, 3), guarded.search(question, 3)
        assert got.passages == expected.passages and got.answer == expected.answer
    assert got.answer is not None or expected.passages
