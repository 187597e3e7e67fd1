"""The expected answer type and focus of real phrasings, in Spanish and English."""

import pytest

from docqa.answer.question import analyze

TABLE = [
    ("¿Cuántos hospitales tiene el IMSS-Bienestar?", "es", "quantity", ("hospitales",)),
    ("cuantos hospitales tiene imss bienestar", "es", "quantity", ("hospitales",)),
    ("Cuántas enfermeras hay", "es", "quantity", ("enfermeras",)),
    ("¿En cuántos estados opera?", "es", "quantity", ("estados",)),
    ("oye y a cuanta gente le da servicio?", "es", "quantity", ("gente",)),
    ("número de médicos cubanos en el programa", "es", "quantity", ("medicos", "cubanos")),
    # A verb in the past is not what is counted, though folded it reads like a noun.
    ("¿Con cuánto personal arrancó el programa?", "es", "quantity", ("personal",)),
    ("How many nurses are there?", "en", "quantity", ("nurses",)),
    ("how much money was invested in Nayarit", "en", "quantity", ("pesos", "dolares", "dollars")),
    ("How many hospitals had been handed over?", "en", "quantity", ("hospitals",)),
    ("¿Qué porcentaje de los mexicanos no tiene seguridad social?", "es", "percentage", ()),
    ("que proporcion de la poblacion es pobre", "es", "percentage", ()),
    ("What share of doctor posts were filled?", "en", "percentage", ()),
    ("En Nayarit, ¿qué tan avanzada va la contratación?", "es", "percentage", ()),
    ("how far along is the hiring of nurses", "en", "percentage", ()),
    ("¿Cuándo se fundó el IMSS?", "es", "date", ()),
    ("en que año se creo el programa", "es", "date", ()),
    ("¿Desde cuándo funciona?", "es", "date", ()),
    ("Durante qué periodo estuvo Levy al frente", "es", "date", ()),
    ("When was IMSS-Bienestar launched?", "en", "date", ()),
    ("In which year did it become an agency?", "en", "date", ()),
    ("since when has Robledo been in charge", "en", "date", ()),
    ("¿Quién es el director del IMSS?", "es", "person", ()),
    ("quien fue el primer director", "es", "person", ()),
    ("¿Qué investigadora criticó el modelo?", "es", "person", ()),
    ("Who was IMSS director between 2009 and 2012?", "en", "person", ()),
    ("Which director headed IMSS from 1946 to 1952?", "en", "person", ()),
    ("¿Dónde opera el IMSS-Bienestar?", "es", "place", ()),
    ("en que estados esta el programa", "es", "place", ()),
    ("Where was the decree published?", "en", "place", ()),
    ("¿Qué es el IMSS-Bienestar?", "es", "definition", ()),
    ("¿En qué consiste la federalización?", "es", "definition", ()),
    ("What does second-level care include?", "en", "definition", ()),
    ("what is imss bienestar", "en", "definition", ()),
    ("¿Cómo se llama el modelo de atención?", "es", "name", ()),
    ("What was the scheme called?", "en", "name", ()),
    ("Which newspaper asked the experts?", "en", "name", ()),
    ("¿Qué organismo desapareció antes?", "es", "name", ()),
    ("Which other public institutions cover state employees?", "en", "name", ()),
    ("imss director 1991 to 1993", "en", "person", ()),
    ("director del imss de 1970 a 1975", "es", "person", ()),
    ("financiamiento imss bienestar", "es", "none", ()),
    ("Does IMSS-Bienestar operate in Guerrero?", "en", "none", ()),
]


@pytest.mark.parametrize(("question", "lang", "kind", "focus"), TABLE)
def test_question_analysis(question: str, lang: str, kind: str, focus: tuple[str, ...]) -> None:
    analysis = analyze(question, lang)
    assert (analysis.type, analysis.focus) == (kind, focus)


def test_typed_types_are_the_ones_with_a_value() -> None:
    assert analyze("¿Cuántos hospitales hay?", "es").typed
    assert analyze("who is the director", "en").typed
    assert not analyze("what is imss", "en").typed
    assert not analyze("financiamiento", "es").typed


def test_an_amount_of_money_is_counted_in_a_currency() -> None:
    for question, lang in [
        ("¿cuánto se ha gastado en aparatos y equipo?", "es"),
        ("How much money went into fixing up health centres?", "en"),
        ("how much has the government spent", "en"),
        ("¿Cuánta lana se metió en Colima?", "es"),
    ]:
        assert analyze(question, lang).focus == ("pesos", "dolares", "dollars")


def test_money_named_elsewhere_in_the_question_does_not_make_it_an_amount() -> None:
    question = "How many health centres were upgraded with the six billion pesos invested?"
    assert analyze(question, "en").focus == ("health", "centres")
