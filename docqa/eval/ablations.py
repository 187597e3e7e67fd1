"""Ablation presets: BM25 only, each dense embedder alone, and the fused default, side by side."""

from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

from docqa.eval.dataset import Question
from docqa.eval.runner import Progress, run
from docqa.eval.targets import SearcherTarget
from docqa.index.search import RankingParams

FUSED = "fused (default)"


def presets(embedders: Sequence[str]) -> dict[str, RankingParams]:
    """Ranking parameters of each ablation, by name, for a Searcher with these embedders.

    Sentence scores and the dense search with the translated question are dense scores too:
    BM25 only turns them off with the dense weight. An embedder alone keeps them, from that
    embedder only. The answer's confidence (abstention) is measured by every loaded embedder in
    every preset: the weights rank passages, they do not change the raw cosines.
    """
    fused = RankingParams()
    out = {
        "bm25 only": replace(fused, dense_weight=0.0, sentence_weight=0.0, translated_weight=0.0)
    }
    for name in embedders:
        out[f"{name} only"] = replace(
            fused,
            embedder_weights=tuple((other, float(other == name)) for other in embedders),
            bm25_weight=0.0,
            bm25_cross_weight=0.0,
        )
    out[FUSED] = fused
    return out


def compare(
    target: SearcherTarget,
    questions: list[Question],
    k: int,
    *,
    set_path: Path,
    progress_for: Callable[[str], Progress],
) -> dict[str, dict]:
    """One report per preset, by preset name: each from a Searcher of its own over the same
    loaded build and models (Searcher.with_params), so no searcher is changed under another."""
    reports = {}
    embedders = [embedder.name for embedder in target.searcher.embedders]
    for name, params in presets(embedders).items():
        ranked = SearcherTarget(target.searcher.with_params(params), target.settings, target.name)
        report = run(ranked, questions, k, set_path=set_path, progress=progress_for(name))
        reports[name] = {"ranking": name, "params": asdict(params), **report}
    return reports
