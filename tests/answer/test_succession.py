"""Dated lists of people read by their order: relations, periods and the row picked."""

import pytest

from docqa.answer.succession import (
    AFTER,
    BEFORE,
    DURING,
    FIRST,
    LATEST,
    OWN,
    Listing,
    Row,
    listing,
    period,
    pick,
    relation,
    roles,
    tenure,
)
from docqa.text.normalize import fold


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("quien fue el primer director del imss", FIRST),
        ("Who was the very first director general of the IMSS?", FIRST),
        ("¿Cuál es el nombre completo del director actual del IMSS?", LATEST),
        ("Who runs the IMSS now?", LATEST),
        ("¿Quién estuvo al frente del IMSS justo antes de que llegara Zoé Robledo?", BEFORE),
        ("who was Zoé Robledo's predecessor", BEFORE),
        ("who took over the imss after santiago levy", AFTER),
        ("¿Quién sucedió a Santiago Levy?", AFTER),
        ("Which IMSS director served only during the year 2000?", DURING),
        ("¿Quién dirigía el IMSS en 1980?", DURING),
        ("¿Quién dirige el IMSS?", None),
    ],
)
def test_the_relation_a_question_asks_for(question: str, kind: str | None) -> None:
    found = relation(fold(question))
    assert (found.kind if found else None) == kind


def test_a_relation_keeps_the_questions_own_words_and_years() -> None:
    before = relation(fold("¿Quién estuvo antes de Zoé Robledo en la dirección?"))
    assert {"zoe", "robledo"} <= before.anchor and "de" not in before.anchor
    assert relation(fold("Who was director from 1964 to 1966?")).years == (1964, 1966)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- Vicente Santos Guajardo 1943-1944", (1943, 1944)),
        ("2019-present | Zoe Alejandro Robledo Aburto |", (2019, 9999)),
        ("- Mario Luis Fuentes Alcala 2000", (2000, 2000)),
        ("- Juan Pérez 2010–2012", (2010, 2012)),
        # Two periods, or a long sentence, are not a row of a list.
        ("- Juan Pérez 2010-2012 y 2015-2016", None),
        (
            "El IMSS fue creado en 1943 durante la presidencia de Manuel Ávila Camacho y otros.",
            None,
        ),
        ("- Juan Pérez", None),
    ],
)
def test_the_period_of_a_row(text: str, expected: tuple[int, int] | None) -> None:
    assert period(text) == expected


# The same list twice, as the corpus gives it: bullets, then a table, out of order.
ROWS = [
    Row(10, "Genaro Borrego Estrada", (1993, 2000)),
    Row(11, "Mario Luis Fuentes Alcala", (2000, 2000)),
    Row(12, "Santiago Levy Algazi", (2000, 2005)),
    Row(13, "Fernando Flores and Perez", (2005, 2006)),
    Row(14, "Zoe Alejandro Robledo Aburto", (2019, 9999)),
    Row(20, "Fernando Flores Pérez", (2005, 2006)),
    Row(21, "Santiago Levy Algazi", (2000, 2005)),
    Row(8, "German Martinez Cazares", (2018, 2019)),
]


@pytest.mark.parametrize(
    ("question", "picked"),
    [
        ("¿quién fue el primer director?", 10),
        ("the current director of the IMSS", 14),
        ("¿quién estuvo antes de zoe robledo en la dirección?", 8),
        ("who took over the imss after santiago levy", 13),
        ("who came before Santiago Levy", 11),
        ("Which director served only during the year 2000?", 11),
        ("¿Quién dirigía el IMSS en 2003?", 12),
        # Nobody in the list is named, or nobody comes before the first.
        ("who came after Juan Gómez", None),
        ("¿quién estuvo antes de Genaro Borrego?", None),
        ("¿Quién dirigía el IMSS en 1950?", None),
    ],
)
def test_the_row_a_relation_picks(question: str, picked: int | None) -> None:
    assert pick(ROWS, relation(fold(question))) == picked


def test_fewer_than_three_rows_are_no_list() -> None:
    assert pick(ROWS[:2], relation("the first director")) is None


def test_a_date_question_about_someones_time_in_office_picks_their_row() -> None:
    question = tenure(fold("Since when has Zoé Robledo been in charge of the IMSS?"))
    assert question.kind == OWN and pick(ROWS, question) == 14
    # One shared word ("Santiago") is not enough to name someone without a list relation.
    assert pick(ROWS, tenure(fold("¿Desde cuándo dirige Santiago el IMSS?"))) is None
    # A date question on something else the person did is not about the list.
    assert tenure(fold("¿Cuándo anunció Zoé Robledo las nuevas plazas?")) is None


LINES = [
    "Otro documento termina aquí.",
    "Directors of the IMSS",
    "Year | Director |",
    "---|---|",
    "1943-1944 | Vicente Santos Guajardo |",
    "1944-1946 | Ignacio García Téllez |",
    "1946-1952 | Antonio Díaz Lombardo |",
    "Understanding IMSS Welfare and IMSS",
]


def line(sentence: int) -> str | None:
    # Sentence 0 belongs to another document.
    return LINES[sentence] if 1 <= sentence < len(LINES) else None


def test_a_rows_place_in_its_list_and_the_line_above_the_list() -> None:
    assert listing(line, 5) == Listing("Year | Director |", 1, 3)
    assert listing(line, 4).position == 0 and listing(line, 6).position == 2
    # A line that is no row, and the lines past the document, are no list.
    assert listing(line, 7) is None and listing(line, 1) is None


def test_a_list_of_one_office_does_not_answer_for_another() -> None:
    listed = [
        Row(4, "Vicente Santos Guajardo", (1943, 1944), Listing("Year | Director |", 0, 3)),
        Row(5, "Ignacio García Téllez", (1944, 1946), Listing("Year | Director |", 1, 3)),
        Row(6, "Antonio Díaz Lombardo", (1946, 1952), Listing("Year | Director |", 2, 3)),
    ]
    assert roles(fold("Who was the first president of Mexico?")) == {"president"}
    assert pick(listed, relation(fold("Who was the first president of Mexico?"))) is None
    assert pick(listed, relation(fold("¿Quién fue el primer director?"))) == 4
    # Without an office in the question, the list answers.
    assert pick(listed, relation(fold("who came after Vicente Santos"))) == 5


def test_the_first_row_shown_is_the_first_only_if_it_opens_the_list() -> None:
    middle = [
        Row(s, name, span, Listing("Directors of the IMSS", s, 23))
        for s, name, span in [
            (5, "Ignacio García Téllez", (1944, 1946)),
            (6, "Antonio Díaz Lombardo", (1946, 1952)),
            (7, "Antonio Ortiz Mena", (1952, 1958)),
        ]
    ]
    assert pick(middle, relation("the first director")) is None
    assert pick(middle, relation("the current director")) is None
