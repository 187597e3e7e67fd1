"""FAISS dense search: exact or HNSW over 8-bit codes by size; stored, then mapped at load."""

from pathlib import Path

import faiss
import numpy as np
import pytest
from conftest import unit_vectors

from docqa.index.dense import APPROXIMATE, EXACT, HNSW_NEIGHBOURS, DenseIndex, kind_for


@pytest.fixture(scope="module")
def corpus() -> np.ndarray:
    return unit_vectors(np.random.default_rng(7), 5000, 64)


def test_exact_up_to_the_threshold_and_hnsw_above_it() -> None:
    vectors = unit_vectors(np.random.default_rng(1), 50, 16)
    assert DenseIndex.build(vectors, exact_max=50).exact is True
    assert DenseIndex.build(vectors, exact_max=1000).kind == EXACT == kind_for(50, 1000)
    assert DenseIndex.build(vectors, exact_max=49).exact is False
    assert DenseIndex.build(vectors, exact_max=0).kind == APPROXIMATE == kind_for(50, 0)


def test_exact_search_returns_true_cosines_best_first(corpus: np.ndarray) -> None:
    index = DenseIndex.build(corpus, exact_max=len(corpus))
    assert index.size == len(corpus)
    query = corpus[123]
    rows, scores = index.search(query, 10)
    expected = np.argsort(-(corpus @ query), kind="stable")[:10]
    assert rows[0] == 123 and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert set(rows.tolist()) == set(expected.tolist())
    np.testing.assert_allclose(scores, (corpus @ query)[rows], atol=1e-5)
    assert np.all(np.diff(scores) <= 1e-6)


def test_approximate_recall_at_10_against_exact(corpus: np.ndarray) -> None:
    exact = DenseIndex.build(corpus, exact_max=len(corpus))
    approximate = DenseIndex.build(corpus, exact_max=len(corpus) - 1)
    assert exact.exact and not approximate.exact
    queries = unit_vectors(np.random.default_rng(11), 200, 64)
    recalls = []
    for query in queries:
        truth, _ = exact.search(query, 10)
        found, scores = approximate.search(query, 10)
        assert len(found) == 10
        # Scores are the 8-bit codes' cosines: within rounding of the float vectors'.
        np.testing.assert_allclose(scores, corpus[found] @ query, atol=5e-3)
        np.testing.assert_allclose(scores, approximate.vectors(found) @ query, atol=1e-5)
        assert np.all(np.diff(scores) <= 1e-6)
        recalls.append(len(set(truth.tolist()) & set(found.tolist())) / 10)
    assert float(np.mean(recalls)) >= 0.95


@pytest.mark.parametrize("exact_max", [5000, 0])
def test_a_stored_index_loads_mapped_and_answers_the_same(
    corpus: np.ndarray, exact_max: int, tmp_path: Path
) -> None:
    built = DenseIndex.build(corpus, exact_max=exact_max)
    built.save(tmp_path / "index.faiss")
    loaded = DenseIndex.load(tmp_path / "index.faiss")
    assert (loaded.kind, loaded.size, loaded.dim) == (built.kind, built.size, 64)
    for query in unit_vectors(np.random.default_rng(5), 20, 64):
        for got, expected in zip(loaded.search(query, 10), built.search(query, 10), strict=True):
            np.testing.assert_array_equal(got, expected)
    rows = np.array([4999, 0, 17])
    np.testing.assert_array_equal(loaded.vectors(rows), built.vectors(rows))


@pytest.mark.parametrize(("exact_max", "atol"), [(5000, 0.0), (0, 5e-3)])
def test_stored_vectors_are_read_back_by_row(
    corpus: np.ndarray, exact_max: int, atol: float
) -> None:
    """The floats themselves from an exact index, their 8-bit codes decoded from HNSW."""
    index = DenseIndex.build(corpus, exact_max=exact_max)
    rows = np.array([3, 4000, 3])
    np.testing.assert_allclose(index.vectors(rows), corpus[rows], atol=atol)
    assert index.vectors(np.array([], np.int64)).shape == (0, 64)


def test_a_damaged_index_file_is_refused(corpus: np.ndarray, tmp_path: Path) -> None:
    DenseIndex.build(corpus, exact_max=len(corpus)).save(tmp_path / "index.faiss")
    (tmp_path / "index.faiss").write_bytes((tmp_path / "index.faiss").read_bytes()[:1000])
    with pytest.raises(RuntimeError):
        DenseIndex.load(tmp_path / "index.faiss")


@pytest.mark.parametrize("exact_max", [1000, 0])
def test_k_beyond_size_and_k_zero(exact_max: int) -> None:
    vectors = unit_vectors(np.random.default_rng(3), 5, 8)
    index = DenseIndex.build(vectors, exact_max=exact_max)
    rows, scores = index.search(vectors[2], 50)
    assert sorted(rows.tolist()) == [0, 1, 2, 3, 4]
    assert rows[0] == 2 and len(scores) == 5
    rows, scores = index.search(vectors[2], 0)
    assert len(rows) == 0 and len(scores) == 0


@pytest.mark.parametrize("exact_max", [5000, 0])
def test_several_queries_in_one_call_answer_as_one_by_one(
    corpus: np.ndarray, exact_max: int
) -> None:
    index = DenseIndex.build(corpus, exact_max=exact_max)
    queries = corpus[[3, 40, 4000]]
    together = index.search_many(queries, 7)
    for (rows, scores), query in zip(together, queries, strict=True):
        alone_rows, alone_scores = index.search(query, 7)
        assert rows.tolist() == alone_rows.tolist()
        np.testing.assert_allclose(scores, alone_scores, atol=1e-6)
    assert [rows[0] for rows, _ in together] == [3, 40, 4000]
    assert index.search_many(queries[:0], 7) == []


def test_float64_input_is_accepted() -> None:
    vectors = unit_vectors(np.random.default_rng(5), 20, 8).astype(np.float64)
    index = DenseIndex.build(vectors, exact_max=100)
    rows, _ = index.search(vectors[7].astype(np.float32), 1)
    assert rows.tolist() == [7]


def test_the_approximate_index_holds_8_bit_codes(corpus: np.ndarray, tmp_path: Path) -> None:
    DenseIndex.build(corpus, exact_max=0).save(tmp_path / "sq8.faiss")
    floats = faiss.IndexHNSWFlat(corpus.shape[1], HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
    floats.add(corpus)
    faiss.write_index(floats, str(tmp_path / "floats.faiss"))
    assert isinstance(faiss.read_index(str(tmp_path / "sq8.faiss")), faiss.IndexHNSWSQ)
    # The same graph; one byte a dimension instead of four.
    saved = (tmp_path / "floats.faiss").stat().st_size - (tmp_path / "sq8.faiss").stat().st_size
    assert saved >= 0.95 * corpus.size * 3
