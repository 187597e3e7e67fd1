"""Question sets: the bundled dev set's shape and answers, and bad sets refused with the reason."""

import json
from pathlib import Path

import pytest
from conftest import CORPUS_DIR, CorpusIndex

from docqa import model
from docqa.eval.dataset import DatasetError, Question, default_set, fingerprint, load_questions
from docqa.eval.metrics import contains_answer
from docqa.index import store
from docqa.ingest.documents import load_corpus
from eval.questions import EASY, write_set


@pytest.fixture(scope="module")
def dev_set() -> list[Question]:
    return load_questions(default_set())


def test_dev_set_has_the_composition_of_issue_4(dev_set: list[Question]) -> None:
    langs = [q.lang for q in dev_set]
    assert len(dev_set) >= 150
    assert langs.count("es") == langs.count("en")
    assert sum(q.cross_lingual for q in dev_set) >= 0.3 * len(dev_set)
    assert sum(not q.answerable for q in dev_set) >= 10
    assert sum(q.kind in {"number", "name"} for q in dev_set) >= 20


def test_dev_set_keeps_the_first_80_question_ids(dev_set: list[Question]) -> None:
    ids = {q.id for q in dev_set}
    assert {f"dev-{lang}-{n:03d}" for lang in ("es", "en") for n in range(1, 41)} <= ids


def test_every_answer_is_in_the_corpus_in_the_language_the_set_says(
    dev_set: list[Question],
) -> None:
    """An answerable question's doc_id holds an answer; a cross-lingual one is answered only by
    documents in the other language, a monolingual one by a document in its own."""
    documents, _ = load_corpus(CORPUS_DIR)
    by_id = {doc.doc_id: doc for doc in documents}
    problems = []
    for q in (q for q in dev_set if q.answerable):
        doc = by_id.get(q.doc_id)
        if doc is None or not contains_answer(doc.text, q.answers):
            problems.append(f"{q.id}: no answer string in {q.doc_id}")
            continue
        problems += [
            f"{q.id}: {a!r} is in no document"
            for a in q.answers
            if not any(contains_answer(d.text, [a]) for d in documents)
        ]
        same_language = any(
            contains_answer(d.text, q.answers) for d in documents if d.lang == q.lang
        )
        if q.cross_lingual and (doc.lang == q.lang or same_language):
            problems.append(f"{q.id}: cross-lingual, but answered in its own language")
        if not q.cross_lingual and (doc.lang != q.lang or not same_language):
            problems.append(f"{q.id}: monolingual, but not answered in its own language")
    assert not problems, "\n".join(problems)


def test_every_answer_lies_inside_one_passage_of_its_document(
    dev_set: list[Question], corpus_index: CorpusIndex
) -> None:
    """hit@k can only count an answer that a single passage (chunk) of the index holds."""
    data = store.read_build(store.current_build_dir(corpus_index.index_dir))
    passages: dict[str, list[str]] = {}
    for doc_index, start, end in (chunk[: model.CHUNK_END + 1] for chunk in data.chunks):
        doc = data.documents[doc_index]
        passages.setdefault(doc.doc_id, []).append(doc.text[start:end])
    missing = [
        q.id
        for q in dev_set
        if q.answerable and not any(contains_answer(p, q.answers) for p in passages[q.doc_id])
    ]
    assert not missing


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", r"set\.jsonl:1: not valid JSON"),
        (json.dumps(EASY) + "\n[1, 2]\n", r":2: .*valid dictionary"),
        (json.dumps({**EASY, "lang": "fr"}), r":1: lang: Input should be 'es' or 'en'"),
        (json.dumps({**EASY, "colour": "red"}), r":1: colour: unknown field"),
        (json.dumps({**EASY, "answers": []}), "needs at least one answer string"),
        (json.dumps({**EASY, "kind": "unanswerable"}), "must have an empty answers list"),
        (json.dumps({**EASY, "answers": ["660", " "]}), "must not be empty"),
        (json.dumps({**EASY, "kind": "date"}), "kind: Input should be"),
        (json.dumps(EASY) + "\n\n" + json.dumps(EASY), r":3: id 't-1' is already used on line 1"),
        ("\n\n", "no questions"),
    ],
)
def test_bad_question_sets_are_refused_with_file_line_and_reason(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(content, "utf-8")
    with pytest.raises(DatasetError, match=message):
        load_questions(path)


def test_unreadable_sets_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        load_questions(tmp_path / "missing.jsonl")
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes(json.dumps(EASY, ensure_ascii=False).encode("latin-1"))
    with pytest.raises(DatasetError, match="not UTF-8"):
        load_questions(latin1)


def test_fingerprint_follows_the_content_not_the_layout(tmp_path: Path) -> None:
    compact = load_questions(write_set(tmp_path / "a.jsonl", [EASY]))
    spaced = tmp_path / "b.jsonl"
    spaced.write_text("\n" + json.dumps(EASY, indent=None, separators=(" , ", " : ")) + "\n\n")
    changed = load_questions(write_set(tmp_path / "c.jsonl", [{**EASY, "answers": ["660"]}]))
    assert fingerprint(compact) == fingerprint(load_questions(spaced))
    assert fingerprint(compact) != fingerprint(changed)
