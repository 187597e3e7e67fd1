"""Ablation presets, each ranked by a Searcher of its own over one loaded build."""

from docqa.eval.ablations import FUSED, presets
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


def test_each_preset_ranks_differently_over_the_same_build(searcher: Searcher) -> None:
    own = searcher.params
    rankings = {}
    for name, params in presets([e.name for e in searcher.embedders]).items():
        ranked = searcher.with_params(params)
        assert (ranked.data, ranked.embedders, ranked.params) == (
            searcher.data,
            searcher.embedders,
            params,
        )
        rankings[name] = [(p.citation.start, p.score) for p in ranked.search(QUESTION, 5).passages]
    assert len(set(map(tuple, rankings.values()))) == len(rankings)
    # The shared searcher is never changed: another request may be using it.
    assert searcher.params is own
    assert rankings[FUSED] == [
        (p.citation.start, p.score) for p in searcher.search(QUESTION, 5).passages
    ]
