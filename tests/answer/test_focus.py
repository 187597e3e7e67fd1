"""Which values of a sentence count what the question's focus names."""

import re

import pytest

from docqa.answer.focus import Focus


def spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\d[\d,.]*\d|\d", text)]


@pytest.mark.parametrize(
    ("focus", "text", "counted"),
    [
        (["hospitales"], "Opera 669 hospitales y 11 mil 935 centros.", ["669"]),
        (["hospitals"], "Hospitals reached a total of 707.", ["707"]),
        (["hospitales"], "Creció de 80 a 660 hospitales.", ["80", "660"]),
        # A figure whose noun is left out counts what the sentence counted before it.
        (
            ["medicos", "cubanos"],
            "Llegan 1,200 médicos cubanos, que se suman a los 768 que ya laboran y 3 barcos.",
            ["1,200", "768"],
        ),
        (
            ["nurses"],
            "It hired 500 nurses, joining the 300 who already work there.",
            ["500", "300"],
        ),
        # Without a figure counted before it, "los 40" counts nothing.
        (["hospitales"], "Quedan los 40 que faltan.", []),
        # The part, not the whole: it operates in 24 states, of Mexico's 32.
        (["estados"], "Operaría en 24 de los 32 estados del país.", ["24"]),
        # A change told after what changed reaches further than a lone figure.
        (
            ["trabajadores"],
            "El número de trabajadores en el sistema IMSS-Bienestar creció de 121,000 a 168,627.",
            ["121,000", "168,627"],
        ),
        (["trabajadores"], "Los trabajadores del sistema de salud del estado suman ya 5,000.", []),
    ],
)
def test_the_values_that_count_the_focus(focus: list[str], text: str, counted: list[str]) -> None:
    found = spans(text)
    taken = Focus(focus).attached(text, found)
    assert [text[a:b] for (a, b), t in zip(found, taken, strict=True) if t] == counted


@pytest.mark.parametrize(
    ("focus", "text", "mentioned"),
    [
        (["hospitales"], "Opera 669 hospitales.", True),
        # Either language's stem, and the long prefix Snowball leaves ("enfermer", "enfermeri").
        (["hospitales"], "It runs 669 hospitals.", True),
        (["enfermeras"], "La enfermería del estado.", True),
        (["hospitales"], "Opera 11 mil 935 centros de salud.", False),
        ([], "Opera 669 hospitales.", False),
    ],
)
def test_whether_a_sentence_names_the_focus(focus: list[str], text: str, mentioned: bool) -> None:
    assert Focus(focus).mentioned(text) is mentioned
