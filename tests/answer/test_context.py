"""The value of a sentence that the question's own words point at."""

import pytest

from docqa.answer.context import asks_start, best_value
from docqa.answer.selection import evidence

from .terms import candidate, make_terms


def chosen(question: str, lang: str, sentence: str, renderings: dict | None = None) -> str:
    terms_ = make_terms(question, lang, renderings)
    found = evidence(candidate(sentence, lang=lang), terms_)
    value = best_value(sentence, found.values, found.counted, terms_.words, terms_.folded)
    assert value is not None and sentence[value.start : value.end] == value.text
    return value.text


NAYARIT = (
    "En Nayarit, se alcanzó un 95% en especialistas, 92% de médicos generales y 84% de enfermeras."
)
COLIMA = (
    "Se destinaron los 126 millones de pesos utilizados en Nayarit para 280 comités, y los 60 "
    "millones de pesos invertidos en Colima en los centros de salud."
)


@pytest.mark.parametrize(
    ("question", "lang", "sentence", "value"),
    [
        ("Nayarit porcentaje de medicos generales", "es", NAYARIT, "92%"),
        ("¿Qué porcentaje de enfermeras se contrató en Nayarit?", "es", NAYARIT, "84%"),
        ("¿Cuánto dinero se invirtió en Colima?", "es", COLIMA, "60 millones"),
        ("¿Cuánto dinero se usó en Nayarit?", "es", COLIMA, "126 millones"),
        # A change: where it came to, unless the question asks where it began.
        (
            "¿Cuántos trabajadores hay hoy?",
            "es",
            "Creció de 23,967 a 274,977 trabajadores.",
            "274,977",
        ),
        (
            "¿Cuántos hospitales tenía cuando se lanzó?",
            "es",
            "Desde su lanzamiento creció de 80 a 660 hospitales.",
            "80",
        ),
    ],
)
def test_the_value_the_question_points_at(
    question: str, lang: str, sentence: str, value: str
) -> None:
    assert chosen(question, lang, sentence) == value


def test_a_question_about_now_does_not_ask_for_the_start() -> None:
    assert asks_start("how many staff did it have when it started")
    assert not asks_start("how big is the workforce now compared with when it started")
