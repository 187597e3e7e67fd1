"""6-bit codes of vectors: within rounding of the floats, stored, mapped and read by row."""

from pathlib import Path

import numpy as np
import pytest
from conftest import unit_vectors

from docqa.index import codes
from docqa.index.codes import Codes


def test_codes_give_back_the_cosines_within_rounding() -> None:
    vectors = unit_vectors(np.random.default_rng(1), 2000, 384)
    queries = unit_vectors(np.random.default_rng(2), 20, 384)
    stored = Codes.build(vectors)
    assert (stored.size, stored.dim) == (2000, 384)
    rows = np.arange(2000)
    error = np.abs(stored.vectors(rows) @ queries.T - vectors @ queries.T)
    assert error.max() < 0.01 and error.mean() < 0.002
    # Six bits a dimension.
    assert stored._index.sa_code_size() == 384 * 6 // 8


def test_a_table_is_encoded_block_by_block_as_it_would_be_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vectors = unit_vectors(np.random.default_rng(3), 1000, 16)
    whole = Codes.build(vectors)
    monkeypatch.setattr(codes, "BLOCK_ROWS", 64)
    blocks = Codes.build(vectors)
    assert blocks.size == 1000
    np.testing.assert_array_equal(blocks.vectors(np.arange(1000)), whole.vectors(np.arange(1000)))


def test_ranges_learnt_from_a_sample_still_encode_every_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(codes, "TRAIN_ROWS", 100)
    vectors = unit_vectors(np.random.default_rng(3), 1000, 16)
    sampled = Codes.build(vectors)
    # A value beyond the sample's range is clipped to it, so the error grows, but stays small.
    error = np.abs(sampled.vectors(np.arange(1000)) - vectors)
    assert error.mean() < 0.01 and error.max() < 0.3


def test_saved_codes_load_mapped_and_read_the_same(tmp_path: Path) -> None:
    vectors = unit_vectors(np.random.default_rng(4), 300, 32)
    built = Codes.build(vectors)
    built.save(tmp_path / "codes.faiss")
    np.save(tmp_path / "vectors.npy", vectors)
    # Built from a mapped file, as ingest and the scale benchmark do.
    mapped = Codes.build(np.load(tmp_path / "vectors.npy", mmap_mode="r"))
    loaded = Codes.load(tmp_path / "codes.faiss")
    rows = np.array([299, 0, 7, 7])
    np.testing.assert_array_equal(loaded.vectors(rows), built.vectors(rows))
    np.testing.assert_array_equal(mapped.vectors(rows), built.vectors(rows))


def test_empty_and_single_row_tables() -> None:
    empty = Codes.build(np.empty((0, 8), np.float32))
    assert empty.size == 0 and empty.vectors(np.array([], np.int64)).shape == (0, 8)
    one = unit_vectors(np.random.default_rng(5), 1, 8)
    np.testing.assert_allclose(Codes.build(one).vectors(np.array([0])), one, atol=1e-6)
