"""Metric arithmetic on hand-made rows, against values worked out by hand."""

import math

import pytest

from docqa.eval.metrics import (
    by_slice,
    contains_answer,
    ndcg,
    percentile,
    relevant_ranks,
    summarize,
)


def row(**fields: object) -> dict:
    """A scored row as the runner writes it; fields override a correct monolingual hit at 1."""
    base = {
        "id": "q",
        "lang": "es",
        "cross_lingual": False,
        "answerable": True,
        "ranks": [1],
        "abstained": False,
        "answer_correct": True,
        "citations": 4,
        "citations_valid": 4,
        "latency_ms": 10.0,
    }
    return base | fields


def test_answers_match_without_case_accents_or_extra_spaces() -> None:
    assert contains_answer("Fue fundado por  ZOE Robledo.", ["Zoé Robledo"])
    assert not contains_answer("Zoé", ["Zoé Robledo"])
    assert relevant_ranks(
        ["nada", "660 Hospitales", "otra", "los 660 hospitales"], ["660 hospitales"]
    ) == [2, 4]


def test_ndcg_with_binary_relevance() -> None:
    assert ndcg([]) == 0.0
    assert ndcg([1]) == 1.0
    assert ndcg([1, 2]) == 1.0
    assert ndcg([3]) == pytest.approx(1 / math.log2(4))
    # Two relevant passages at 2 and 4; the ideal has them at 1 and 2.
    ideal = 1 + 1 / math.log2(3)
    assert ndcg([2, 4]) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal)
    assert ndcg([11]) == 0.0


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([float(v) for v in range(1, 101)], 95) == 95.0


def test_summary_of_hits_ranks_answers_and_citations() -> None:
    rows = [
        row(ranks=[1, 2]),
        row(ranks=[3], answer_correct=False),
        row(ranks=[], answer_correct=False, abstained=True, citations_valid=3),
        row(ranks=[5], answer_correct=False),
    ]
    summary = summarize(rows)
    assert (summary["hit@1"], summary["hit@3"], summary["hit@5"]) == (0.25, 0.5, 0.75)
    assert summary["mrr@10"] == round((1 + 1 / 3 + 1 / 5) / 4, 3)
    assert summary["ndcg@10"] == round((1 + 0.5 + 0 + 1 / math.log2(6)) / 4, 3)
    assert summary["answer_accuracy"] == 0.25
    assert summary["false_abstention"] == 0.25
    assert summary["citation_validity"] == round(15 / 16, 3)
    assert "abstention_recall" not in summary


def test_abstention_precision_and_recall() -> None:
    none = {"answerable": False, "ranks": [], "answer_correct": False}
    rows = [
        row(**none, abstained=True),
        row(**none, abstained=True),
        row(**none, abstained=False),
        row(abstained=True, answer_correct=False),
    ]
    summary = summarize(rows)
    assert summary["abstention_recall"] == round(2 / 3, 3)
    assert summary["abstention_precision"] == round(2 / 3, 3)
    # Nothing abstained: precision is undefined and left out, recall is 0.
    never = summarize([row(**none, abstained=False)])
    assert never["abstention_recall"] == 0.0
    assert "abstention_precision" not in never


def test_slices_by_language_and_mono_versus_cross_lingual() -> None:
    rows = [
        row(lang="es", latency_ms=10.0),
        row(lang="en", cross_lingual=True, ranks=[], latency_ms=30.0),
        row(lang="en", answerable=False, ranks=[], abstained=True, latency_ms=20.0),
    ]
    slices = by_slice(rows)
    assert list(slices) == ["overall", "es", "en", "monolingual", "cross_lingual"]
    assert slices["overall"]["questions"] == 3
    assert slices["overall"]["latency_p50_ms"] == 20.0
    assert (slices["es"]["hit@1"], slices["en"]["hit@1"]) == (1.0, 0.0)
    assert slices["en"]["abstention_recall"] == 1.0
    assert slices["monolingual"]["questions"] == 1
    assert slices["cross_lingual"]["hit@3"] == 0.0
    assert "cross_lingual" not in by_slice(rows[:1])


def test_values_compare_as_text_or_as_numbers() -> None:
    from docqa.eval.metrics import figure_recall, same_value, value_correct

    assert same_value("53.2 millones", "53.2 millones")
    assert same_value("11 mil 935", "11,935")
    assert same_value("Zoé Robledo", "Zoe Robledo")
    assert not same_value("669", "660")
    assert value_correct({"text": "669"}, ["660", "669"]) is True
    assert value_correct(None, ["669"]) is False
    assert value_correct({"text": "669"}, []) is None
    listed = [{"value": {"text": t}} for t in ("576", "669", "11 mil 935")]
    assert figure_recall(listed, ["576", "669", "692", "11,935"]) == 0.75
    assert figure_recall(listed, []) is None
