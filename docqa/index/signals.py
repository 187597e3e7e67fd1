"""The passage ranking's signals: one small class each, added up with their weights.

A signal adds `weight × score` to the running total of each chunk row it scores. Proposing
signals (dense search per embedder, BM25 in either language) also bring the rows they find,
even at weight 0, so an ablation changes scores, not the candidates. Once the best
`candidates` rows are chosen, the finalist signals (the best sentence) score only those.
A new signal is one class here and one line in index.search.ranking_signals.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

import numpy as np

from docqa.index.base import IndexBuild
from docqa.model import CHUNK_FIRST, CHUNK_STOP


class Hits(NamedTuple):
    """One text's dense search with one embedder."""

    vector: np.ndarray
    rows: np.ndarray
    # Cosines less the hubness penalty, z-normalised over the hits.
    scores: np.ndarray


@dataclass
class Evidence:
    """What the signals of one search score from."""

    build: IndexBuild
    # The question and its language; its words rendered in the other language (index.lexicon).
    text: str
    lang: str
    other: str
    translated: str
    # Per text (the question, then its rendering when it is searched), per embedder.
    dense: list[dict[str, Hits]]
    candidates: int
    # Filled in before the finalist signals run: the fused scores of the candidates'
    # statements (Searcher._sentence_scores).
    sentence_scores: dict[int, float] = field(default_factory=dict)


def _add(scores: dict[int, float], rows: np.ndarray, values: np.ndarray, weight: float) -> None:
    for row, value in zip(rows.tolist(), values.tolist(), strict=True):
        scores[row] = scores.get(row, 0.0) + weight * value


class Signal(ABC):
    """One kind of evidence that a passage answers the question."""

    # Whether it scores only the finalists, after the proposing signals chose them.
    finalist: ClassVar[bool] = False

    def __init__(self, name: str, weight: float) -> None:
        self.name = name
        self.weight = weight

    @abstractmethod
    def add(self, evidence: Evidence, scores: dict[int, float]) -> None:
        """Add weight × this signal's score to `scores`, per chunk row."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.weight})"


class Dense(Signal):
    """One embedder's similarity of each passage to the question (less its hubness), and, at
    `rendering` times the weight, to the question rendered in the other language, where the
    embedder compares within one language, which it does far better than across two."""

    def __init__(self, embedder: str, weight: float, rendering: float) -> None:
        super().__init__(f"dense {embedder}", weight)
        self.embedder = embedder
        self.rendering = rendering

    def add(self, evidence: Evidence, scores: dict[int, float]) -> None:
        found = [hits[self.embedder] for hits in evidence.dense]
        for hit, weight in zip(found, (self.weight, self.weight * self.rendering), strict=False):
            _add(scores, hit.rows, hit.scores, weight)


class Lexical(Signal):
    """BM25 of the question in its own language, scaled to the best hit."""

    def texts(self, evidence: Evidence) -> tuple[str, str]:
        """The language searched, and the text searched there."""
        return evidence.lang, evidence.text

    def add(self, evidence: Evidence, scores: dict[int, float]) -> None:
        lang, text = self.texts(evidence)
        rows, found = evidence.build.lexical_search(lang, text, evidence.candidates)
        if len(found):
            _add(scores, rows, found / found.max(), self.weight)


class RenderedLexical(Lexical):
    """BM25 of the question's words rendered in the other language, over that language."""

    def texts(self, evidence: Evidence) -> tuple[str, str]:
        return evidence.other, evidence.translated


class BestSentence(Signal):
    """A finalist passage's best statement (Searcher._sentence_scores), 0 when it has none."""

    finalist = True

    def add(self, evidence: Evidence, scores: dict[int, float]) -> None:
        chunks, sentences = evidence.build.chunks, evidence.sentence_scores
        for row in scores:
            first, stop = chunks[row][[CHUNK_FIRST, CHUNK_STOP]]
            best = max((sentences[s] for s in range(first, stop) if s in sentences), default=0.0)
            scores[row] = scores[row] + self.weight * best
