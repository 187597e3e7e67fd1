"""The passage ranking's signals, on a real FAISS build made with small fake embedders."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from docqa.eval.ablations import FUSED, presets
from docqa.index.base import IndexNotFoundError
from docqa.index.search import RankingParams, Searcher, ranking_signals
from docqa.index.signals import (
    BestSentence,
    Dense,
    Evidence,
    Hits,
    Lexical,
    RenderedLexical,
)
from index.fakes import WordHash, fake_embedders, fake_searcher


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return fake_searcher(tmp_path_factory.mktemp("fake") / "index")


def evidence(searcher: Searcher, question: str) -> Evidence:
    """The evidence of `question` as Searcher.search gathers it (no rendering)."""
    dense = searcher._dense_hits([question], searcher.chunk_count)
    lang = searcher._query(question).lang
    other = "en" if lang == "es" else "es"
    return Evidence(searcher.data, question, lang, other, "", dense, searcher.chunk_count)


def test_the_default_signals_and_their_weights() -> None:
    params = RankingParams(embedder_weights=(("a", 2.0),), dense_weight=0.5, translated_weight=3)
    signals = ranking_signals(params, ["a", "b"])
    assert [(type(s), s.name, s.weight) for s in signals] == [
        (Dense, "dense a", 1.0),
        (Dense, "dense b", 0.5),
        (Lexical, "bm25", params.bm25_weight),
        (RenderedLexical, "bm25 rendered", params.bm25_cross_weight),
        (BestSentence, "best sentence", params.sentence_weight),
    ]
    assert {s.rendering for s in signals if isinstance(s, Dense)} == {3}
    assert [s.finalist for s in signals] == [False, False, False, False, True]


def test_each_ablation_keeps_the_signals_and_zeroes_weights() -> None:
    for name, params in presets(["a", "b"]).items():
        weights = {s.name: s.weight for s in ranking_signals(params, ["a", "b"])}
        assert list(weights) == ["dense a", "dense b", "bm25", "bm25 rendered", "best sentence"]
        if name == "bm25 only":
            assert weights["dense a"] == weights["dense b"] == weights["best sentence"] == 0
        elif name == "a only":
            assert (weights["dense b"], weights["bm25"], weights["bm25 rendered"]) == (0, 0, 0)
        elif name == FUSED:
            assert all(weights.values())


def test_dense_adds_weighted_scores_and_its_rendering_at_its_share() -> None:
    hits = [
        {"a": Hits(np.zeros(2), np.array([3, 1]), np.array([1.0, -1.0]))},
        {"a": Hits(np.zeros(2), np.array([1, 7]), np.array([0.5, 2.0]))},
    ]
    found = Evidence(None, "q", "es", "en", "r", hits, 10)  # type: ignore[arg-type]
    scores = {1: 10.0}
    Dense("a", 2.0, 0.25).add(found, scores)
    assert scores == {1: 10.0 - 2.0 + 0.25, 3: 2.0, 7: 1.0}
    # At weight 0 a signal still proposes its rows: an ablation changes scores, not candidates.
    zero: dict[int, float] = {}
    Dense("a", 0.0, 1.0).add(found, zero)
    assert zero == {3: 0.0, 1: 0.0, 7: 0.0}


def test_lexical_signals_search_their_language_scaled_to_the_best(searcher: Searcher) -> None:
    question = "¿Cuántos hospitales rurales hay?"
    found = evidence(searcher, question)
    found.translated = "rural hospitals"
    own: dict[int, float] = {}
    Lexical("bm25", 2.0).add(found, own)
    rendered: dict[int, float] = {}
    RenderedLexical("bm25 rendered", 1.0).add(found, rendered)
    langs = {searcher.data.chunks[row][5] for row in rendered}
    assert langs == {1} and max(rendered.values()) == pytest.approx(1.0)
    text = {row: searcher.data.text(*searcher.data.chunks[row][:3]) for row in rendered}
    assert "rural hospital" in text[max(rendered, key=rendered.__getitem__)]
    # The question's own words ("hospitales") are searched in the Spanish chunks only.
    assert own and {searcher.data.chunks[row][5] for row in own} == {0}
    assert max(own.values()) == pytest.approx(2.0)


def test_best_sentence_adds_the_best_statement_of_each_finalist(searcher: Searcher) -> None:
    found = evidence(searcher, "rural hospitals")
    last = len(searcher.data.chunks) - 1
    first, stop = (int(x) for x in searcher.data.chunks[0][3:5])
    # Chunk 0's sentences scored 1, 2, ...; no sentence of the last chunk (another document).
    found.sentence_scores = {s: float(s - first + 1) for s in range(first, stop)}
    scores = {0: 1.0, last: 1.0}
    BestSentence("best sentence", 0.5).add(found, scores)
    assert scores == {0: 1.0 + 0.5 * (stop - first), last: 1.0}


def test_the_passage_sharing_the_question_words_ranks_first(searcher: Searcher) -> None:
    for question, source in (
        ("How many rural hospitals are in the network?", "hospitals.md"),
        ("¿Con qué recursos se financia el programa?", "notas/financiamiento.txt"),
        ("¿Es gratuita la vacunación infantil?", "salud.txt"),
    ):
        result = searcher.search(question, 3)
        assert result.passages[0].citation.doc_id == source, question
        for passage in result.passages:
            doc = next(d for d in searcher.data.documents if d.doc_id == passage.citation.doc_id)
            assert doc.text[passage.citation.start : passage.citation.end] == passage.text


def test_with_params_ranks_with_other_weights_and_leaves_the_searcher_as_it_was(
    searcher: Searcher,
) -> None:
    question = "How many rural hospitals are in the network?"
    before = searcher.search(question, 3).passages
    bm25 = searcher.with_params(presets(["hash-a", "hash-b"])["bm25 only"])
    assert bm25.data is searcher.data and bm25.embedders == searcher.embedders
    assert [p.score for p in bm25.search(question, 3).passages] != [p.score for p in before]
    assert searcher.search(question, 3).passages == before
    assert searcher.params == RankingParams()


def test_a_searcher_refuses_embedders_other_than_the_builds(searcher: Searcher) -> None:
    other = [WordHash("hash-a", 32), fake_embedders()[1]]
    with pytest.raises(IndexNotFoundError, match=r"word-hash:hash-a:64.*docqa ingest"):
        Searcher(searcher.data, other, searcher.settings)


def test_a_search_with_no_signal_weight_left_still_returns_passages(tmp_path: Path) -> None:
    off = replace(RankingParams(), dense_weight=0.0, bm25_weight=0.0, bm25_cross_weight=0.0)
    searcher = fake_searcher(tmp_path / "index", params=replace(off, sentence_weight=0.0))
    result = searcher.search("rural hospitals", 2)
    assert len(result.passages) == 2 and {p.score for p in result.passages} == {0.0}
