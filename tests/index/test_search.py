"""Searcher: how a search uses the machine (its rankings are tested end to end and by eval)."""

from pathlib import Path

import numpy as np
from conftest import ingest, make_settings
from test_blas import numpy_blas_threads

from docqa.index.loader import open_searcher


def test_a_search_runs_numpy_on_one_blas_thread(small_corpus: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    ingest(settings)
    searcher = open_searcher(settings.index_dir, settings)
    before = numpy_blas_threads()
    seen = []
    e5 = next(e for e in searcher.embedders if e.name == "e5")
    encode = e5.encode_queries

    def recording(texts: list[str]) -> np.ndarray:
        seen.append(numpy_blas_threads())
        return encode(texts)

    e5.encode_queries = recording
    try:
        assert searcher.search("rural hospitals", 3).passages
    finally:
        del e5.encode_queries
    assert seen == [{1}]
    assert numpy_blas_threads() == before
