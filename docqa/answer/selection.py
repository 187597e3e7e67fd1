"""The answer sentence among the best passages' statements, and the value inside it.

Each signal is one small class that scores a candidate sentence; the selector adds them up with
their weights (AnswerWeights, part of RankingParams), so a weight of 0 switches one off.

>>> selector = AnswerSelector(terms, weights)    # doctest: +SKIP
>>> best = selector.choose(candidates)           # doctest: +SKIP
>>> best.value.text                              # doctest: +SKIP
'669'
"""

import re
from dataclasses import dataclass
from typing import Protocol

from docqa.answer.context import best_value
from docqa.answer.focus import Focus, numbers, stems
from docqa.answer.question import (
    CURRENCIES,
    DATE,
    NAME,
    PERCENTAGE,
    PERSON,
    QUANTITY,
    Analysis,
)
from docqa.answer.succession import Listing, Row, period, pick, relation, tenure
from docqa.answer.values import Value, find_values
from docqa.text.normalize import fold

# Sentences that say the value is not given ("no se especifica el desglose", "the figure is not
# reported"): they match a question about the value well, and never answer it.
_NOT_GIVEN = re.compile(
    r"\bno\s+(?:se\s+)?(?:especific|proporcion|detall|precis|desglos|indic|inform|report|"
    r"menciona|da\s+a\s+conocer|dispon)\w*|\bsin\s+(?:especificar|precisar|datos|desglose)\b|"
    r"\bcarece\w*\s+de\b|\bausencia\s+de\b|\b(?:is|are|was|were|has|have)\s+not\s+(?:been\s+)?"
    r"(?:specified|given|provided|available|disclosed|reported|broken\s+down)\b|"
    r"\b(?:does|do|did)\s+not\s+(?:specify|give|provide|report|break)\b|\bnot\s+specified\b|"
    r"\bno\s+(?:data|figures?|breakdown)\b|\black\s+of\s+(?:data|a\s+breakdown)\b",
    re.IGNORECASE,
)
# "Besides the federal subsidy, …?", "¿Además del subsidio…?": what follows is set aside.
_ASIDE = re.compile(
    r"\b(?:besides|apart\s+from|aside\s+from|other\s+than|in\s+addition\s+to|"
    r"ademas\s+del?|aparte\s+del?|fuera\s+del?|excepto|salvo)\b([^,;:?]*)"
)
_NAME_WORD = re.compile(r"\w{3,}")
# Question types a "not given" sentence can never answer.
_NEEDS_VALUE = frozenset({QUANTITY, DATE, PERSON})
# Types whose answer is a figure: a sentence without one hardly answers, and figures are found
# more reliably than names are.
_NUMERIC = frozenset({QUANTITY, DATE, PERCENTAGE})
# Types a dated list of people answers by its order ("the first director").
_LISTED = frozenset({PERSON, NAME})


@dataclass(frozen=True)
class Candidate:
    """A statement of one of the best passages, as the selector sees it."""

    # The sentence's row in the build; its text; its language.
    sentence: int
    text: str
    lang: str
    # The rank of its passage among those shown (0 is the first).
    rank: int
    # Its fused similarity to the question (z-scores of the embedders, Searcher).
    similarity: float
    # How well its words cover the question's specific words, in either language (cosine of
    # word vectors, Lexicon.coverage).
    coverage: float = 0.0
    # Where it stands in a dated list, if it is a row of one (succession.listing).
    listing: Listing | None = None


@dataclass(frozen=True)
class Terms:
    """What a question asks for, as the signals read it."""

    analysis: Analysis
    # The focus words and their renderings in the other language.
    focus: Focus
    # Per question word or number, the stems that match it or its rendering, and its weight
    # (focus.terms).
    words: tuple[tuple[frozenset[str], float], ...]
    # The numbers the question names, as digits ("2009").
    numbers: frozenset[str]
    # The folded question: values it already names ("los 53.2 millones…") are not the answer.
    folded: str


@dataclass(frozen=True)
class Choice:
    """The chosen sentence and the value inside it (None when the question asks for none)."""

    candidate: Candidate
    value: Value | None
    score: float
    # The sentence states the asked-for value outright: next to what the question counts, or
    # beside every number the question names ("who was director in 2017-2018").
    direct: bool = False
    # The sentence is the row of a dated list that the question's relation picks (Succession):
    # it answers by the list's order, not by resembling the question.
    listed: bool = False


@dataclass(frozen=True)
class AnswerWeights:
    """How much each signal counts; judged by `docqa eval` (answer and value accuracy)."""

    similarity: float = 0.5
    passage_rank: float = 0.5
    typed_value: float = 1.0
    focus_value: float = 3.0
    word_overlap: float = 2.0
    number_match: float = 3.0
    coverage: float = 6.0
    states_value: float = 2.0
    numeric_value: float = 2.0
    succession: float = 10.0
    set_aside: float = 2.0


@dataclass(frozen=True)
class Evidence:
    """The values of the question's type in a candidate that the question does not name, and
    those of them that count what the focus names ("669" of "669 hospitales y 11 mil 935…")."""

    values: list[Value]
    counted: list[Value]
    # The candidate states the asked-for value outright: next to what the question counts, or
    # beside every number the question names ("who was director in 2017-2018").
    direct: bool = False


NO_EVIDENCE = Evidence([], [])


def evidence(candidate: Candidate, terms: Terms) -> Evidence:
    """The candidate's values, read once for every signal, the answer value and the figures."""
    found = find_values(candidate.text, terms.analysis.type, candidate.lang)
    values = [v for v in found if not _named(v, terms)]
    attached = terms.focus.attached(candidate.text, [(v.start, v.end) for v in values])
    counted = [v for v, counts in zip(values, attached, strict=True) if counts]
    # A currency is only what any amount is counted in, not what this question names.
    direct = bool(values) and (
        (bool(counted) and terms.analysis.focus != CURRENCIES)
        or (bool(terms.numbers) and NumberMatch().score(candidate, terms, NO_EVIDENCE) == 1)
    )
    return Evidence(values, counted, direct)


def _named(value: Value, terms: Terms) -> bool:
    """Whether the question already names the value: its text, or, for a person, two words
    of the name ("who kept Zoé Robledo on" is not answered by "Zoe Alejandro Robledo Aburto")."""
    folded = fold(value.text)
    if folded in terms.folded:
        return True
    if value.type != PERSON:
        return False
    return len(set(_NAME_WORD.findall(folded)) & set(_NAME_WORD.findall(terms.folded))) >= 2


def says_not_given(text: str) -> bool:
    return bool(_NOT_GIVEN.search(text))


class Signal(Protocol):
    """One reason to prefer a candidate sentence, as a score."""

    def score(self, candidate: Candidate, terms: Terms, found: Evidence) -> float: ...


class Similarity:
    """How close the sentence is to the question (the embedders' fused z-score)."""

    def score(self, candidate: Candidate, terms: Terms, found: Evidence) -> float:
        return candidate.similarity


class PassageRank:
    """A prior for the better passages: the first one's sentences win a tie."""

    def score(self, candidate: Candidate, terms: Terms, found: Evidence) -> float:
        return -float(candidate.rank)


class TypedValue:
    """The sentence holds a value of the type the question asks for (a figure, a date, a name)."""

    def score(self, candidate: Candidate, terms: Terms, found: Evidence) -> float:
        return float(bool(found.values))


class FocusValue:
    """A value sits next to what the question counts ("669 hospitales" for "cuántos hospitales")."""

    def score(self, candidate: Candidate, terms: Terms, found: Evidence) -> float:
        return float(bool(found.counted))


class WordOverlap:
    """The share of the question's words and numbers that the sentence uses, in either language
    ("2009" and "2012" for "who was director between 2009 and 2012"), each word weighted by how
    rare it is in the corpus."""

    def score(self, candidate: Candidate, terms: Terms, found: Evidence) -> float:
        total = sum(weight for _, weight in terms.words)
        if not total:
            return 0.0
        used = stems(candidate.text)
        return sum(weight for word, weight in terms.words if word & used) / total


class NumberMatch:
    """The sentence names the numbers the question names ("between 2009 and 2012")."""

    def score(self, candidate: Candidate, terms: Terms, found: Evidence) -> float:
        if not terms.numbers:
            return 0.0
        return len(set(numbers(candidate.text)) & terms.numbers) / len(terms.numbers)


class Coverage:
    """The sentence itself says what the question asks about, in either language and in other
    words ("federal subsidy" for "subsidio del gobierno federal")."""

    def score(self, candidate: Candidate, terms: Terms, found: Evidence) -> float:
        return candidate.coverage


class StatesValue:
    """The sentence states the asked-for value outright (Evidence.direct)."""

    def score(self, candidate: Candidate, terms: Terms, found: Evidence) -> float:
        return float(found.direct)


class NumericValue:
    """A question asking for a figure, a date or a share is answered by a sentence that holds
    one: TypedValue again, for the types whose values are found reliably."""

    def score(self, candidate: Candidate, terms: Terms, found: Evidence) -> float:
        return float(terms.analysis.type in _NUMERIC and bool(found.values))


class SetAside:
    """What the question sets aside is not its answer: "besides the federal subsidy, can the
    programme get money some other way?" is not answered by the sentence on the subsidy. The
    score is minus the share of the set-aside words the sentence uses, in either language."""

    def score(self, candidate: Candidate, terms: Terms, found: Evidence) -> float:
        aside = set_aside(terms)
        if not aside:
            return 0.0
        used = stems(candidate.text)
        return -sum(bool(word & used) for word in aside) / len(aside)


def set_aside(terms: Terms) -> list[frozenset[str]]:
    """The question's words (with their renderings' stems) that it sets aside."""
    phrase = _ASIDE.search(terms.folded)
    if phrase is None:
        return []
    named = stems(phrase.group(1))
    return [word for word, _ in terms.words if word & named]


class Succession:
    """The row of a dated list of people that the question's relation picks: the first, the
    latest, the one before or after someone, the one in office in a year, or, for a date
    question on someone's time in office, that person's own (answer.succession).

    >>> signal = Succession()                                # doctest: +SKIP
    >>> signal.prepare(candidates, terms)                    # doctest: +SKIP
    >>> signal.score(row_before_zoe_robledo, terms, found)   # doctest: +SKIP
    1.0
    """

    def __init__(self) -> None:
        self.picked: int | None = None

    def prepare(self, candidates: list[Candidate], terms: Terms) -> None:
        self.picked = None
        kind = terms.analysis.type
        question = (
            relation(terms.folded)
            if kind in _LISTED
            else tenure(terms.folded)
            if kind == DATE
            else None
        )
        if question is None:
            return
        rows = []
        for candidate in candidates:
            span = period(candidate.text)
            people = find_values(candidate.text, PERSON, candidate.lang) if span else []
            if span and len(people) == 1:
                rows.append(Row(candidate.sentence, people[0].text, span, candidate.listing))
        self.picked = pick(rows, question)

    def score(self, candidate: Candidate, terms: Terms, found: Evidence) -> float:
        return float(candidate.sentence == self.picked)


class AnswerSelector:
    """Picks the answer sentence: the candidate with the highest weighted sum of the signals."""

    def __init__(self, terms: Terms, weights: AnswerWeights) -> None:
        self.terms = terms
        self.succession = Succession()
        self.signals: list[tuple[Signal, float]] = [
            (Similarity(), weights.similarity),
            (PassageRank(), weights.passage_rank),
            (TypedValue(), weights.typed_value),
            (FocusValue(), weights.focus_value),
            (WordOverlap(), weights.word_overlap),
            (NumberMatch(), weights.number_match),
            (Coverage(), weights.coverage),
            (StatesValue(), weights.states_value),
            (NumericValue(), weights.numeric_value),
            (self.succession, weights.succession),
            (SetAside(), weights.set_aside),
        ]

    def eligible(self, candidate: Candidate) -> bool:
        # "The second level of care includes:" announces the answer; the list after it holds it.
        if candidate.text.rstrip().endswith(":"):
            return False
        needs_value = self.terms.analysis.type in _NEEDS_VALUE
        return not (needs_value and says_not_given(candidate.text))

    def choose(self, candidates: list[Candidate], direct_only: bool = False) -> Choice | None:
        """The best candidate; with `direct_only`, the best that states the value outright."""
        best: Choice | None = None
        self.succession.prepare(candidates, self.terms)
        for candidate in candidates:
            if not self.eligible(candidate):
                continue
            found = evidence(candidate, self.terms) if self.terms.analysis.typed else NO_EVIDENCE
            if direct_only and not found.direct:
                continue
            score = sum(
                weight * signal.score(candidate, self.terms, found)
                for signal, weight in self.signals
                if weight
            )
            if best is None or score > best.score:
                value = best_value(
                    candidate.text, found.values, found.counted, self.terms.words, self.terms.folded
                )
                listed = candidate.sentence == self.succession.picked
                best = Choice(candidate, value, score, found.direct, listed)
        return best
