"""Reports of eval runs: metric tables, report.json, report.md with charts and failures."""

import json
from pathlib import Path

from docqa.eval import charts
from docqa.eval.metrics import FAILURE_DEPTH, SLICE_LABELS

# (column header, slice metric) of the metrics table.
METRIC_COLUMNS = (
    ("questions", "questions"),
    ("hit@1", "hit@1"),
    ("hit@3", "hit@3"),
    ("hit@5", "hit@5"),
    ("MRR@10", "mrr@10"),
    ("nDCG@10", "ndcg@10"),
    ("answer acc.", "answer_accuracy"),
    ("value acc.", "value_accuracy"),
    ("figure recall", "figure_recall"),
    ("citations", "citation_validity"),
    ("abst. recall", "abstention_recall"),
    ("abst. precision", "abstention_precision"),
    ("p50 ms", "latency_p50_ms"),
    ("p95 ms", "latency_p95_ms"),
)
# (column header, slice, metric) of the ablation table.
COMPARE_COLUMNS = (
    ("hit@1", "overall", "hit@1"),
    ("hit@3", "overall", "hit@3"),
    ("hit@5", "overall", "hit@5"),
    ("MRR@10", "overall", "mrr@10"),
    ("nDCG@10", "overall", "ndcg@10"),
    ("answer acc.", "overall", "answer_accuracy"),
    ("value acc.", "overall", "value_accuracy"),
    ("figure recall", "overall", "figure_recall"),
    ("abst. recall", "overall", "abstention_recall"),
    ("hit@3 es", "es", "hit@3"),
    ("hit@3 en", "en", "hit@3"),
    ("hit@3 cross", "cross_lingual", "hit@3"),
    ("p50 ms", "overall", "latency_p50_ms"),
)
DEFINITIONS = f"""\
- hit@k: one of the top k passages contains an acceptable answer (case- and accent-insensitive).
- MRR@10: mean of 1/rank of the first such passage. nDCG@10: binary relevance (a passage is
  relevant when it contains an acceptable answer), ideal = the returned relevant passages first.
- answer acc.: the answer sentence contains an acceptable answer.
- value acc.: over questions with gold values, the answer's value holds one (numbers compare as
  numbers). figure recall: over questions whose sources disagree, the share of the corpus's
  distinct figures that the answer's figures list.
- asks for: X: the questions whose expected answer type (docqa.answer.question) is X.
- citations: share of cited spans (passages and answers) whose offsets give back their text.
- abst. recall: unanswerable questions answered with null; abst. precision: null answers that
  were to unanswerable questions.
- monolingual / cross-lingual: answerable questions whose answer is in the question's language /
  only in the other language. A failure is a question with no answer in its top {FAILURE_DEPTH}
  passages, an answer to an unanswerable question, or an invalid citation.
"""


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1 else f"{value:.1f}"
    return str(value)


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table, padded so that it also reads well on a terminal."""
    cells = [headers, *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def metrics_table(report: dict) -> str:
    rows = [
        [SLICE_LABELS[name], *(summary.get(key) for _, key in METRIC_COLUMNS)]
        for name, summary in report["metrics"].items()
    ]
    return table(["slice", *(header for header, _ in METRIC_COLUMNS)], rows)


def compare_table(reports: dict[str, dict]) -> str:
    rows = [
        [name, *(r["metrics"].get(s, {}).get(m) for _, s, m in COMPARE_COLUMNS)]
        for name, r in reports.items()
    ]
    return table(["ranking", *(header for header, _, _ in COMPARE_COLUMNS)], rows)


def gate_lines(verdict: dict) -> list[str]:
    if verdict["mode"] == "none":
        return ["gate: off (--gate none)"]
    lines = [f"gate ({verdict['mode']}): " + ("FAILED" if verdict["failed"] else "passed")]
    lines += [f"  - {failure}" for failure in verdict["failed"]]
    if verdict["newly_missed"]:
        lines.append(
            f"  not in the top {FAILURE_DEPTH} any more: " + ", ".join(verdict["newly_missed"])
        )
    return lines


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _failure_markdown(failure: dict) -> list[str]:
    if failure["answers"]:
        where = "no passage" if failure["rank"] is None else f"first at rank {failure['rank']}"
        why = f"not in the top {FAILURE_DEPTH} ({where})"
        expected = " / ".join(f"`{a}`" for a in failure["answers"])
        expected += f" in `{failure['doc_id']}`" if failure["doc_id"] else ""
    else:
        why, expected = "answered, should abstain", "no answer (null)"
    if failure["invalid_citations"]:
        why += f"; {failure['invalid_citations']} invalid citation(s)"
    cross = ", cross-lingual" if failure["cross_lingual"] else ""
    answer = f"“{_one_line(failure['answer'])}”" if failure["answer"] else "null"
    lines = [
        f"### {failure['id']} ({failure['lang']}, {failure['kind']}{cross}): {why}",
        "",
        f"> {failure['question']}",
        "",
        f"- expected: {expected}",
        f"- answer: {answer}",
        "",
    ]
    for rank, p in enumerate(failure["passages"], 1):
        lines.append(
            f"{rank}. `{p['doc_id']}` chars {p['start']}-{p['end']}, score {p['score']}: "
            f"{_one_line(p['text'])}"
        )
    return [*lines, ""]


def markdown(report: dict, chart_files: list[str]) -> str:
    s = report["set"]
    ranking = f", ranking {report['ranking']}" if "ranking" in report else ""
    lines = [
        f"# docqa eval: {s['name']}",
        "",
        f"{s['questions']} questions (set {s['fingerprint']}), target {report['target']}, "
        f"index {report['index_version']}, k={report['k']}{ranking}, {report['created']}.",
        "",
        "## Metrics",
        "",
        metrics_table(report),
        "",
        DEFINITIONS,
    ]
    if "gate" in report:
        lines += ["## Gate", "", *gate_lines(report["gate"]), ""]
    lines += ["## Charts", ""]
    lines += [f"![{name}]({name})" for name in chart_files]
    lines += ["", f"## Failures ({len(report['failures'])})", ""]
    for failure in report["failures"]:
        lines += _failure_markdown(failure)
    return "\n".join(lines)


def write(report: dict, out_dir: Path) -> Path:
    """report.json, the charts and report.md in `out_dir`; the path of report.md."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    chart_files = charts.draw(report, out_dir)
    path = out_dir / "report.md"
    path.write_text(markdown(report, chart_files), "utf-8")
    return path


def write_compare(reports: dict[str, dict], out_dir: Path) -> Path:
    """compare.json (every preset's metrics and parameters) and compare.md; compare.md's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = {
        name: {"params": r["params"], "metrics": r["metrics"]} for name, r in reports.items()
    }
    (out_dir / "compare.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    path = out_dir / "compare.md"
    path.write_text(f"# docqa eval --compare\n\n{compare_table(reports)}\n", "utf-8")
    return path
