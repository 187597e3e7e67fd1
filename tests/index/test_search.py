"""Searcher: how a search uses the machine (its rankings are tested end to end and by eval)."""

from pathlib import Path

from conftest import CorpusIndex, ingest, make_settings
from test_blas import blas_threads_seen, numpy_blas_threads

from docqa.index.loader import open_searcher


def test_a_search_runs_numpy_on_one_blas_thread(small_corpus: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    ingest(settings)
    searcher = open_searcher(settings.index_dir, settings)
    before = numpy_blas_threads()
    e5 = next(e for e in searcher.embedders if e.name == "e5")
    with blas_threads_seen(e5, "encode_queries") as seen:
        assert searcher.search("rural hospitals", 3).passages
    assert seen == [{1}]
    assert numpy_blas_threads() == before


def test_only_the_best_candidates_sentences_are_read(corpus_index: CorpusIndex) -> None:
    settings = make_settings(corpus_index.index_dir, corpus_index.corpus_dir, candidates=10)
    searcher = open_searcher(settings.index_dir, settings)
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
