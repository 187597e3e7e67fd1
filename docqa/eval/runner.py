"""Run a question set through the search path and score it against the thresholds."""

import statistics
from collections.abc import Iterable

from docqa.eval.dataset import Question
from docqa.index.search import Searcher
from docqa.text.normalize import fold

# The quality bar of the foundation issue; the gate fails below any of them.
THRESHOLDS = {
    "hit@3": 0.95,
    "hit@3_cross_lingual": 0.90,
    "hit@1": 0.80,
    "abstention_recall": 0.80,
}


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    folded = fold(text)
    return any(fold(a) in folded for a in answers)


def _rank(passages: list[str], answers: list[str]) -> int | None:
    """1-based rank of the first passage holding an answer, or None."""
    for rank, text in enumerate(passages, 1):
        if contains_answer(text, answers):
            return rank
    return None


def _summary(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    out: dict = {"questions": len(rows), "answerable": len(answerable)}
    if answerable:
        for k in (1, 3, 5):
            hits = [r["rank"] is not None and r["rank"] <= k for r in answerable]
            out[f"hit@{k}"] = round(sum(hits) / len(answerable), 3)
        out["mrr@10"] = round(
            sum(1 / r["rank"] for r in answerable if r["rank"] and r["rank"] <= 10)
            / len(answerable),
            3,
        )
        out["answer_accuracy"] = round(
            sum(r["answer_correct"] for r in answerable) / len(answerable), 3
        )
        out["false_abstention"] = round(
            sum(r["answer"] is None for r in answerable) / len(answerable), 3
        )
    if unanswerable:
        out["unanswerable"] = len(unanswerable)
        out["abstention_recall"] = round(
            sum(r["answer"] is None for r in unanswerable) / len(unanswerable), 3
        )
    return out


def evaluate(searcher: Searcher, questions: list[Question], k: int = 10) -> dict:
    rows = []
    for q in questions:
        result = searcher.search(q.question, k)
        texts = [p.text for p in result.passages]
        answer = result.answer.text if result.answer else None
        rows.append(
            {
                "id": q.id,
                "question": q.question,
                "lang": q.lang,
                "detected_lang": result.language,
                "cross_lingual": q.cross_lingual,
                "answerable": q.answerable,
                "rank": _rank(texts, q.answers) if q.answerable else None,
                "answer": answer,
                "answer_correct": bool(answer and contains_answer(answer, q.answers)),
                "took_ms": result.took_ms,
                "top": [
                    {"doc_id": p.citation.doc_id, "text": p.text[:200]} for p in result.passages[:3]
                ],
            }
        )
    report = {
        "index_version": searcher.version,
        "overall": _summary(rows),
        "by_language": {
            lang: _summary([r for r in rows if r["lang"] == lang]) for lang in ("es", "en")
        },
        "cross_lingual": _summary([r for r in rows if r["cross_lingual"]]),
        "monolingual": _summary([r for r in rows if r["answerable"] and not r["cross_lingual"]]),
        "latency_ms": {
            "p50": round(statistics.median(r["took_ms"] for r in rows), 2),
            "max": round(max(r["took_ms"] for r in rows), 2),
        },
        "rows": rows,
    }
    measured = {
        "hit@3": report["overall"].get("hit@3", 0.0),
        "hit@3_cross_lingual": report["cross_lingual"].get("hit@3", 1.0),
        "hit@1": report["overall"].get("hit@1", 0.0),
        "abstention_recall": report["overall"].get("abstention_recall", 1.0),
    }
    report["thresholds"] = THRESHOLDS
    report["failed_thresholds"] = [
        f"{name} {measured[name]} < {bar}"
        for name, bar in THRESHOLDS.items()
        if measured[name] < bar
    ]
    return report


def format_report(report: dict) -> str:
    keys = [
        "hit@1",
        "hit@3",
        "hit@5",
        "mrr@10",
        "answer_accuracy",
        "false_abstention",
        "abstention_recall",
    ]
    lines = [f"{'slice':<14}" + "".join(f"{k:>18}" for k in keys)]
    slices = {
        "overall": report["overall"],
        **report["by_language"],
        "cross-lingual": report["cross_lingual"],
        "monolingual": report["monolingual"],
    }
    for name, summary in slices.items():
        cells = "".join(f"{summary.get(k, float('nan')):>18.3f}" for k in keys)
        lines.append(f"{name:<14}{cells}")
    lines.append(
        f"latency p50 {report['latency_ms']['p50']} ms, max {report['latency_ms']['max']} ms"
    )
    return "\n".join(lines)
