"""Dates in Spanish and English, with their order."""

import pytest

from docqa.answer.dates import find_dates


@pytest.mark.parametrize(
    ("text", "date", "key", "iso"),
    [
        ("datos al 29 de julio de 2024.", "29 de julio de 2024", (2024, 7, 29), "2024-07-29"),
        ("Para diciembre de 2023, se indicaba", "diciembre de 2023", (2023, 12, 0), "2023-12"),
        ("established on January 19, 1943,", "January 19, 1943", (1943, 1, 19), "1943-01-19"),
        ("in December 2023 it", "December 2023", (2023, 12, 0), "2023-12"),
        ("the conference on August 30:", "August 30", (0, 8, 30), "--08-30"),
        ("a finales de 2023 operaba", "a finales de 2023", (2023, 12, 0), "2023-12"),
        ("In 2022 it served", "2022", (2022, 0, 0), "2022"),
        ("Santiago Levy 2000-2005", "2000-2005", (2000, 0, 0), "2000"),
        ("In February, with the public signing", "February", (0, 2, 0), "--02"),
        ("As of May, it was reported", "May", (0, 5, 0), "--05"),
        ("desde marzo se firma", "marzo", (0, 3, 0), "--03"),
    ],
)
def test_dates_are_found(text: str, date: str, key: tuple, iso: str) -> None:
    (found,) = find_dates(text)
    assert (found.text, found.key, found.iso) == (date, key, iso)
    assert text[found.start : found.end] == found.text


def test_may_is_a_month_only_beside_a_day_a_year_or_a_preposition() -> None:
    assert find_dates("May I ask a question?") == []
    assert [d.text for d in find_dates("el 12 de mayo")] == ["12 de mayo"]


def test_numbers_that_are_not_years_are_not_dates() -> None:
    assert find_dates("hay 669 hospitales y 2500 camas") == []
