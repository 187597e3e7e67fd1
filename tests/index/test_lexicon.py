"""The corpus lexicon: word map across languages, chunk counts and topic coverage (real USE)."""

from pathlib import Path

import numpy as np
import pytest
from conftest import CorpusIndex

from docqa.config import Settings
from docqa.embed.base import Embedder
from docqa.embed.registry import get_embedder
from docqa.index.base import create_backend
from docqa.index.dense import APPROXIMATE, EXACT
from docqa.index.lexicon import Lexicon, content_words
from docqa.text.normalize import fold

SPANISH = [
    "El presupuesto del programa de salud sale del ramo general.",
    "El programa de salud atiende a comunidades rurales.",
    "El programa de salud contrata médicos y enfermeras.",
]
ENGLISH = [
    "The health budget comes from a general branch of spending.",
    "Health clinics serve rural communities.",
]


@pytest.fixture(scope="module")
def use():
    return get_embedder("use", Settings())


@pytest.fixture(scope="module")
def lexicon(use) -> Lexicon:
    return Lexicon.build({"es": SPANISH, "en": ENGLISH}, use, Settings().exact_search_max_chunks)


def _words(lexicon: Lexicon, use, question: str, lang: str) -> tuple[list[str], np.ndarray]:
    words = content_words(question, lang)
    return words, use.encode_queries(words)


def test_content_words_drop_stopwords_and_repeats() -> None:
    assert content_words("¿Cuál es el presupuesto, el presupuesto del IMSS?", "es") == [
        "presupuesto",
        "imss",
    ]
    assert content_words("Is the budget of 2024 the budget of 2023?", "en") == ["budget"]


def test_words_are_counted_once_per_chunk(lexicon: Lexicon) -> None:
    assert lexicon.chunks == len(SPANISH) + len(ENGLISH)
    assert lexicon.chunk_counts["programa"] == 3
    assert lexicon.chunk_counts["salud"] == 3
    assert lexicon.chunk_counts["health"] == 2
    assert lexicon.chunk_counts["medicos"] == 1  # counted folded, spelled "médicos"
    assert "médicos" in lexicon.words["es"]


def _translated(lexicon: Lexicon, words: list[str], vectors: np.ndarray, target: str) -> str:
    return lexicon.translate(words, lexicon.render(words, vectors, target), target)


def test_translate_maps_words_into_the_other_vocabulary(lexicon: Lexicon, use) -> None:
    words, vectors = _words(lexicon, use, "¿De qué presupuesto sale el dinero?", "es")
    translated = _translated(lexicon, words, vectors, "en").split()
    assert "budget" in translated
    # A word with no close neighbour is left out rather than guessed.
    words, vectors = _words(lexicon, use, "xylophone", "en")
    assert lexicon.render(words, vectors, "es") == [None]
    assert _translated(lexicon, words, vectors, "es") == ""


def test_render_keeps_words_the_target_uses_and_maps_the_others(lexicon: Lexicon, use) -> None:
    words, vectors = _words(lexicon, use, "presupuesto rural xylophone", "es")
    # "rural" is an English word of the corpus too; "xylophone" has no close neighbour.
    assert lexicon.render(words, vectors, "en") == ["budget", "rural", None]


def test_neighbours_of_several_words_in_one_call(lexicon: Lexicon, use) -> None:
    words, vectors = _words(lexicon, use, "presupuesto médicos", "es")
    together = lexicon.neighbours(vectors, "en", 3, 0.5)
    one_by_one = [lexicon.neighbours(vectors[[i]], "en", 3, 0.5)[0] for i in range(len(words))]
    assert together == one_by_one
    assert together[0][0] == "budget"
    assert lexicon.neighbours(vectors[:0], "en", 3, 0.5) == []


def test_coverage_is_low_when_the_passage_lacks_what_is_asked(lexicon: Lexicon, use) -> None:
    words, vectors = _words(lexicon, use, "How many beds do rural clinics have?", "en")
    rural = content_words(ENGLISH[1], "en")
    budget = content_words(ENGLISH[0], "en")
    assert lexicon.coverage(words, vectors, rural) > lexicon.coverage(words, vectors, budget)
    asked, _ = _words(lexicon, use, "rural communities", "en")
    on_topic = lexicon.coverage(asked, use.encode_queries(asked), rural)
    assert on_topic > 0.9


def test_coverages_of_many_passages_equal_each_ones_coverage(lexicon: Lexicon, use) -> None:
    words, vectors = _words(lexicon, use, "¿Cuánto presupuesto tienen las clínicas rurales?", "es")
    specific = [i for i, w in enumerate(words) if not lexicon.is_common(w)]
    passages = [content_words(text, "en") for text in ENGLISH] + [[], ["xylophone"]]

    def alone(passage: list[str]) -> float:
        # Each passage's words decoded by themselves, one index row at a time.
        found = [lexicon._rows[w] for w in {fold(w) for w in passage} if w in lexicon._rows]
        if not found:
            return 0.0
        own = np.stack([lexicon.indexes[lang].vectors(np.array([row]))[0] for lang, row in found])
        return float((vectors[specific] @ own.T).max(axis=1).mean())

    expected = [alone(passage) for passage in passages]
    assert lexicon.coverages(words, vectors, passages) == pytest.approx(expected, abs=1e-6)
    assert expected[-2:] == [0.0, 0.0] and min(expected[:-2]) > 0


def test_common_words_do_not_count(use) -> None:
    # "programa" and "salud" are in 6 of 12 chunks: the corpus's topic, covered anywhere.
    texts = [f"El programa de salud {w}." for w in ("vacuna", "clínica", "médico", "hospital")]
    texts += ["Programa de salud y presupuesto.", "El programa de salud en el estado."]
    texts += [f"Una nota sobre {w}." for w in ("lluvia", "fútbol", "cine", "música", "pan", "río")]
    lexicon = Lexicon.build({"es": texts, "en": []}, use, Settings().exact_search_max_chunks)
    words, vectors = _words(lexicon, use, "programa de salud", "es")
    assert lexicon.coverage(words, vectors, content_words(texts[6], "es")) == 1.0
    words, vectors = _words(lexicon, use, "presupuesto", "es")
    assert lexicon.coverage(words, vectors, []) == 0.0


def test_in_a_small_corpus_no_word_is_common(lexicon: Lexicon, use) -> None:
    # "programa" is in 3 of 5 chunks, but 3 chunks are too few to call it the corpus's topic.
    words, vectors = _words(lexicon, use, "programa", "es")
    assert lexicon.coverage(words, vectors, content_words(ENGLISH[1], "en")) < 0.9


def test_a_vocabulary_above_the_threshold_is_searched_approximately(lexicon: Lexicon, use) -> None:
    approximate = Lexicon.build({"es": SPANISH, "en": ENGLISH}, use, exact_max=0)
    assert lexicon.kinds == {"es": EXACT, "en": EXACT}
    assert approximate.kinds == {"es": APPROXIMATE, "en": APPROXIMATE}
    for question, lang, target in (
        ("¿De qué presupuesto sale el dinero?", "es", "en"),
        ("rural clinics and communities", "en", "es"),
        ("médicos y enfermeras", "es", "en"),
    ):
        words, vectors = _words(lexicon, use, question, lang)
        assert _translated(approximate, words, vectors, target) == _translated(
            lexicon, words, vectors, target
        )


def test_save_and_load(lexicon: Lexicon, use, tmp_path: Path) -> None:
    lexicon.save(tmp_path / "lexicon")
    loaded = Lexicon.load(tmp_path / "lexicon")
    assert loaded.words == lexicon.words and loaded.chunk_counts == lexicon.chunk_counts
    assert loaded.chunks == lexicon.chunks and loaded.kinds == lexicon.kinds
    # The words' vectors are kept only in their index, row for row.
    assert sorted(p.name for p in (tmp_path / "lexicon").iterdir()) == [
        "dense-en.faiss",
        "dense-es.faiss",
        "frequency.json",
        "words.json",
    ]
    words, vectors = _words(lexicon, use, "presupuesto ramo", "es")
    assert _translated(loaded, words, vectors, "en") == _translated(lexicon, words, vectors, "en")
    passage = content_words("El presupuesto federal del ramo financia los hospitales.", "es")
    assert loaded.coverage(words, vectors, passage) == lexicon.coverage(words, vectors, passage)


class _Counting(Embedder):
    """The real encoder, recording which texts it was asked to encode as questions."""

    def __init__(self, inner: Embedder, symmetric: bool) -> None:
        self.inner, self.symmetric = inner, symmetric
        self.name, self.model_id, self.dim = inner.name, inner.model_id, inner.dim
        self.encoded: list[str] = []

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.encoded += texts
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_passages(texts)


def _min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float((a * b).sum(axis=1).min())


@pytest.mark.parametrize("exact_max", [Settings().exact_search_max_chunks, 0])
def test_word_vectors_are_stored_ones_and_only_missing_words_are_encoded(
    use, exact_max: int
) -> None:
    lexicon = Lexicon.build({"es": SPANISH, "en": ENGLISH}, use, exact_max)
    counting = _Counting(use, symmetric=True)
    # "medicos": the corpus spells it "médicos", a different text to the encoder.
    words = ["presupuesto", "medicos", "xylophone", "budget", "médicos"]
    vectors = lexicon.word_vectors(words, counting)
    assert counting.encoded == ["medicos", "xylophone"]
    assert vectors.shape == (len(words), use.dim)
    # Exact indexes hold the floats; approximate ones 8-bit codes, decoded.
    assert _min_cosine(vectors, use.encode_queries(words)) > (0.9999 if exact_max else 0.999)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert lexicon.word_vectors([], counting).shape == (0, use.dim)
    assert counting.encoded == ["medicos", "xylophone"]


def test_an_embedder_that_encodes_questions_apart_encodes_every_word(lexicon: Lexicon, use) -> None:
    counting = _Counting(use, symmetric=False)
    words = ["presupuesto", "budget"]
    lexicon.word_vectors(words, counting)
    assert counting.encoded == words
    assert use.symmetric and not get_embedder("e5", Settings()).symmetric


def test_stored_word_vectors_match_the_encoder_on_the_corpus(corpus_index: CorpusIndex) -> None:
    build = create_backend(corpus_index.settings).open()
    lexicon = build.lexicon
    use = get_embedder("use", corpus_index.settings)
    counting = _Counting(use, symmetric=True)
    for lang, words in lexicon.words.items():
        counting.encoded = []
        stored = lexicon.word_vectors(words, counting)
        # Only words the other language spells otherwise ("martínez", "martinez") are encoded.
        other = next(x for x in lexicon.words if x != lang)
        assert len(counting.encoded) < 0.02 * len(words)
        assert all(
            fold(w) in lexicon.folded[other] and w not in lexicon.words[other]
            for w in counting.encoded
        )
        assert _min_cosine(stored, use.encode_passages(words)) > 0.9999, lang
        # A vocabulary large enough for an approximate index keeps 8-bit codes of the vectors.
        coded = Lexicon.from_vectors({lang: words}, {lang: stored}, {}, 1, exact_max=0)
        assert coded.kinds == {lang: APPROXIMATE}
        assert _min_cosine(coded.word_vectors(words, counting), stored) > 0.999, lang
