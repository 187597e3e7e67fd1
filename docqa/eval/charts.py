"""PNG charts of a report: hit@k by question language, and the latency distribution."""

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from docqa.eval.metrics import HIT_KS, SLICE_LABELS

HIT_CHART = "hit_at_k.png"
LATENCY_CHART = "latency.png"


def _figure() -> Figure:
    # Agg, without pyplot: no display is needed and no global figure state is kept.
    figure = Figure(figsize=(7, 4), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def hit_at_k(report: dict, path: Path) -> None:
    slices = {
        label: report["metrics"][name]
        for name, label in SLICE_LABELS.items()
        if "hit@1" in report["metrics"].get(name, {})
    }
    figure = _figure()
    axes = figure.add_subplot()
    width = 0.8 / len(HIT_KS)
    positions = np.arange(len(slices))
    for i, k in enumerate(HIT_KS):
        values = [summary[f"hit@{k}"] for summary in slices.values()]
        bars = axes.bar(
            positions + (i - (len(HIT_KS) - 1) / 2) * width, values, width, label=f"hit@{k}"
        )
        axes.bar_label(bars, fmt="%.2f", fontsize=7)
    # One word a line: the longer slice names would run into each other.
    axes.set_xticks(positions, [label.replace(" ", "\n") for label in slices])
    axes.set_ylim(0, 1.2)
    axes.set_ylabel("share of answerable questions")
    axes.set_title(f"hit@k by question language: {report['set']['name']}")
    axes.legend(loc="upper center", ncols=len(HIT_KS))
    figure.savefig(path)


def latency(report: dict, path: Path) -> None:
    values = [row["latency_ms"] for row in report["rows"]]
    overall = report["metrics"]["overall"]
    figure = _figure()
    axes = figure.add_subplot()
    axes.hist(values, bins=min(30, max(5, len(values) // 4)), color="tab:blue", alpha=0.8)
    for key, style in (("latency_p50_ms", "--"), ("latency_p95_ms", ":")):
        label = f"{key.split('_')[1]} {overall[key]:.1f} ms"
        axes.axvline(overall[key], color="black", linestyle=style, label=label)
    axes.set_xlabel("latency per question (ms)")
    axes.set_ylabel("questions")
    axes.set_title(f"latency distribution: {report['target']}")
    axes.legend()
    figure.savefig(path)


def draw(report: dict, out_dir: Path) -> list[str]:
    """Both charts in `out_dir`; their file names, the hit@k chart only when it has data."""
    names = []
    if any("hit@1" in summary for summary in report["metrics"].values()):
        hit_at_k(report, out_dir / HIT_CHART)
        names.append(HIT_CHART)
    latency(report, out_dir / LATENCY_CHART)
    names.append(LATENCY_CHART)
    return names
