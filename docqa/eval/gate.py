"""The quality gate: absolute thresholds, and no headline metric far below a baseline report."""

import json
from enum import StrEnum
from pathlib import Path

from docqa.eval.metrics import FAILURE_DEPTH


class GateMode(StrEnum):
    """What makes `docqa eval` exit 1."""

    # The absolute thresholds, and the baseline when one is given.
    ALL = "all"
    # Only a regression against the baseline: what CI runs until the thresholds are met.
    BASELINE = "baseline"
    # Nothing: a report only.
    NONE = "none"


# The quality bar of the foundation issue, as (slice, metric): minimum.
THRESHOLDS = {
    ("overall", "hit@3"): 0.95,
    ("cross_lingual", "hit@3"): 0.90,
    ("overall", "hit@1"): 0.80,
    ("overall", "abstention_recall"): 0.80,
    ("overall", "answer_accuracy"): 0.75,
    ("overall", "value_accuracy"): 0.65,
    ("overall", "figure_recall"): 0.80,
}
# Compared with the baseline; latency is left out, it depends on the machine and its load.
HEADLINE = (
    ("overall", "hit@1"),
    ("overall", "hit@3"),
    ("overall", "mrr@10"),
    ("overall", "ndcg@10"),
    ("overall", "answer_accuracy"),
    ("overall", "value_accuracy"),
    ("overall", "figure_recall"),
    ("overall", "citation_validity"),
    ("overall", "abstention_recall"),
    ("overall", "abstention_precision"),
    ("cross_lingual", "hit@3"),
)
# How far below the baseline a headline metric may fall.
TOLERANCE = 0.02
# Metrics are rounded to 3 decimals: a drop of exactly TOLERANCE must not fail on float noise.
_EPSILON = 1e-9


class BaselineError(ValueError):
    """A baseline that cannot be read or compared with this run; the message says why."""


def _metric(report: dict, slice_name: str, metric: str) -> float | None:
    value = report["metrics"].get(slice_name, {}).get(metric)
    return float(value) if isinstance(value, int | float) else None


def load_baseline(path: Path) -> dict:
    """A report.json of `docqa eval` to compare runs with."""
    try:
        report = json.loads(path.read_text("utf-8"))
    except OSError as error:
        raise BaselineError(f"cannot read baseline {path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"baseline {path} is not JSON: {error}") from None
    shaped = (
        isinstance(report, dict)
        and isinstance(report.get("metrics"), dict)
        and all(isinstance(s, dict) for s in report["metrics"].values())
        and isinstance(report.get("set"), dict)
        and "fingerprint" in report["set"]
        and isinstance(report.get("rows"), list)
    )
    if not shaped:
        raise BaselineError(f"baseline {path} is not a report.json written by `docqa eval --out`")
    return report


def check_comparable(baseline: dict, fingerprint: str, k: int, path: Path) -> None:
    """Refuse a baseline measured on another question set or with another k."""
    if baseline["set"]["fingerprint"] != fingerprint:
        raise BaselineError(
            f"baseline {path} was measured on a different question set "
            f"({baseline['set'].get('name')}, fingerprint {baseline['set']['fingerprint']}, "
            f"this set has {fingerprint}): regenerate it with `make baseline`"
        )
    if baseline.get("k") != k:
        raise BaselineError(f"baseline {path} was measured with k={baseline.get('k')}, not {k}")


def below_thresholds(report: dict) -> list[str]:
    failed = []
    for (slice_name, metric), bar in THRESHOLDS.items():
        value = _metric(report, slice_name, metric)
        if value is not None and value < bar:
            failed.append(f"{slice_name} {metric} {value:.3f} < threshold {bar}")
    return failed


def regressions(report: dict, baseline: dict) -> list[str]:
    failed = []
    for slice_name, metric in HEADLINE:
        before = _metric(baseline, slice_name, metric)
        if before is None:
            continue
        now = _metric(report, slice_name, metric)
        if now is None:
            failed.append(f"{slice_name} {metric} is no longer measured (baseline {before:.3f})")
        elif before - now > TOLERANCE + _EPSILON:
            failed.append(f"{slice_name} {metric} {now:.3f} < baseline {before:.3f} - {TOLERANCE}")
    return failed


def _found(rows: list) -> set[str]:
    """Ids of the questions with an answer in the top FAILURE_DEPTH passages."""
    return {
        row["id"]
        for row in rows
        if isinstance(row, dict) and row.get("ranks") and row["ranks"][0] <= FAILURE_DEPTH
    }


def newly_missed(report: dict, baseline: dict) -> list[str]:
    """Questions found in the baseline's top passages and not in this run's: where to look."""
    return sorted(_found(baseline["rows"]) - _found(report["rows"]))


def judge(report: dict, mode: GateMode, baseline: dict | None) -> dict:
    """The gate's verdict on a report: what failed, and which questions newly went missing."""
    failed = below_thresholds(report) if mode is GateMode.ALL else []
    missed: list[str] = []
    if baseline is not None and mode is not GateMode.NONE:
        failed += regressions(report, baseline)
        missed = newly_missed(report, baseline)
    return {"mode": mode.value, "failed": failed, "newly_missed": missed}
