"""FAISS dense search: exact below the threshold, HNSW above it, with high recall."""

import numpy as np
import pytest

from docqa.index.dense import DenseIndex


def unit_vectors(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def corpus() -> np.ndarray:
    return unit_vectors(np.random.default_rng(7), 5000, 64)


def test_exact_up_to_the_threshold_and_hnsw_above_it() -> None:
    vectors = unit_vectors(np.random.default_rng(1), 50, 16)
    assert DenseIndex(vectors, exact_max=50).exact is True
    assert DenseIndex(vectors, exact_max=1000).exact is True
    assert DenseIndex(vectors, exact_max=49).exact is False
    assert DenseIndex(vectors, exact_max=0).exact is False


def test_exact_search_returns_true_cosines_best_first(corpus: np.ndarray) -> None:
    index = DenseIndex(corpus, exact_max=len(corpus))
    assert index.size == len(corpus)
    query = corpus[123]
    rows, scores = index.search(query, 10)
    expected = np.argsort(-(corpus @ query), kind="stable")[:10]
    assert rows[0] == 123 and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert set(rows.tolist()) == set(expected.tolist())
    np.testing.assert_allclose(scores, (corpus @ query)[rows], atol=1e-5)
    assert np.all(np.diff(scores) <= 1e-6)


def test_hnsw_recall_at_10_against_exact(corpus: np.ndarray) -> None:
    exact = DenseIndex(corpus, exact_max=len(corpus))
    approximate = DenseIndex(corpus, exact_max=len(corpus) - 1)
    assert exact.exact and not approximate.exact
    queries = unit_vectors(np.random.default_rng(11), 200, 64)
    recalls = []
    for query in queries:
        truth, _ = exact.search(query, 10)
        found, scores = approximate.search(query, 10)
        assert len(found) == 10
        np.testing.assert_allclose(scores, corpus[found] @ query, atol=1e-4)
        recalls.append(len(set(truth.tolist()) & set(found.tolist())) / 10)
    assert float(np.mean(recalls)) >= 0.95


@pytest.mark.parametrize("exact_max", [1000, 0])
def test_k_beyond_size_and_k_zero(exact_max: int) -> None:
    vectors = unit_vectors(np.random.default_rng(3), 5, 8)
    index = DenseIndex(vectors, exact_max=exact_max)
    rows, scores = index.search(vectors[2], 50)
    assert sorted(rows.tolist()) == [0, 1, 2, 3, 4]
    assert rows[0] == 2 and len(scores) == 5
    rows, scores = index.search(vectors[2], 0)
    assert len(rows) == 0 and len(scores) == 0


def test_float64_input_is_accepted() -> None:
    vectors = unit_vectors(np.random.default_rng(5), 20, 8).astype(np.float64)
    index = DenseIndex(vectors, exact_max=100)
    rows, _ = index.search(vectors[7].astype(np.float32), 1)
    assert rows.tolist() == [7]
