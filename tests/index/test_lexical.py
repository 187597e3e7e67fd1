"""BM25 per language: accent folding, stemming, stopwords, unknown terms, save/load."""

from pathlib import Path

import numpy as np
import pytest

from docqa.index.lexical import LexicalIndex, tokenize

SPANISH = [
    "Atención médica gratuita para la población sin seguridad social.",
    "El hospital rural abre todos los días del año.",
    "La vacunación infantil se realiza en los centros de salud.",
    "El programa se financia con recursos federales.",
]
ENGLISH = [
    "The rural hospital network offers emergency care.",
    "The program is funded with federal resources.",
    "Children are vaccinated at health centres.",
]
# Chunk rows of the whole build; a language's index covers only some of them.
ES_ROWS = np.array([0, 2, 5, 7])
EN_ROWS = np.array([1, 3, 4])


@pytest.fixture(scope="module")
def spanish() -> LexicalIndex:
    return LexicalIndex.build("es", SPANISH, ES_ROWS)


@pytest.fixture(scope="module")
def english() -> LexicalIndex:
    return LexicalIndex.build("en", ENGLISH, EN_ROWS)


def top(index: LexicalIndex, question: str, k: int = 3) -> list[int]:
    rows, scores = index.search(question, k)
    assert len(rows) == len(scores)
    assert np.all(scores > 0)
    assert np.all(np.diff(scores) <= 0), "best first"
    return rows.tolist()


@pytest.mark.parametrize("query", ["atencion", "ATENCIÓN", "Atención", "atención médica"])
def test_accents_and_case_are_folded(spanish: LexicalIndex, query: str) -> None:
    assert top(spanish, query)[0] == ES_ROWS[0]


def test_spanish_stemming_matches_plural_and_inflections(spanish: LexicalIndex) -> None:
    assert top(spanish, "hospitales")[0] == ES_ROWS[1]
    assert top(spanish, "financiamiento financiado")[0] == ES_ROWS[3]
    assert top(spanish, "vacunaciones")[0] == ES_ROWS[2]


def test_english_stemming(english: LexicalIndex) -> None:
    assert top(english, "hospitals")[0] == EN_ROWS[0]
    assert top(english, "funding")[0] == EN_ROWS[1]
    assert top(english, "vaccinating children")[0] == EN_ROWS[2]


def test_rows_map_back_to_build_chunk_rows(spanish: LexicalIndex, english: LexicalIndex) -> None:
    assert set(top(spanish, "hospital salud atención recursos", k=10)) <= set(ES_ROWS.tolist())
    assert set(top(english, "hospital health funded", k=10)) <= set(EN_ROWS.tolist())


@pytest.mark.parametrize("query", ["el de la los", "¿Y qué es lo que es?", "", "   "])
def test_stopword_only_or_empty_query_finds_nothing(spanish: LexicalIndex, query: str) -> None:
    rows, scores = spanish.search(query, 5)
    assert len(rows) == 0 and len(scores) == 0


def test_english_stopwords_only(english: LexicalIndex) -> None:
    rows, _ = english.search("the and of is", 5)
    assert len(rows) == 0


@pytest.mark.parametrize("query", ["xylófono zzzqqq", "quantum chromodynamics", "12345"])
def test_unknown_terms_find_nothing_without_error(
    spanish: LexicalIndex, english: LexicalIndex, query: str
) -> None:
    for index in (spanish, english):
        rows, scores = index.search(query, 5)
        assert len(rows) == 0 and len(scores) == 0


def test_unknown_terms_do_not_hide_known_ones(spanish: LexicalIndex) -> None:
    assert top(spanish, "zzzqqq hospital xylófono")[0] == ES_ROWS[1]


def test_k_larger_than_the_index_is_capped(english: LexicalIndex) -> None:
    rows = top(english, "the rural hospital program health", k=50)
    assert 1 <= len(rows) <= len(EN_ROWS)
    assert len(set(rows)) == len(rows)


def test_empty_language_index(tmp_path: Path) -> None:
    empty = LexicalIndex.build("en", [], np.empty(0, np.int64))
    rows, scores = empty.search("hospital", 5)
    assert len(rows) == 0 and len(scores) == 0
    empty.save(tmp_path / "bm25-en")
    loaded = LexicalIndex.load("en", tmp_path / "bm25-en")
    assert len(loaded.search("hospital", 5)[0]) == 0


def test_save_and_load_give_the_same_results(spanish: LexicalIndex, tmp_path: Path) -> None:
    spanish.save(tmp_path / "bm25-es")
    loaded = LexicalIndex.load("es", tmp_path / "bm25-es")
    for query in ("atencion", "hospitales", "recursos federales salud"):
        a_rows, a_scores = spanish.search(query, 4)
        b_rows, b_scores = loaded.search(query, 4)
        np.testing.assert_array_equal(a_rows, b_rows)
        np.testing.assert_allclose(a_scores, b_scores, rtol=1e-6)


def test_tokenize_folds_stems_and_drops_stopwords() -> None:
    assert tokenize(["Los HOSPITALES de la Atención"], "es") == tokenize(
        ["hospital atencion"], "es"
    )
    assert tokenize(["the and of"], "en") == [[]]


def test_the_best_k_of_many_tied_scores_are_returned() -> None:
    # 600 chunks, most without the terms and many with the same counts: ties and zeros, the
    # case numpy's selection handles slowly, which search avoids.
    rng = np.random.default_rng(0)
    texts = [
        " ".join(["hospital"] * int(h) + ["rural"] * int(r) + ["vacunas"])
        for h, r in rng.integers(0, 4, size=(600, 2))
    ]
    index = LexicalIndex.build("es", texts, np.arange(1000, 1600))
    expected = index.retriever.get_scores(tokenize(["hospital rural"], "es")[0])
    for k in (1, 10, 100, 1000):
        rows, scores = index.search("hospital rural", k)
        best = np.sort(expected[expected > 0])[::-1][:k]
        np.testing.assert_allclose(scores, best)
        np.testing.assert_allclose(expected[rows - 1000], scores)


def _brute_force(index: LexicalIndex, question: str, k: int) -> list[int]:
    """The best k rows by scoring every chunk: best score first, equal scores by row."""
    assert index.retriever is not None
    scores = index.retriever.get_scores(tokenize([question], index.lang)[0])
    hits = np.flatnonzero(scores)
    return index.rows[hits[np.lexsort((hits, -scores[hits]))][:k]].tolist()


@pytest.mark.parametrize("question", ["salud", "salud hospital", "hospital rural clinica", "raro"])
def test_the_best_k_are_those_of_scoring_every_chunk(question: str) -> None:
    # Common terms ("salud" in every chunk) score most of the index, a rare one few chunks:
    # search bounds the candidates by the rarest term that k chunks hold.
    rng = np.random.default_rng(1)
    vocabulary = ["salud", "hospital", "rural", "clinica", "raro"]
    chance = [1.0, 0.4, 0.2, 0.05, 0.002]
    texts = [
        " ".join(
            w
            for w, p in zip(vocabulary, chance, strict=True)
            for _ in range(rng.integers(1, 3))
            if rng.random() < p
        )
        + " " * int(rng.integers(0, 3))
        + " ".join(["texto"] * int(rng.integers(0, 6)))
        for _ in range(3000)
    ]
    index = LexicalIndex.build("es", texts, np.arange(5000, 8000))
    for k in (1, 5, 100, 2999):
        rows, _ = index.search(question, k)
        assert rows.tolist() == _brute_force(index, question, k)


def test_equal_scores_come_in_chunk_order() -> None:
    texts = ["hospital rural"] * 6 + ["hospital"] * 6
    index = LexicalIndex.build("es", texts, np.arange(100, 112)[::-1])
    rows, scores = index.search("hospital rural", 8)
    assert rows.tolist() == [111, 110, 109, 108, 107, 106, 105, 104]
    assert len(set(scores[:6].tolist())) == 1 and scores[5] > scores[6]
