"""Retrieval, answer, citation, abstention and latency metrics over scored question rows."""

import math
import statistics
from collections.abc import Callable, Iterable
from functools import partial

from docqa.answer.quantities import parse_number, same_number
from docqa.answer.question import TYPED
from docqa.text.normalize import fold

HIT_KS = (1, 3, 5)
# Cut-off of MRR and nDCG.
DEPTH = 10
# A question is a failure to debug when no passage in this many holds its answer (hit@3 is the
# headline retrieval metric).
FAILURE_DEPTH = 3


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """Whether `text` holds one of `answers`, compared case- and accent-insensitively."""
    folded = fold(text)
    return any(fold(answer) in folded for answer in answers)


def same_value(found: str, gold: str) -> bool:
    """Whether a returned value is a gold one: it holds the gold text (folded), or both are the
    same number however written ("11 mil 935" and "11,935", "53.2 millones" and "53.2 million").
    """
    if fold(gold) in fold(found):
        return True
    a, b = parse_number(found, "es"), parse_number(gold, "es")
    return a is not None and b is not None and same_number(a, b)


def value_correct(value: dict | None, gold: list[str]) -> bool | None:
    """Whether the answer's value is one of the gold values; None when there are none."""
    if not gold:
        return None
    if not value:
        return False
    return any(same_value(value["text"], g) for g in gold)


def figure_recall(figures: list[dict], gold: list[str]) -> float | None:
    """The share of the corpus's distinct figures (gold) that the returned figures list."""
    if not gold:
        return None
    listed = [f["value"]["text"] for f in figures]
    return sum(any(same_value(f, g) for f in listed) for g in gold) / len(gold)


def relevant_ranks(passages: list[str], answers: list[str]) -> list[int]:
    """1-based ranks of the passages that contain an acceptable answer."""
    return [rank for rank, text in enumerate(passages, 1) if contains_answer(text, answers)]


def ndcg(ranks: list[int], depth: int = DEPTH) -> float:
    """nDCG@depth with binary relevance; the ideal puts the returned relevant passages first.

    The number of relevant passages in the whole corpus is unknown to a client of the API, so
    the ideal ranking is the one that reorders the returned top `depth` passages.
    """
    found = [rank for rank in ranks if rank <= depth]
    if not found:
        return 0.0
    dcg = sum(1 / math.log2(rank + 1) for rank in found)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, len(found) + 1))
    return dcg / ideal


def percentile(values: list[float], q: int) -> float | None:
    """The q-th percentile, interpolated between the closest ranks (as numpy's default)."""
    if len(values) < 2:
        return round(values[0], 1) if values else None
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


def _share(values: Iterable[bool]) -> float | None:
    values = list(values)
    return round(sum(values) / len(values), 3) if values else None


def _retrieval(answerable: list[dict]) -> dict:
    out: dict[str, float | None] = {}
    for k in HIT_KS:
        out[f"hit@{k}"] = _share(bool(r["ranks"]) and r["ranks"][0] <= k for r in answerable)
    reciprocal = [
        1 / r["ranks"][0] if r["ranks"] and r["ranks"][0] <= DEPTH else 0.0 for r in answerable
    ]
    out[f"mrr@{DEPTH}"] = round(sum(reciprocal) / len(answerable), 3)
    out[f"ndcg@{DEPTH}"] = round(sum(ndcg(r["ranks"]) for r in answerable) / len(answerable), 3)
    out["answer_accuracy"] = _share(r["answer_correct"] for r in answerable)
    out["value_accuracy"] = _share(
        r["value_correct"] for r in answerable if r.get("value_correct") is not None
    )
    recalls = [r["figure_recall"] for r in answerable if r.get("figure_recall") is not None]
    out["figure_recall"] = round(sum(recalls) / len(recalls), 3) if recalls else None
    out["false_abstention"] = _share(r["abstained"] for r in answerable)
    return out


def summarize(rows: list[dict]) -> dict:
    """The metrics of one slice of rows; a metric that the slice cannot measure is left out."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    out: dict[str, float | int | None] = {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
    }
    if answerable:
        out |= _retrieval(answerable)
    if unanswerable:
        # Abstaining is the positive class: recall over the unanswerable questions, precision
        # over the questions the target abstained on.
        out["abstention_recall"] = _share(r["abstained"] for r in unanswerable)
        out["abstention_precision"] = _share(not r["answerable"] for r in rows if r["abstained"])
    checked = sum(r["citations"] for r in rows)
    if checked:
        out["citation_validity"] = round(sum(r["citations_valid"] for r in rows) / checked, 3)
    latencies = [r["latency_ms"] for r in rows]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    return {key: value for key, value in out.items() if value is not None}


# The answer types a report has a slice for: typed values first.
ANSWER_TYPES = (*sorted(TYPED), "definition", "none")


def _asks_for(kind: str, row: dict) -> bool:
    return row.get("type") == kind


# Slices of a report: every row, each question language, answerable mono- vs cross-lingual,
# and the answer type the question asks for (docqa.answer.question).
SLICES: dict[str, Callable[[dict], bool]] = {
    "overall": lambda r: True,
    "es": lambda r: r["lang"] == "es",
    "en": lambda r: r["lang"] == "en",
    "monolingual": lambda r: r["answerable"] and not r["cross_lingual"],
    "cross_lingual": lambda r: r["cross_lingual"],
    **{f"type:{kind}": partial(_asks_for, kind) for kind in ANSWER_TYPES},
}


# How tables and charts name the slices.
SLICE_LABELS = {
    "overall": "overall",
    "es": "Spanish questions",
    "en": "English questions",
    "monolingual": "monolingual",
    "cross_lingual": "cross-lingual",
    **{f"type:{kind}": f"asks for: {kind}" for kind in ANSWER_TYPES},
}


def by_slice(rows: list[dict]) -> dict[str, dict]:
    """`summarize` of every slice that has rows."""
    out = {}
    for name, keep in SLICES.items():
        chosen = [r for r in rows if keep(r)]
        if chosen:
            out[name] = summarize(chosen)
    return out
