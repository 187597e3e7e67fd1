"""Hubness: generic passages near many others score higher than specific ones."""

import numpy as np
import pytest

from docqa.index import hubness as hubness_module
from docqa.index.hubness import hubness


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _corpus(rng: np.random.Generator, count: int) -> np.ndarray:
    # Specific passages spread over one orthant, as real embeddings crowd one region; row 0 is
    # their centroid, the way an introduction is close to every topic of its article.
    topics = np.abs(rng.normal(size=(count, 16)))
    return _unit(np.vstack([topics.mean(axis=0, keepdims=True), topics]))


def test_a_passage_near_everything_is_the_biggest_hub() -> None:
    vectors = _corpus(np.random.default_rng(1), 300)
    scores = hubness(vectors)
    assert scores.shape == (len(vectors),) and scores.dtype == np.float32
    assert int(scores.argmax()) == 0
    assert scores[0] > np.percentile(scores[1:], 99)


def test_a_row_is_not_its_own_neighbour() -> None:
    # Two orthogonal rows: each one's only neighbour is the other, at cosine 0.
    assert hubness(np.eye(2, dtype=np.float32)).tolist() == [0.0, 0.0]


def test_tiny_collections() -> None:
    assert hubness(np.empty((0, 8), np.float32)).shape == (0,)
    assert hubness(_unit(np.ones((1, 8)))).tolist() == [0.0]


def test_large_collections_use_a_fixed_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors = _corpus(np.random.default_rng(2), 500)
    monkeypatch.setattr(hubness_module, "SAMPLE", 100)
    monkeypatch.setattr(hubness_module, "BLOCK", 64)
    sampled = hubness(vectors)
    assert np.array_equal(sampled, hubness(vectors))  # the sample is the same on every build
    assert int(sampled.argmax()) == 0
