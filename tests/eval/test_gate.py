"""The gate: thresholds, the 0.02 tolerance against a baseline, and baselines it refuses."""

import copy
import json
from pathlib import Path

import pytest
from conftest import REPO

from docqa.eval.dataset import default_set, fingerprint, load_questions
from docqa.eval.gate import (
    HEADLINE,
    THRESHOLDS,
    TOLERANCE,
    BaselineError,
    GateMode,
    check_comparable,
    judge,
    load_baseline,
)

BASELINE = REPO / "docqa" / "eval" / "baseline.json"


def report(**overall: float) -> dict:
    """A report whose every threshold is met, with `overall` metrics overridden."""
    metrics = {
        "overall": {
            "hit@1": 0.9,
            "hit@3": 0.97,
            "mrr@10": 0.93,
            "ndcg@10": 0.94,
            "answer_accuracy": 0.8,
            "value_accuracy": 0.7,
            "figure_recall": 0.85,
            "citation_validity": 1.0,
            "abstention_recall": 0.9,
            "abstention_precision": 0.8,
        }
        | overall,
        "cross_lingual": {"hit@3": 0.92},
    }
    rows = [{"id": "a", "ranks": [1]}, {"id": "b", "ranks": [2]}, {"id": "c", "ranks": []}]
    return {"metrics": metrics, "rows": rows, "set": {"fingerprint": "f"}, "k": 10}


def test_thresholds_of_the_foundation_issue() -> None:
    assert judge(report(), GateMode.ALL, None)["failed"] == []
    failed = judge(report(**{"hit@1": 0.79}), GateMode.ALL, None)["failed"]
    assert failed == ["overall hit@1 0.790 < threshold 0.8"]
    assert set(THRESHOLDS) <= set(HEADLINE)


@pytest.mark.parametrize(
    ("drop", "fails"), [(0.0, False), (TOLERANCE, False), (TOLERANCE + 0.001, True)]
)
def test_a_headline_metric_may_fall_by_the_tolerance_only(drop: float, fails: bool) -> None:
    baseline = report(**{"ndcg@10": 0.5})
    now = report(**{"ndcg@10": round(0.5 - drop, 3)})
    failed = judge(now, GateMode.BASELINE, baseline)["failed"]
    assert bool(failed) is fails
    assert all(line.startswith("overall ndcg@10") for line in failed)


def test_baseline_mode_ignores_thresholds_and_names_newly_missed_questions() -> None:
    baseline = report(**{"hit@1": 0.3})
    now = copy.deepcopy(baseline)
    now["rows"][1]["ranks"] = [4]
    verdict = judge(now, GateMode.BASELINE, baseline)
    assert verdict["failed"] == [] and verdict["newly_missed"] == ["b"]
    assert judge(now, GateMode.ALL, baseline)["failed"] == ["overall hit@1 0.300 < threshold 0.8"]
    assert judge(report(**{"hit@1": 0.0}), GateMode.NONE, baseline)["failed"] == []


def test_a_metric_the_baseline_had_and_the_run_lost_fails() -> None:
    now = report()
    del now["metrics"]["overall"]["abstention_precision"]
    failed = judge(now, GateMode.BASELINE, report())["failed"]
    assert failed == ["overall abstention_precision is no longer measured (baseline 0.800)"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read baseline"),
        (b"{oops", "is not JSON"),
        (b"\xff\xfe", "is not JSON"),
        (json.dumps({"metrics": {}}).encode(), "not a report.json"),
        (json.dumps([1, 2]).encode(), "not a report.json"),
    ],
)
def test_unreadable_baselines_are_refused(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BaselineError, match=message):
        load_baseline(path)


def test_a_baseline_of_another_set_or_k_is_refused(tmp_path: Path) -> None:
    baseline = report()
    with pytest.raises(BaselineError, match="different question set"):
        check_comparable(baseline, "other", 10, tmp_path)
    with pytest.raises(BaselineError, match="k=10, not 20"):
        check_comparable(baseline, "f", 20, tmp_path)
    check_comparable(baseline, "f", 10, tmp_path)


def test_the_committed_baseline_is_a_report_of_the_current_dev_set() -> None:
    """Editing the dev set without `make baseline` would leave CI's gate comparing two sets."""
    baseline = load_baseline(BASELINE)
    check_comparable(baseline, fingerprint(load_questions(default_set())), 10, BASELINE)
    assert {name for name, _ in HEADLINE} <= set(baseline["metrics"])
