"""The shipped dev and holdout sets: every answer, value and figure is in corpus/ as written."""

import re
from pathlib import Path

import pytest
from conftest import CORPUS_DIR

from docqa.eval.dataset import Question, default_set, load_questions
from docqa.text.normalize import fold

SETS = [default_set(), default_set().with_name("holdout.jsonl")]


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    return {path.name: fold(path.read_text("utf-8")) for path in CORPUS_DIR.glob("*.txt")}


@pytest.fixture(scope="module", params=SETS, ids=lambda path: path.stem)
def question_set(request: pytest.FixtureRequest) -> list[Question]:
    path: Path = request.param
    return load_questions(path)


def _stated(text: str, value: str) -> bool:
    """Whether `value` is in `text` as a whole token: "23" must not match inside "2023"."""
    return re.search(rf"(?<![\w.,]){re.escape(fold(value))}(?![\w]|[.,]\d)", text) is not None


def test_answers_values_and_figures_are_in_the_corpus(
    question_set: list[Question], corpus: dict[str, str]
) -> None:
    problems = []
    for q in (q for q in question_set if q.answerable):
        own = corpus.get(q.doc_id or "")
        if own is None or not any(fold(a) in own for a in q.answers):
            problems.append(f"{q.id}: no answer string in {q.doc_id}")
        problems += [
            f"{q.id}: answer {a!r} is in no document"
            for a in q.answers
            if not any(fold(a) in text for text in corpus.values())
        ]
        problems += [
            f"{q.id}: {field[:-1]} {v!r} is in no document as a whole token"
            for field, strings in (("values", q.values), ("figures", q.figures))
            for v in strings
            if not any(_stated(text, v) for text in corpus.values())
        ]
    assert not problems, "\n".join(problems)


def test_each_value_lies_inside_one_of_its_questions_answers(
    question_set: list[Question],
) -> None:
    """A value is the typed core of an acceptable answer, so value and answer accuracy agree."""
    stray = [
        f"{q.id}: {v!r}"
        for q in question_set
        for v in q.values
        if not any(_stated(fold(a), v) for a in q.answers)
    ]
    assert not stray, "\n".join(stray)


def test_typed_questions_carry_values_and_disagreements_carry_figures(
    question_set: list[Question],
) -> None:
    typed = [q for q in question_set if q.kind in {"number", "name"}]
    assert sum(bool(q.values) for q in typed) >= 0.9 * len(typed)
    assert sum(len(q.figures) >= 2 for q in question_set) >= 3
    assert all(len(set(map(fold, q.figures))) == len(q.figures) for q in question_set)


def test_ids_are_unique_across_the_sets() -> None:
    ids = [q.id for path in SETS for q in load_questions(path)]
    assert len(ids) == len(set(ids))
