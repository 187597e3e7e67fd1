"""Ablation presets, applied to one loaded Searcher and given back afterwards."""

from dataclasses import replace

import pytest

from docqa.eval.ablations import FUSED, presets, ranking
from docqa.index.search import RankingParams, Searcher

QUESTION = "¿Quién es el director general del IMSS?"


def test_presets_switch_off_what_each_ablation_leaves_out() -> None:
    chosen = presets(["e5", "use"])
    assert list(chosen) == ["bm25 only", "e5 only", "use only", FUSED]
    assert chosen[FUSED] == RankingParams()
    bm25 = chosen["bm25 only"]
    assert (bm25.dense_weight, bm25.sentence_weight, bm25.translated_weight) == (0, 0, 0)
    assert bm25.bm25_weight > 0 and bm25.bm25_cross_weight > 0
    e5 = chosen["e5 only"]
    assert dict(e5.embedder_weights) == {"e5": 1.0, "use": 0.0}
    assert (e5.bm25_weight, e5.bm25_cross_weight) == (0, 0)
    assert e5.dense_weight > 0 and e5.sentence_weight > 0


def test_each_preset_ranks_differently_on_the_same_searcher(searcher: Searcher) -> None:
    own = searcher.params
    rankings = {}
    for name, params in presets([e.name for e in searcher.embedders]).items():
        with ranking(searcher, params):
            passages = searcher.search(QUESTION, 5).passages
        rankings[name] = [(p.citation.start, p.score) for p in passages]
    assert len(set(map(tuple, rankings.values()))) == len(rankings)
    assert searcher.params is own


def test_the_searcher_gets_its_parameters_back_after_an_error(searcher: Searcher) -> None:
    own = searcher.params
    with pytest.raises(RuntimeError), ranking(searcher, replace(own, bm25_weight=0.0)):
        assert searcher.params.bm25_weight == 0.0
        raise RuntimeError("stop")
    assert searcher.params is own
