"""sentence_spans: exact, stripped, ordered spans that never cross a line and stay short."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docqa.ingest.loaders import load_file
from docqa.model import Span
from docqa.text.language import detect_language
from docqa.text.sentences import MAX_BLOCK_CHARS, sentence_spans, word_count
from text.strategies import ANY_TEXT

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"


def texts(text: str, spans: list[Span]) -> list[str]:
    return [text[s.start : s.end] for s in spans]


def check_spans(text: str, spans: list[Span], max_words: int) -> None:
    """The invariants every caller of sentence_spans relies on."""
    previous_end = 0
    for span in spans:
        piece = text[span.start : span.end]
        assert piece, span
        assert piece == piece.strip(), (piece, span)
        assert "\n" not in piece, (piece, span)
        assert span.start >= previous_end, (span, spans)
        assert word_count(text, span.start, span.end) <= max_words, (piece, max_words)
        previous_end = span.end
    # Nothing but whitespace is left out: every visible character is in some sentence.
    covered = set()
    for span in spans:
        covered.update(range(span.start, span.end))
    lost = [i for i, ch in enumerate(text) if not ch.isspace() and i not in covered]
    assert not lost, (text, lost)


def test_two_sentences_in_order_with_exact_offsets() -> None:
    text = "  La clínica abre a las nueve.   Cierra a las cinco.  "
    spans = sentence_spans(text, "es")
    assert texts(text, spans) == ["La clínica abre a las nueve.", "Cierra a las cinco."]
    assert spans[0].start == 2
    assert spans[1].end == text.rindex(".") + 1


def test_a_line_break_always_ends_a_sentence() -> None:
    text = "Vacunación infantil\nLa vacuna es gratuita y se aplica\nen todas las clínicas."
    assert texts(text, sentence_spans(text, "es")) == [
        "Vacunación infantil",
        "La vacuna es gratuita y se aplica",
        "en todas las clínicas.",
    ]


def test_blank_lines_and_whitespace_only_text_give_no_empty_sentences() -> None:
    assert sentence_spans("", "es") == []
    assert sentence_spans(" \n\n\t \n", "en") == []
    text = "\n\nUno dos.\n\n\n   \nTres cuatro.\n"
    assert texts(text, sentence_spans(text, "es")) == ["Uno dos.", "Tres cuatro."]


@pytest.mark.parametrize(
    "sentence",
    [
        "El IMSS-Bienestar atiende a 53.2 millones de personas sin seguridad social.",
        "El Dr. López presentó el informe en la conferencia de prensa.",
        "El Lic. Robledo habló del programa en la conferencia.",
        "La Sra. Gómez dirige la clínica desde 2023.",
        "Según el art. 4 de la Constitución, la salud es un derecho.",
        "El programa llegó a EE. UU. y a Canadá en el año 2024.",
        "Son 1.200 médicos y el 3.5% del presupuesto total.",
        # Title abbreviations before names.
        "El Sr. Pérez llegó tarde a la reunión.",
        "Habló la Dra. Ruiz sobre la vacunación.",
        "Vino la Sra. López y el Ing. Pérez.",
        "La clínica está en la Av. Juárez número 5.",
        "Atendieron a aprox. 5 mil personas.",
    ],
)
def test_spanish_abbreviations_and_decimals_do_not_split(sentence: str) -> None:
    text = f"{sentence} Otra frase distinta."
    assert texts(text, sentence_spans(text, "es")) == [sentence, "Otra frase distinta."]


def test_abbreviation_joining_keeps_exact_offsets_and_real_sentence_ends() -> None:
    text = "  It cost approx. 20 dollars.   Then we left.\nApples, pears, etc. Then more."
    assert texts(text, sentence_spans(text, "en")) == [
        "It cost approx. 20 dollars.",
        "Then we left.",
        "Apples, pears, etc.",
        "Then more.",
    ]


def test_english_abbreviations_do_not_split() -> None:
    text = "Mr. Smith paid $1.5 million in 2023. He left."
    assert texts(text, sentence_spans(text, "en")) == [
        "Mr. Smith paid $1.5 million in 2023.",
        "He left.",
    ]


def test_long_sentence_is_cut_at_clause_breaks_within_max_words() -> None:
    clauses = [f"la cláusula número {i} dice algo importante sobre salud" for i in range(12)]
    text = ", ".join(clauses) + "."
    total = word_count(text)
    spans = sentence_spans(text, "es", max_words=20)
    check_spans(text, spans, 20)
    assert len(spans) >= total // 20
    # Cuts fall after a comma when there is one in reach, not in the middle of a clause.
    assert all(text[s.end - 1] == "," for s in spans[:-1])
    assert text[spans[-1].end - 1] == "."


def test_long_sentence_without_punctuation_is_cut_at_word_boundaries() -> None:
    text = " ".join(f"p{i}" for i in range(250))
    assert len(text) < MAX_BLOCK_CHARS  # one block: no cut but the word-count ones
    spans = sentence_spans(text, "es", max_words=60)
    check_spans(text, spans, 60)
    assert [word_count(text, s.start, s.end) for s in spans] == [60, 60, 60, 60, 10]


def test_a_line_longer_than_a_block_keeps_its_sentences_whole() -> None:
    # "Sr. López" looks like a sentence end where the line could be cut into blocks.
    sentences = [f"El Sr. López visitó la clínica número {i} del estado." for i in range(400)]
    text = " ".join(sentences)
    assert len(text) > 10 * MAX_BLOCK_CHARS
    assert texts(text, sentence_spans(text, "es")) == sentences


def test_a_line_without_spaces_is_cut_into_blocks() -> None:
    text = "x" * (3 * MAX_BLOCK_CHARS + 5)
    spans = sentence_spans(text, "es")
    assert [(s.start, s.end) for s in spans] == [
        (0, MAX_BLOCK_CHARS),
        (MAX_BLOCK_CHARS, 2 * MAX_BLOCK_CHARS),
        (2 * MAX_BLOCK_CHARS, 3 * MAX_BLOCK_CHARS),
        (3 * MAX_BLOCK_CHARS, len(text)),
    ]


@pytest.mark.parametrize("path", sorted(CORPUS_DIR.iterdir()), ids=lambda p: p.name)
def test_real_corpus_documents_keep_every_invariant(path: Path) -> None:
    text = load_file(path).text
    spans = sentence_spans(text, detect_language(text), max_words=60)
    check_spans(text, spans, 60)
    assert len(spans) > 5


WORDS = st.sampled_from(
    [
        "Hola", "mundo", "Dr.", "López", "53.2", "millones", "the", "cat.", "Sí.", "¿Qué?",
        "¡Ya!", "ñandú", "—", "x", "A.", "Atención", "hospital,", "etc.", "IMSS-Bienestar",
        "日本語", "🙂", "(nota)", "“cita”", "e.g.", "U.S.", "...", "1.", "Ω",
    ]
)  # fmt: skip
SENTENCE = st.lists(WORDS, min_size=1, max_size=15).map(" ".join)
LINE = st.lists(SENTENCE, max_size=6).map(" ".join)
LONG_LINE = st.lists(SENTENCE, min_size=8, max_size=30).map(" ".join)
TEXT = st.lists(
    st.one_of(LINE, LINE, LONG_LINE, st.just(""), st.text(max_size=40)), min_size=1, max_size=10
).map("\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(TEXT, ANY_TEXT),
    lang=st.sampled_from(["es", "en"]),
    max_words=st.integers(1, 70),
)
def test_sentence_spans_invariants_hold_for_arbitrary_text(
    text: str, lang: str, max_words: int
) -> None:
    check_spans(text, sentence_spans(text, lang, max_words), max_words)


@pytest.mark.parametrize("text", ['"0"!0"!0"', 'Dijo "sí"!sí"!sí" y se fue.'])
def test_a_sentence_repeated_inside_the_previous_one_is_located_after_it(text: str) -> None:
    # Found by the test above: pysbd's own spans gave '"0"!0"!0"' the overlapping 0-4 and 1-6.
    spans = sentence_spans(text, "es", 60)
    check_spans(text, spans, 60)
    covered = "".join(text[s.start : s.end] for s in spans)
    assert covered.replace(" ", "") == text.replace(" ", "")


def test_repeated_sentences_get_consecutive_spans() -> None:
    assert sentence_spans('"0"!0"!0"', "es", 60) == [Span(0, 4), Span(4, 9)]
