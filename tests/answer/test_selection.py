"""Answer selection and disagreeing figures over small hand-made candidates (no model)."""

from dataclasses import replace

from docqa.answer.figures import disagreeing_figures
from docqa.answer.focus import stems, terms
from docqa.answer.selection import AnswerSelector, AnswerWeights, Terms, set_aside

from .terms import candidate, make_terms


def test_a_sentence_saying_the_value_is_not_given_never_answers_a_quantity() -> None:
    terms_ = make_terms("¿Cuántos hospitales tiene el IMSS-Bienestar?", "es")
    not_given = candidate("No se especifica el número total de hospitales del programa.", 0, 3.0)
    stated = candidate("La red incluye 669 hospitales y 11 mil 935 centros de salud.", 1, 0.5)
    choice = AnswerSelector(terms_, AnswerWeights()).choose([not_given, stated])
    assert choice.candidate is stated
    assert choice.value.text == "669"


def test_the_value_next_to_the_focus_is_the_answer_value() -> None:
    terms_ = make_terms("¿Cuántos centros de salud hay?", "es")
    only = candidate("La red incluye 669 hospitales y 11 mil 935 centros de salud.")
    choice = AnswerSelector(terms_, AnswerWeights()).choose([only])
    assert choice.value.text == "11 mil 935"


def test_a_value_in_the_other_language_counts_through_the_rendered_focus() -> None:
    terms_ = make_terms("How many nurses are there?", "en", {"nurses": "enfermeras"})
    vague = candidate("Staff has grown a lot.", 0, 1.0, "en")
    stated = candidate("Se contrataron 103,759 enfermeras en total.", 1, 0.2)
    choice = AnswerSelector(terms_, AnswerWeights()).choose([vague, stated])
    assert choice.candidate is stated and choice.value.text == "103,759"


def test_when_nothing_else_differs_the_first_passage_wins() -> None:
    terms_ = make_terms("financiamiento del programa", "es")
    first = candidate("El programa se financia con recursos federales.", 0)
    second = candidate("El programa se financia con recursos federales.", 2)
    assert AnswerSelector(terms_, AnswerWeights()).choose([second, first]).candidate is first


def test_questions_numbers_pick_the_line_that_names_them() -> None:
    terms_ = make_terms("Who was IMSS director between 2009 and 2012?", "en")
    lines = [
        candidate("- Juan Molinar Horcasitas 2006-2009", 0, 0.5, "en"),
        candidate("- Daniel Karam Toumeh 2009-2012", 0, 0.4, "en"),
    ]
    choice = AnswerSelector(terms_, AnswerWeights()).choose(lines)
    assert choice.value.text == "Daniel Karam Toumeh"


def test_no_eligible_candidate_means_no_choice() -> None:
    terms_ = make_terms("¿Cuántos hospitales hay?", "es")
    assert AnswerSelector(terms_, AnswerWeights()).choose([]) is None
    only = candidate("No se proporciona un desglose de hospitales.")
    assert AnswerSelector(terms_, AnswerWeights()).choose([only]) is None


def test_figures_that_disagree_are_listed_once_each_ordered_by_date() -> None:
    terms_ = make_terms("¿Cuántos hospitales tiene?", "es", {"hospitales": "hospitals"})
    candidates = [
        candidate("La red incluye aproximadamente 669 hospitales en julio de 2024."),
        candidate("Al 29 de julio de 2024 se habían transferido 576 hospitales."),
        candidate("For December 2023 it expected 692 hospitals in 24 states.", lang="en"),
        candidate("Otra fuente repite los 669 hospitales en marzo de 2024."),
        candidate("Hay 11 mil 935 centros de salud."),
    ]
    found = disagreeing_figures(candidates, terms_)
    assert [f.value.text for f in found] == ["692", "669", "576"]
    assert [f.date.iso for f in found] == ["2023-12", "2024-07", "2024-07-29"]


def test_figures_without_dates_are_ordered_by_value_and_one_figure_is_none() -> None:
    terms_ = make_terms("¿Cuántos hospitales tiene?", "es")
    two = [candidate("Tiene 707 hospitales."), candidate("Tiene 11 mil hospitales.")]
    assert [f.value.number for f in disagreeing_figures(two, terms_)] == [707, 11_000]
    # "1,000" and "1.000" are one figure in Spanish: the sources agree.
    same = [candidate("Tiene 1,000 hospitales."), candidate("Tiene 1.000 hospitales.")]
    assert disagreeing_figures(same, terms_) == []


def test_a_rare_word_of_the_question_counts_more_than_a_common_one() -> None:
    base = make_terms("programa crece sinaloa", "es")

    def weighted(weights: list[float] | None) -> Terms:
        words = terms(["programa", "crece", "sinaloa"], [None, None, None], weights)
        return replace(base, words=words)

    common = candidate("El programa crece en todo el país cada año.", 0)
    rare = candidate("Se abrió un nuevo hospital en Sinaloa este año.", 1)
    weights = AnswerWeights(similarity=0, passage_rank=0.1)
    assert AnswerSelector(weighted(None), weights).choose([common, rare]).candidate is common
    chosen = AnswerSelector(weighted([0.1, 0.1, 3.0]), weights).choose([common, rare])
    assert chosen.candidate is rare


def test_only_a_sentence_stating_the_value_outright_answers_when_asked_to() -> None:
    terms_ = make_terms("¿Cuántos trabajadores tiene hoy el programa?", "es")
    close = candidate(
        "Según el informe de la dependencia, la cifra creció de 121,000 a 168,627.", 0, 20
    )
    stated = candidate("El personal ha crecido de 23,967 a 274,977 trabajadores.", 4, 0.1)
    selector = AnswerSelector(terms_, AnswerWeights())
    assert selector.choose([close, stated]).candidate is close
    choice = selector.choose([close, stated], direct_only=True)
    assert choice.candidate is stated and choice.direct and choice.value.text == "274,977"


def test_a_sentence_that_covers_the_questions_words_wins_a_tie() -> None:
    terms_ = make_terms("¿De qué otra forma consigue dinero el programa?", "es")
    generic = candidate("El programa es público y gratuito.", 0, 1.0)
    covering = candidate("El programa consigue recursos por convenios.", 0, 1.0)
    covering = replace(covering, coverage=0.9)
    assert AnswerSelector(terms_, AnswerWeights()).choose([generic, covering]).candidate is covering


def test_a_dated_list_answers_by_its_order() -> None:
    rows = [
        candidate("- Tuffic Miguel Ortega 2017-2018", 0, 0.1, "en"),
        candidate("- German Martinez Cazares 2018-2019", 0, 0.1, "en"),
        candidate("- Zoe Alejandro Robledo Aburto 2019-present", 0, 0.9, "en"),
    ]
    like = candidate("Sheinbaum confirma a Zoé Robledo como director del IMSS.", 0, 2.0)
    terms_ = make_terms("¿Quién estuvo antes de Zoé Robledo al frente del IMSS?", "es")
    choice = AnswerSelector(terms_, AnswerWeights()).choose([like, *rows])
    assert choice.candidate is rows[1] and choice.listed
    assert choice.value.text == "German Martinez Cazares"
    # Without a relation to follow, the row is just a short line like the others.
    plain = make_terms("¿Quién dirige el IMSS?", "es")
    assert not AnswerSelector(plain, AnswerWeights()).choose([like, *rows]).listed


def test_a_figure_question_prefers_a_sentence_with_a_figure() -> None:
    terms_ = make_terms("¿En qué año se volvió organismo descentralizado?", "es")
    like = candidate("El decreto creó el organismo descentralizado del programa.", 0, 1.5)
    dated = candidate("En 2022 el programa se convirtió en un organismo descentralizado.", 1, 0.5)
    assert AnswerSelector(terms_, AnswerWeights()).choose([like, dated]).candidate is dated
    no_numeric = AnswerWeights(numeric_value=0, typed_value=0)
    assert AnswerSelector(terms_, no_numeric).choose([like, dated]).candidate is like


def test_what_the_question_sets_aside_is_not_its_answer() -> None:
    terms_ = make_terms(
        "Además del subsidio federal, ¿de qué otra forma consigue dinero el programa?",
        "es",
        {"subsidio": "subsidy", "federal": "federal"},
    )
    # "subsidio" and "federal", each with its rendering's stems; not "forma" nor "dinero".
    aside = set_aside(terms_)
    assert len(aside) == 2 and all(word & stems("subsidy federal") for word in aside)
    subsidy = candidate("The programme is financed by a federal subsidy.", 0, 1.0, "en")
    other = candidate("El programa también obtiene dinero de convenios.", 0, 0.5)
    assert AnswerSelector(terms_, AnswerWeights()).choose([subsidy, other]).candidate is other
    no_aside = make_terms("¿De qué forma consigue dinero el programa?", "es")
    assert set_aside(no_aside) == []


def test_the_person_a_question_names_is_not_its_answer() -> None:
    terms_ = make_terms("Who kept Zoé Robledo on as head of the IMSS?", "en")
    row = candidate("- Zoe Alejandro Robledo Aburto 2019-present", 0, 1.0, "en")
    news = candidate("La presidenta Claudia Sheinbaum confirmó a Zoé Robledo en el IMSS.", 1, 0.8)
    choice = AnswerSelector(terms_, AnswerWeights()).choose([row, news])
    assert choice.candidate is news and choice.value.text == "Claudia Sheinbaum"
