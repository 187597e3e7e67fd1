"""detect_language: Spanish or English, for whole documents and for short questions."""

from pathlib import Path

import pytest

from docqa.ingest.loaders import load_file
from docqa.text.language import detect_language

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"


@pytest.mark.parametrize(
    "question",
    [
        "¿Cómo se financia el IMSS-Bienestar?",
        "¿Qué es el IMSS-Bienestar?",
        "¿Quién dirige el IMSS?",
        "¿Cuántos hospitales tiene el programa?",
        "Cuantos hospitales tiene IMSS Bienestar",
        "¿Quién es Zoé Robledo?",
        "¿Dónde?",
        "¿Por qué IMSS-Bienestar?",
        "¿Cuándo empezó IMSS-Bienestar?",
        "hospitales",
        "La vacunación infantil es gratuita en todas las clínicas públicas del estado.",
    ],
)
def test_spanish_questions(question: str) -> None:
    assert detect_language(question) == "es"


@pytest.mark.parametrize(
    "question",
    [
        "How is IMSS-Bienestar funded?",
        "What is IMSS-Bienestar?",
        "How many hospitals does IMSS-Bienestar have?",
        "Where is Zoé Robledo?",
        "Who is Zoé Robledo?",
        "Is Andrés Manuel López Obrador the president?",
        "hospitals",
        "The rural hospital network has 660 hospitals in 23 states.",
    ],
)
def test_english_questions_even_with_spanish_names(question: str) -> None:
    assert detect_language(question) == "en"


@pytest.mark.parametrize(
    "question",
    [
        "Who runs IMSS-Bienestar?",
        "When did IMSS-Bienestar start?",
        "Which hospitals?",
        "Why IMSS-Bienestar?",
    ],
)
def test_english_wh_questions_with_a_spanish_name_only(question: str) -> None:
    assert detect_language(question) == "en"


@pytest.mark.parametrize("text", ["", "   ", "53.2", "IMSS-Bienestar", "2023-10-10"])
def test_no_signal_falls_back_to_spanish(text: str) -> None:
    assert detect_language(text) == "es"


def test_accents_and_case_do_not_change_the_verdict() -> None:
    assert detect_language("¿CÓMO SE FINANCIA EL PROGRAMA?") == "es"
    assert detect_language("como se financia el programa") == "es"
    assert detect_language("HOW IS THE PROGRAM FUNDED?") == "en"


def test_real_corpus_documents() -> None:
    found = {
        path.name: detect_language(load_file(path).text) for path in sorted(CORPUS_DIR.iterdir())
    }
    # Files 000, 001 and 003 are Spanish news and government pages; 002 and 004 are English.
    assert found == {name: ("en" if name.startswith(("002_", "004_")) else "es") for name in found}


# As a corpus's lexicon gives it: the names are in both languages' documents.
VOCABULARY = {
    "es": frozenset({"imss", "bienestar", "hospitales", "presupuesto", "oaxaca"}),
    "en": frozenset({"imss", "bienestar", "hospitals", "budget", "oaxaca"}),
}


@pytest.mark.parametrize(
    ("query", "lang"),
    [
        ("imss bienestar hospitals", "en"),
        ("IMSS-Bienestar presupuesto", "es"),
        # No vocabulary word of one language only: the detector sees the words left after
        # the shared names, which alone read as Spanish.
        ("imss bienestar funding", "en"),
        ("imss bienestar financiamiento", "es"),
        # Function words outrank the vocabulary.
        ("how many hospitales", "en"),
    ],
)
def test_keyword_queries_use_the_corpus_vocabulary(query: str, lang: str) -> None:
    assert detect_language(query, VOCABULARY) == lang


def test_without_the_vocabulary_shared_names_mislead_keyword_queries() -> None:
    # Why the vocabulary is passed: this is what the search used to detect.
    assert detect_language("imss bienestar funding") == "es"
