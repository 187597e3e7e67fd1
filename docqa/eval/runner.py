"""Run a question set through a target and collect one scored row per question, plus failures."""

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from docqa.answer.question import analyze
from docqa.eval.dataset import Question, fingerprint
from docqa.eval.metrics import (
    FAILURE_DEPTH,
    by_slice,
    contains_answer,
    figure_recall,
    relevant_ranks,
    value_correct,
)
from docqa.eval.targets import Target, TargetError

# Passages listed for each failure.
FAILURE_PASSAGES = 3

Progress = Callable[[Iterable[Question]], Iterable[Question]]


def _spans(body: dict) -> list[dict]:
    """Every cited span of an /ask body: passages, answer sentence, its value, and figures."""
    answer = body["answer"]
    spans = [*body["passages"], *([answer] if answer else []), *body.get("figures", [])]
    # A value carries its offsets itself, inside the answer's or the figure's document.
    for holder in [answer, *body.get("figures", [])]:
        if holder and holder.get("value"):
            spans.append({**holder["value"], "citation": {**holder["citation"], **holder["value"]}})
    return spans


def _citations_valid(target: Target, body: dict) -> int:
    valid = 0
    for span in _spans(body):
        citation = span["citation"]
        text = target.document_text(citation["doc_id"])
        valid += text is not None and text[citation["start"] : citation["end"]] == span["text"]
    return valid


def _score(target: Target, question: Question, k: int) -> tuple[dict, dict]:
    """The row of metrics inputs for one question, and the /ask body it came from."""
    started = time.perf_counter()
    try:
        body = target.ask(question.question, k)
    except TargetError as error:
        raise TargetError(f"question {question.id}: {error}") from None
    latency_ms = (time.perf_counter() - started) * 1000
    answer = body["answer"]["text"] if body["answer"] else None
    value = body["answer"].get("value") if body["answer"] else None
    row = {
        "id": question.id,
        "lang": question.lang,
        "detected_lang": body["language"],
        "cross_lingual": question.cross_lingual,
        "kind": question.kind,
        "type": analyze(question.question, question.lang).type,
        "answerable": question.answerable,
        "ranks": relevant_ranks([p["text"] for p in body["passages"]], question.answers),
        "abstained": answer is None,
        "answer_correct": bool(answer and contains_answer(answer, question.answers)),
        "value": value["text"] if value else None,
        "value_correct": value_correct(value, question.values),
        "figure_recall": figure_recall(body.get("figures", []), question.figures),
        "index_version": str(body.get("index_version") or target.version),
        "citations": len(_spans(body)),
        "citations_valid": _citations_valid(target, body),
        "latency_ms": round(latency_ms, 2),
    }
    return row, body


def _is_failure(row: dict) -> bool:
    """Missed in the top FAILURE_DEPTH, answered when it should abstain, or a bad citation."""
    if row["citations_valid"] < row["citations"]:
        return True
    if not row["answerable"]:
        return not row["abstained"]
    return not row["ranks"] or row["ranks"][0] > FAILURE_DEPTH


def _failure(question: Question, row: dict, body: dict) -> dict:
    return {
        "id": question.id,
        "question": question.question,
        "lang": question.lang,
        "kind": question.kind,
        "cross_lingual": question.cross_lingual,
        "answers": question.answers,
        "doc_id": question.doc_id,
        "rank": row["ranks"][0] if row["ranks"] else None,
        "answer": body["answer"]["text"] if body["answer"] else None,
        "invalid_citations": row["citations"] - row["citations_valid"],
        "passages": [
            {"text": p["text"], "score": p["score"], **p["citation"]}
            for p in body["passages"][:FAILURE_PASSAGES]
        ],
    }


def _identity(questions: Iterable[Question]) -> Iterable[Question]:
    return questions


def run(
    target: Target,
    questions: list[Question],
    k: int,
    *,
    set_path: Path,
    progress: Progress = _identity,
) -> dict:
    """The report of one run: metrics by slice, every row, and the failures to debug from."""
    rows, failures = [], []
    for question in progress(questions):
        row, body = _score(target, question, k)
        rows.append(row)
        if _is_failure(row):
            failures.append(_failure(question, row, body))
    # More than one when the service switched builds during the run: its numbers mix them.
    versions = list(dict.fromkeys(row["index_version"] for row in rows)) or [target.version]
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "set": {
            "name": set_path.name,
            "questions": len(questions),
            "fingerprint": fingerprint(questions),
        },
        "target": target.name,
        "index_version": " then ".join(versions),
        "index_versions": versions,
        "k": k,
        "metrics": by_slice(rows),
        "rows": rows,
        "failures": failures,
    }
