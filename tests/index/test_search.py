"""Searcher: how a search uses the machine (its rankings are tested end to end and by eval)."""

from pathlib import Path

from conftest import ingest, make_settings
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
