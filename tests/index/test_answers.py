"""The answer, its value and the figures over the real corpus index (real models)."""

from pathlib import Path

import pytest

from docqa.answer.succession import period
from docqa.eval.dataset import load_questions
from docqa.index.search import Searcher

SETS = Path(__file__).resolve().parents[2] / "docqa" / "eval" / "sets"


@pytest.fixture(scope="module")
def searcher(corpus_index) -> Searcher:
    return Searcher.open(corpus_index.settings, corpus_index.index_dir)


@pytest.fixture(scope="module")
def dev_results(searcher: Searcher) -> list:
    return [searcher.search(q.question, 10) for q in load_questions(SETS / "dev.jsonl")]


def test_values_and_figures_are_exact_spans_of_their_documents(
    searcher: Searcher, dev_results: list
) -> None:
    texts = {doc.doc_id: doc.text for doc in searcher.data.documents}
    values = figures = 0
    for result in dev_results:
        answer = result.answer
        if answer is not None and answer.value is not None:
            value, cited = answer.value, answer.citation
            assert texts[cited.doc_id][value.start : value.end] == value.text
            assert cited.start <= value.start < value.end <= cited.end
            values += 1
        for figure in result.figures:
            cited = figure.citation
            assert texts[cited.doc_id][cited.start : cited.end] == figure.text
            assert texts[cited.doc_id][figure.value.start : figure.value.end] == figure.value.text
            if figure.date:
                assert texts[cited.doc_id][figure.date.start : figure.date.end] == figure.date.text
            figures += 1
    # The property must have been exercised, not vacuously true.
    assert values >= 40 and figures >= 6


def test_no_sentence_is_shown_twice_over_the_dev_set(searcher: Searcher, dev_results: list) -> None:
    sentences = searcher.data.sentences
    docs = {doc.doc_id: i for i, doc in enumerate(searcher.data.documents)}
    for result in dev_results:
        seen: set[int] = set()
        for passage in result.passages:
            cited = passage.citation
            inside = {
                row
                for row, (doc, start, end) in enumerate(sentences.tolist())
                if doc == docs[cited.doc_id] and cited.start <= start and end <= cited.end
            }
            assert not inside & seen, result.question
            seen |= inside
        if result.answer:
            holding = [
                p
                for p in result.passages
                if p.citation.doc_id == result.answer.citation.doc_id
                and p.citation.start <= result.answer.citation.start
                and result.answer.citation.end <= p.citation.end
            ]
            assert len(holding) <= 1


def test_the_hospitals_question_shows_the_figures_that_disagree(searcher: Searcher) -> None:
    result = searcher.search("¿Cuántos hospitales tiene el IMSS-Bienestar?", 5)
    assert result.answer is not None and result.answer.value is not None
    assert result.answer.value.type == "quantity"
    assert "hospital" in result.answer.text.lower()
    numbers = [f.number for f in result.figures]
    assert len(set(numbers)) == len(numbers) >= 3
    assert {576.0, 669.0} <= set(numbers)
    assert result.answer.value.text in [f.value.text for f in result.figures]
    texts = {doc.doc_id: doc.text for doc in searcher.data.documents}
    for figure in result.figures:
        assert texts[figure.citation.doc_id][figure.citation.start : figure.citation.end] == (
            figure.text
        )
        assert "hospital" in figure.text.lower()


def test_the_figures_are_found_across_languages(searcher: Searcher) -> None:
    # The figures are stated in Spanish ("576 hospitales"); the question is English.
    result = searcher.search("How many hospitals does IMSS-Bienestar have?", 5)
    assert {576.0, 669.0, 692.0} <= {f.number for f in result.figures}


def test_a_question_without_a_typed_answer_has_no_value_nor_figures(searcher: Searcher) -> None:
    result = searcher.search("¿Qué es el IMSS-Bienestar?", 5)
    assert result.answer is not None
    assert result.answer.value is None and result.figures == []


@pytest.mark.parametrize(
    ("question", "person"),
    [
        ("¿Quién estuvo al frente del IMSS justo antes de Zoé Robledo?", "Germ"),
        ("Who was the very first director general of the IMSS?", "Vicente Santos Guajardo"),
        ("Which IMSS director served only during the year 2000?", "Mario Luis Fuentes Alcal"),
    ],
)
def test_the_list_of_directors_answers_by_its_order(
    searcher: Searcher, question: str, person: str
) -> None:
    # The row that answers shares no word with the question: only the list's order tells.
    answer = searcher.search(question, 5).answer
    assert answer is not None and answer.value is not None
    assert answer.value.type == "person" and answer.value.text.startswith(person)


def test_a_year_alone_does_not_make_a_row_of_the_list_an_answer(searcher: Searcher) -> None:
    # 2010 falls in a director's period (2009-2012), but no passage speaks of football.
    assert searcher.search("¿Quién ganó el Mundial de fútbol de 2010?", 5).answer is None


def test_a_list_of_directors_does_not_name_the_first_president(searcher: Searcher) -> None:
    answer = searcher.search("Who was the first president of Mexico?", 5).answer
    assert answer is None or period(answer.text) is None
