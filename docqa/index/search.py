"""Hybrid search over one loaded build: fused dense + BM25 ranking, dedup, answer sentence."""

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from docqa.answer.figures import FoundFigure, asks_figures, disagreeing_figures
from docqa.answer.focus import Focus, numbers, terms
from docqa.answer.question import analyze
from docqa.answer.selection import AnswerSelector, AnswerWeights, Candidate, Choice, Terms
from docqa.answer.succession import listing
from docqa.answer.values import Value
from docqa.blas import blas_threads
from docqa.config import Settings
from docqa.embed.base import Embedder
from docqa.embed.registry import get_embedder
from docqa.index.base import IndexBuild, IndexNotFoundError, create_backend
from docqa.index.lexicon import content_words, lexicon_embedder
from docqa.index.results import (
    Answer,
    Citation,
    Figure,
    FigureDate,
    Passage,
    SearchResult,
    ValueSpan,
)
from docqa.index.signals import (
    BestSentence,
    Dense,
    Evidence,
    Hits,
    Lexical,
    RenderedLexical,
    Signal,
)
from docqa.model import CHUNK_END, CHUNK_FIRST, CHUNK_LANG, CHUNK_STOP, LANGS, SENT_DOC
from docqa.text.language import detect_language
from docqa.text.normalize import fold


@dataclass(frozen=True)
class RankingParams:
    """How the retrievers' scores are combined; every field is judged by `docqa eval`."""

    dense_weight: float = 1.0
    # Dense search also with the question rendered in the other language (index.lexicon): each
    # embedder then compares within one language, where it is far stronger than across two.
    translated_weight: float = 1.0
    # How much of a chunk's hubness (index.hubness) is subtracted from its cosine.
    hub_penalty: float = 0.5
    # Relative trust in each embedder by name; USE carries meaning across languages best.
    embedder_weights: tuple[tuple[str, float], ...] = (("e5", 1.0), ("use", 1.0))
    bm25_weight: float = 0.5
    # BM25 of the question's words mapped into the other language (see index.lexicon).
    bm25_cross_weight: float = 1.0
    sentence_weight: float = 1.0
    # Two passages this similar (cosine) say the same thing: only the better one is shown.
    duplicate_cosine: float = 0.93
    # The answer is withheld when its confidence (Searcher.confidence) is below this, or when
    # the top passage's coverage of the question's specific words (Lexicon.coverage) is.
    min_confidence: float = 0.50
    min_coverage: float = 0.60
    # The answer sentence is chosen among the statements of this many of the shown passages.
    answer_passages: int = 5
    answer_weights: AnswerWeights = field(default_factory=AnswerWeights)
    # Figures that disagree are gathered from the statements of this many best passages.
    figure_passages: int = 30
    # The focus is also matched by up to this many words of the other language's vocabulary at
    # least this similar (USE word vectors): "workforce" counts "trabajadores" and "personal".
    focus_neighbours: int = 5
    focus_similarity: float = 0.7


def ranking_signals(params: RankingParams, embedders: Sequence[str]) -> list[Signal]:
    """The signals of the passage ranking, in the order their scores are added up."""
    weights = dict(params.embedder_weights)
    return [
        *(
            Dense(name, params.dense_weight * weights.get(name, 1.0), params.translated_weight)
            for name in embedders
        ),
        Lexical("bm25", params.bm25_weight),
        RenderedLexical("bm25 rendered", params.bm25_cross_weight),
        BestSentence("best sentence", params.sentence_weight),
    ]


# An answer sentence shorter than this is a heading or a fragment, not a statement.
MIN_ANSWER_WORDS = 5


@dataclass
class _Query:
    """A question as the searcher uses it: its language, its words, and their rendering."""

    text: str
    lang: str
    words: list[str]
    # The lexicon embedder's vectors of `words`.
    word_vectors: np.ndarray
    # Each word as the other language's vocabulary writes it, or None (Lexicon.render).
    rendered: list[str | None]
    # The words rendered in the other language, as one text (Lexicon.translate).
    translated: str
    # Per embedder: the vectors of the question and of its rendering.
    vectors: dict[str, np.ndarray] = field(default_factory=dict)


class _Shown(NamedTuple):
    """A passage to show: its chunk row and the sentences of it not already shown above."""

    row: int
    first: int
    stop: int


def _other_language(lang: str) -> str:
    return next(x for x in LANGS if x != lang)


def _is_statement(text: str) -> bool:
    """Questions and headings in the corpus match questions well but answer nothing."""
    return not text.endswith("?") and len(text.split()) >= MIN_ANSWER_WORDS


def _zscores(scores: np.ndarray) -> np.ndarray:
    if len(scores) < 2:
        return np.zeros_like(scores)
    std = float(scores.std())
    return (scores - scores.mean()) / (std if std > 1e-6 else 1.0)


class Searcher:
    """Answers questions from one immutable index build; safe to share between threads."""

    def __init__(
        self,
        build: IndexBuild,
        embedders: Sequence[Embedder],
        settings: Settings,
        params: RankingParams | None = None,
    ) -> None:
        """A searcher over `build` with `embedders`, the models it was built with, in the
        order of its manifest (Searcher.open loads them; tests may give small fakes)."""
        self.settings = settings
        self.params = params or RankingParams()
        self.data = build
        self.version = build.version
        self.embedders = list(embedders)
        # The passage ranking, made from `params` (see index.signals).
        self.signals = ranking_signals(self.params, [e.name for e in self.embedders])
        for embedder, recorded in zip(self.embedders, build.manifest.embedders, strict=True):
            if embedder.model_id != recorded.model_id:
                raise IndexNotFoundError(
                    f"the index was built with {recorded.model_id}, this process loads "
                    f"{embedder.model_id}: run `docqa ingest` to rebuild it"
                )
        self.lexicon_embedder = lexicon_embedder(self.embedders)
        # A search that runs alone uses a second thread (see _search); one beside others does
        # not, since their threads already hold the cores.
        self._background = ThreadPoolExecutor(1, thread_name_prefix="docqa-search")
        self._lock = threading.Lock()
        self._running = 0

    @classmethod
    def open(
        cls, settings: Settings, index_dir: Path | None = None, params: RankingParams | None = None
    ) -> "Searcher":
        """The current build of the configured backend (index.base.create_backend), with the
        embedders it was built with."""
        build = create_backend(settings, index_dir).open()
        embedders = [get_embedder(e.name, settings) for e in build.manifest.embedders]
        return cls(build, embedders, settings, params)

    def with_params(self, params: RankingParams) -> "Searcher":
        """Another searcher over the same build and embedders, ranking with `params`."""
        return Searcher(self.data, self.embedders, self.settings, params)

    @property
    def chunk_count(self) -> int:
        return len(self.data.chunks)

    def _citation(self, doc_index: int, start: int, end: int) -> Citation:
        doc = self.data.documents[doc_index]
        return Citation(doc.doc_id, doc.title, doc.source, doc.page_at(start), int(start), int(end))

    def _text(self, doc_index: int, start: int, end: int) -> str:
        return self.data.documents[doc_index].text[start:end]

    def _passage(self, shown: _Shown, score: float) -> Passage:
        doc, start, end, first, stop = self.data.chunks[shown.row][: CHUNK_STOP + 1]
        # A window that overlaps one shown above starts (or ends) where the overlap does.
        if shown.first != first:
            start = self.data.sentences[shown.first][1]
        if shown.stop != stop:
            end = self.data.sentences[shown.stop - 1][2]
        text = self._text(doc, start, end)
        return Passage(text, round(float(score), 4), self._citation(doc, start, end))

    def _query(self, question: str) -> _Query:
        lexicon = self.data.lexicon
        lang = detect_language(question, lexicon.folded)
        words = content_words(question, lang)
        word_vectors = lexicon.word_vectors(words, self.lexicon_embedder)
        rendered = lexicon.render(words, word_vectors, _other_language(lang))
        translated = lexicon.translate(words, rendered, _other_language(lang))
        return _Query(question, lang, words, word_vectors, rendered, translated)

    def _dense_hits(self, texts: list[str], candidates: int) -> list[dict[str, Hits]]:
        """Per text, per embedder: the text's vector, and the chunks nearest to it with their
        scores. Each embedder encodes the texts in one call."""
        if not texts:
            return []
        p = self.params
        hits: list[dict[str, Hits]] = [{} for _ in texts]
        for embedder in self.embedders:
            for found, vector in zip(hits, embedder.encode_queries(texts), strict=True):
                rows, cosines = self.data.dense_search(embedder.name, vector, candidates)
                hub = self.data.hubness(embedder.name, rows)
                adjusted = _zscores(cosines - p.hub_penalty * hub)
                found[embedder.name] = Hits(vector, rows, adjusted)
        return hits

    def _chunk_scores(self, evidence: Evidence) -> dict[int, float]:
        """The chunks the proposing signals bring, with their fused scores."""
        scores: dict[int, float] = {}
        for signal in self.signals:
            if not signal.finalist:
                signal.add(evidence, scores)
        return scores

    def _sentence_scores(self, query: _Query, rows: list[int], keep: int) -> dict[int, float]:
        """Fused scores of the statements of the candidate chunks that each embedder likes best.

        Only the candidates' sentences are scored, so no index over every sentence is needed.
        """
        if not rows:
            return {}
        p = self.params
        weights = dict(p.embedder_weights)
        spans = self.data.chunks[rows][:, [CHUNK_FIRST, CHUNK_STOP]]
        # Sorted, so the reads from the mapped vectors go forward through the file.
        sentences = np.unique(np.concatenate([np.arange(a, b) for a, b in spans.tolist()]))
        sentences = self._statements(sentences)
        if not len(sentences):
            return {}
        scores: dict[int, float] = {}
        for embedder in self.embedders:
            weight = p.dense_weight * weights.get(embedder.name, 1.0)
            vectors = self.data.sentence_vectors(embedder.name, sentences)
            cosines = vectors @ query.vectors[embedder.name][0]
            best = np.argsort(-cosines, kind="stable")[:keep]
            for row, z in zip(
                sentences[best].tolist(), _zscores(cosines[best]).tolist(), strict=True
            ):
                scores[row] = scores.get(row, 0.0) + weight * z
        return scores

    def search(self, question: str, k: int) -> SearchResult:
        with self._lock:
            self._running += 1
            alone = self._running == 1
        try:
            # A question's products are too small to split over cores: a second BLAS thread
            # only waits for one, and with other requests running that doubles a search's time.
            with blas_threads(1):
                return self._search(question, k, alone)
        finally:
            with self._lock:
                self._running -= 1

    def _search(self, question: str, k: int, alone: bool) -> SearchResult:
        started = time.perf_counter()
        question = question.strip()
        p = self.params
        candidates = min(self.settings.candidates, self.chunk_count)

        def rendering(query: _Query) -> list[str]:
            return [query.translated] if query.translated and p.translated_weight else []

        if alone:
            # A core is free: the question's vectors and dense hits, which need neither its
            # language nor its rendering, are found there while this thread finds those and
            # encodes the rendering (e5 takes ~21 ms of one core a text, 37 for two in one call).
            own = self._background.submit(self._dense_hits, [question], candidates)
            query = self._query(question)
            rendered = self._dense_hits(rendering(query), candidates)
            dense = own.result() + rendered
        else:
            # Other searches hold the cores: one call for both texts costs e5 less work.
            query = self._query(question)
            dense = self._dense_hits([question, *rendering(query)], candidates)
        for embedder in self.embedders:
            query.vectors[embedder.name] = np.stack([hits[embedder.name].vector for hits in dense])
        evidence = Evidence(
            self.data,
            query.text,
            query.lang,
            _other_language(query.lang),
            query.translated,
            dense,
            candidates,
        )
        chunk_scores = self._chunk_scores(evidence)
        # The retrievers together propose several times `candidates` passages (~570 at 10^6
        # chunks); only the best `candidates` go on, so that only their sentences are read.
        finalists = sorted(chunk_scores, key=chunk_scores.__getitem__, reverse=True)[:candidates]
        sentence_scores = self._sentence_scores(query, finalists, 2 * candidates)
        evidence.sentence_scores = sentence_scores
        total = {row: chunk_scores[row] for row in finalists}
        for signal in self.signals:
            if signal.finalist:
                signal.add(evidence, total)
        ranked = sorted(total, key=total.__getitem__, reverse=True)
        shown = self._distinct(ranked, k)
        passages = [self._passage(passage, total[passage.row]) for passage in shown]
        answer, figures = None, []
        terms = self._terms(query)
        statements = self._candidates(
            [(p.first, p.stop) for p in shown[: self.params.answer_passages]],
            sentence_scores,
            query,
        )
        selector = AnswerSelector(terms, self.params.answer_weights)
        choice = selector.choose(statements)
        # Where the passages as a whole look less like the question than answering needs, only
        # a sentence that states the asked-for value outright answers (Choice.direct).
        if (
            choice
            and not choice.direct
            and not self._answerable(shown, sentence_scores, query, choice)
        ):
            choice = selector.choose(statements, direct_only=True)
        if choice:
            answer = self._answer(choice)
            figures = self._figures(ranked, sentence_scores, terms)
        return SearchResult(
            question=query.text,
            language=query.lang,
            answer=answer,
            passages=passages,
            index_version=self.version,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            figures=figures,
        )

    def _distinct(self, ranked: list[int], k: int) -> list[_Shown]:
        """The best k passages, skipping any that repeats (near-)verbatim one already taken.

        Overlapping windows of one document share sentences: a later one shows only the
        sentences not shown above, and is skipped when none are left (or only a broken run).
        """
        first_embedder = self.embedders[0].name
        chosen: list[_Shown] = []
        taken: list[np.ndarray] = []
        shown: set[int] = set()
        # The vectors are read 2k rows at a time: most searches skip only a few.
        step = max(2 * k, 1)
        for start in range(0, len(ranked), step):
            if len(chosen) == k:
                break
            block = ranked[start : start + step]
            vectors = self.data.chunk_vectors(first_embedder, np.array(block))
            for row, vector in zip(block, vectors, strict=True):
                if len(chosen) == k:
                    break
                if (
                    taken
                    and float((np.stack(taken) @ vector).max()) >= self.params.duplicate_cosine
                ):
                    continue
                first, stop = self.data.chunks[row][[CHUNK_FIRST, CHUNK_STOP]].tolist()
                fresh = [s for s in range(first, stop) if s not in shown]
                if not fresh or len(fresh) != fresh[-1] - fresh[0] + 1:
                    continue
                chosen.append(_Shown(row, fresh[0], fresh[-1] + 1))
                taken.append(vector)
                shown.update(fresh)
        return chosen

    def _answerable(
        self,
        shown: list[_Shown],
        sentence_scores: dict[int, float],
        query: _Query,
        choice: Choice,
    ) -> bool:
        """Whether the evidence is strong enough to answer: the best statement of the top
        passage, or the chosen sentence, is close to the question, and its passage covers the
        question's words."""
        top = shown[0].row
        first, stop = self.data.chunks[top][[CHUNK_FIRST, CHUNK_STOP]]
        eligible = [s for s in range(first, stop) if s in sentence_scores]
        if eligible and self._supported(top, max(eligible, key=sentence_scores.__getitem__), query):
            return True
        chosen = choice.candidate
        row = shown[chosen.rank].row
        # A list's row ("- Vicente Santos Guajardo 1943-1944") is nothing like "who was the
        # first director", and its passage may hold no more than names: the passages shown
        # together must cover the question ("who won the 2010 World Cup" finds a row of
        # 2009-2012, and no passage speaks of football).
        if choice.listed:
            return self._covers([passage.row for passage in shown], query)
        return self._supported(row, chosen.sentence, query)

    def _supported(self, row: int, sentence: int, query: _Query) -> bool:
        """Whether `sentence` is close to the question and its passage (chunk `row`) covers
        the question's specific words."""
        if self.confidence(sentence, query.vectors) < self.params.min_confidence:
            return False
        return self._covers([row], query)

    def _covers(self, rows: list[int], query: _Query) -> bool:
        """Whether the passages (chunk `rows`) together cover the question's specific words."""
        passage_words = [
            word
            for chunk in self.data.chunks[rows]
            for word in content_words(self._text(*chunk[: CHUNK_END + 1]), LANGS[chunk[CHUNK_LANG]])
        ]
        coverage = self.data.lexicon.coverage(query.words, query.word_vectors, passage_words)
        return coverage >= self.params.min_coverage

    def _terms(self, query: _Query) -> Terms:
        """What the question asks for, its words and focus also in the other language's."""
        analysis = analyze(query.text, query.lang)
        lexicon = self.data.lexicon
        rendered = query.rendered
        in_focus = [i for i, original in enumerate(query.words) if fold(original) in analysis.focus]
        # The focus as the question writes it (stopword lists hold "estados"), and the
        # renderings of those of its words the lexicon knows, and their nearest words.
        focus = [
            *analysis.focus,
            *(r for i, r in enumerate(rendered) if r and i in in_focus),
            *(
                near
                for nearest in lexicon.neighbours(
                    query.word_vectors[in_focus],
                    _other_language(query.lang),
                    self.params.focus_neighbours,
                    self.params.focus_similarity,
                )
                for near in nearest
            ),
        ]
        # "imss" counts nothing in this corpus: a common word is kept only when it is all.
        specific = [w for w in focus if not lexicon.is_common(w)]
        # Numbers a question names ("between 2009 and 2012") are words a sentence may share.
        named = numbers(query.text)
        return Terms(
            analysis=analysis,
            focus=Focus(specific or focus),
            # A rare word says more than "imss" does about which sentence answers.
            words=terms(
                [*query.words, *named],
                [*rendered, *named],
                [
                    *(
                        max(lexicon.idf(w), lexicon.idf(r or w))
                        for w, r in zip(query.words, rendered, strict=True)
                    ),
                    *(lexicon.idf(n) for n in named),
                ],
            ),
            numbers=frozenset(named),
            folded=fold(query.text),
        )

    def _candidates(
        self,
        spans: list[tuple[int, int]],
        sentence_scores: dict[int, float],
        query: _Query | None = None,
    ) -> list[Candidate]:
        """The scored statements of these sentence ranges, best passage first; with `query`,
        each with its coverage of the question's specific words (Lexicon.coverage) and its
        place in a dated list, if it is a row of one."""
        out = []
        for rank, (first, stop) in enumerate(spans):
            for sentence in range(first, stop):
                if sentence in sentence_scores:
                    span = self.data.sentences[sentence]
                    lang = self.data.documents[span[0]].lang
                    text = self._text(*span)
                    out.append(Candidate(sentence, text, lang, rank, sentence_scores[sentence]))
        if query is None:
            return out
        coverages = self.data.lexicon.coverages(
            query.words, query.word_vectors, [content_words(c.text, c.lang) for c in out]
        )
        return [
            replace(
                candidate,
                coverage=coverage,
                listing=listing(
                    self._lines_of(self.data.sentences[candidate.sentence][SENT_DOC]),
                    candidate.sentence,
                ),
            )
            for candidate, coverage in zip(out, coverages, strict=True)
        ]

    def _lines_of(self, doc_index: int) -> Callable[[int], str | None]:
        """A sentence's text by its row, or None for a row outside the document."""
        sentences = self.data.sentences

        def line(sentence: int) -> str | None:
            if not 0 <= sentence < len(sentences) or sentences[sentence][SENT_DOC] != doc_index:
                return None
            return self._text(*sentences[sentence])

        return line

    def _in_document(self, sentence: int, value: Value) -> ValueSpan:
        """A value found in a sentence, with offsets into the sentence's document."""
        start = int(self.data.sentences[sentence][1]) + value.start
        return ValueSpan(value.text, value.type, start, start + len(value.text))

    def _answer(self, choice: Choice) -> Answer:
        sentence = choice.candidate.sentence
        span = self.data.sentences[sentence]
        value = None if choice.value is None else self._in_document(sentence, choice.value)
        return Answer(self._text(*span), self._citation(*span), value)

    def _figures(
        self, ranked: list[int], sentence_scores: dict[int, float], terms: Terms
    ) -> list[Figure]:
        """The distinct figures the best passages give for the question's focus, if several."""
        if not asks_figures(terms):
            return []
        spans = [
            tuple(self.data.chunks[row][[CHUNK_FIRST, CHUNK_STOP]].tolist())
            for row in ranked[: self.params.figure_passages]
        ]
        found = disagreeing_figures(self._candidates(spans, sentence_scores), terms)
        return [self._figure(f) for f in found]

    def _figure(self, found: FoundFigure) -> Figure:
        sentence = found.candidate.sentence
        span = self.data.sentences[sentence]
        value = self._in_document(sentence, found.value)
        date = None
        if found.date is not None:
            start = int(span[1]) + found.date.start
            date = FigureDate(found.date.text, found.date.iso, start, start + len(found.date.text))
        return Figure(self._text(*span), value, found.number, date, self._citation(*span))

    def _statements(self, sentences: np.ndarray) -> np.ndarray:
        """The rows of `sentences` that are statements, not questions or headings.

        A question or heading of the corpus resembles the user's question in form, not in
        content: it must neither lift its passage nor be the answer.
        """
        spans = self.data.sentences[sentences].tolist()
        return sentences[np.array([_is_statement(self._text(*span)) for span in spans], bool)]

    def confidence(self, sentence: int, query_vectors: dict[str, np.ndarray]) -> float:
        """Mean over embedders of the sentence's cosine to the question or its translation.

        A sentence in the other language is judged against the translation, which the
        embedders compare far more reliably than text across two languages.
        """
        cosines = [
            float((queries @ self.data.sentence_vectors(name, np.array([sentence]))[0]).max())
            for name, queries in query_vectors.items()
        ]
        return sum(cosines) / len(cosines)
