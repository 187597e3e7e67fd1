"""Typed values inside sentences, with offsets into the sentence."""

import pytest

from docqa.answer.values import find_values


@pytest.mark.parametrize(
    ("text", "kind", "lang", "values"),
    [
        ("En 2023 había 669 hospitales, un 40.5% más.", "quantity", "es", ["669"]),
        ("En 2023 había 669 hospitales, un 40.5% más.", "percentage", "es", ["40.5%"]),
        ("84.8 percent of Mexicans", "percentage", "en", ["84.8 percent"]),
        ("atiende a 53.2 millones de personas", "quantity", "es", ["53.2 millones"]),
        ("Se fundó el 19 de enero de 1943.", "date", "es", ["19 de enero de 1943"]),
        ("Según Zoé Robledo, el IMSS crece.", "person", "es", ["Zoé Robledo"]),
        ("- Daniel Karam Toumeh 2009-2012", "person", "en", ["Daniel Karam Toumeh"]),
        ("El Instituto Mexicano del Seguro Social opera.", "person", "es", []),
        (
            "Los convenios se firmaron en Nayarit y Tlaxcala.",
            "place",
            "es",
            ["Nayarit", "Tlaxcala"],
        ),
        ("IMSS-Bienestar es gratuito.", "definition", "es", []),
        # Named things: acronyms, quoted titles, names joined by "of the", "for"; not the
        # capitalised word that opens a sentence.
        (
            "Tras disolverse el INSABI, IMSS-Bienestar creció.",
            "name",
            "es",
            ["INSABI", "IMSS-Bienestar"],
        ),
        ("El programa “La Clínica es Nuestra” permite.", "name", "es", ["La Clínica es Nuestra"]),
        (
            "called Health Services of the Mexican Institute of Social Security for Welfare.",
            "name",
            "en",
            ["Health Services of the Mexican Institute of Social Security for Welfare"],
        ),
        ("According to experts consulted by Reform, it will fail.", "name", "en", ["Reform"]),
    ],
)
def test_values_of_a_type(text: str, kind: str, lang: str, values: list[str]) -> None:
    found = find_values(text, kind, lang)
    assert [v.text for v in found] == values
    assert all(text[v.start : v.end] == v.text and v.type == kind for v in found)


def test_quantities_carry_their_number() -> None:
    (value,) = find_values("con 11 mil 935 centros", "quantity", "es")
    assert value.number == 11_935
