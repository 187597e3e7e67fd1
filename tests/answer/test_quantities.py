"""Numbers as Spanish and English texts write them, compared as numbers."""

import pytest

from docqa.answer.quantities import find_numbers, has_digit, parse_number, same_number


@pytest.mark.parametrize(
    ("text", "lang", "number"),
    [
        ("11 mil 935", "es", 11_935),
        ("mil 925 municipios", "es", 1_925),
        ("53.2 millones de personas", "es", 53_200_000),
        ("53.2 million Mexicans", "en", 53_200_000),
        ("17,555 millones de pesos", "es", 17_555_000_000),
        ("1,000", "en", 1_000),
        ("1.000", "es", 1_000),
        ("1.000", "en", 1.0),
        ("1,5 millones", "es", 1_500_000),
        ("103,759 profesionales", "es", 103_759),
        ("1,234.56", "en", 1_234.56),
        ("1.234,56", "es", 1_234.56),
        ("2 billion", "en", 2e9),
        ("3 mil millones", "es", 3e9),
        ("669", "es", 669),
    ],
)
def test_numbers_parse_by_language(text: str, lang: str, number: float) -> None:
    assert parse_number(text, lang) == pytest.approx(number)


def test_numbers_are_found_with_their_offsets() -> None:
    text = "Incluye 669 hospitales y 11 mil 935 centros; atiende a 53.2 millones."
    found = find_numbers(text, "es")
    assert [n.text for n in found] == ["669", "11 mil 935", "53.2 millones"]
    assert all(text[n.start : n.end] == n.text for n in found)


def test_no_number_in_text_without_digits() -> None:
    assert parse_number("sin cifras", "es") is None
    assert find_numbers("mil gracias", "es") == []


def test_same_number_however_written() -> None:
    assert same_number(parse_number("11 mil 935", "es"), parse_number("11,935", "en"))
    assert same_number(parse_number("53.2 millones", "es"), 53_200_000)
    assert not same_number(669, 660)


def test_numbers_written_as_words_in_the_texts_language() -> None:
    assert parse_number("seis mil millones de pesos", "es") == 6e9
    assert parse_number("nueve estados", "es") == 9
    assert parse_number("six billion pesos", "en") == 6e9
    assert parse_number("once upon a time", "en") is None


def test_has_digit() -> None:
    assert has_digit("el 29 de julio") and has_digit("٣ hospitales")
    assert not has_digit("veintinueve hospitales")
