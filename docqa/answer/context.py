"""Which of a sentence's values the question's other words point at.

"Nayarit porcentaje de médicos generales" asks for 92% in "95% de especialistas, 92% de médicos
generales y 84% de enfermeras": each question word the sentence uses is about the values on
either side of it, the nearer the more (and the one before it more than the one after: "92% de
médicos"), and the value the question's words point at most, weighted by how rare each word is,
answers.

>>> best_value(sentence, values, counted, terms.words, terms.folded).text   # doctest: +SKIP
'92%'
"""

import re

from docqa.answer.focus import opens_range, range_ends, range_starts, stems
from docqa.answer.values import Value

_WORD = re.compile(r"[^\W_]+")
# Per question word or number: the stems that match it, and its weight (focus.terms).
Words = tuple[tuple[frozenset[str], float], ...]
# How fast a word's pull on a value fades with the words between them, and how much less a word
# pulls the value after it than the one before it.
DISTANCE_SCALE = 2.0
AFTER_SHARE = 0.7
# A question about the start of a change ("when it launched") asks for the first end of a
# range ("de 80 a 660 hospitales"); otherwise the later figure is the one that holds now.
_START = re.compile(
    r"\b(?:lanz\w*|launch\w*|inici\w*|comenz\w*|empez\w*|start\w*|began|begin\w*|"
    r"original\w*|initial\w*|antes|before|al\s+principio|at\s+first)\b"
)
_NOW = re.compile(r"\b(?:ahora|actual\w*|hoy|now|current\w*|today|todav\w*|still)\b")


def _fade(words_between: int) -> float:
    return 1.0 / (1.0 + words_between / DISTANCE_SCALE)


def pointed(text: str, values: list[Value], words: Words) -> list[float]:
    """Per value, how much the question's words in the sentence point at it."""
    spans = [(v.start, v.end) for v in values]
    pull: dict[tuple[int, int], float] = {}
    for word in _WORD.finditer(text):
        used = stems(word[0])
        matched = [t for t, (term, _) in enumerate(words) if term & used] if used else []
        if not matched:
            continue
        before = [i for i, (_, end) in enumerate(spans) if end <= word.start()]
        after = [i for i, (start, _) in enumerate(spans) if start >= word.end()]
        sides = []
        if before:
            i = before[-1]
            share = _fade(len(_WORD.findall(text[spans[i][1] : word.start()])))
            sides += [(i, share)] + [(j, share) for j in range_starts(text, spans, i)]
        if after:
            i = after[0]
            share = AFTER_SHARE * _fade(len(_WORD.findall(text[word.end() : spans[i][0]])))
            sides += [(i, share)] + [(j, share) for j in range_ends(text, spans, i)]
        for i, share in sides:
            for t in matched:
                pull[i, t] = max(pull.get((i, t), 0.0), share * words[t][1])
    totals = [0.0] * len(values)
    for (i, _), amount in pull.items():
        totals[i] += amount
    return totals


def asks_start(question: str) -> bool:
    """Whether the (folded) question asks where a change began ("when it launched")."""
    return bool(_START.search(question)) and not _NOW.search(question)


def _other_end(text: str, spans: list[tuple[int, int]], i: int, start: bool) -> bool:
    """Whether value `i` is the end of a range the question does not ask for: the first end
    ("80" of "de 80 a 660") unless it asks where the change began, else the later one."""
    if start:
        return i > 0 and opens_range(text, spans, i - 1)
    return opens_range(text, spans, i)


def best_value(
    text: str, values: list[Value], counted: list[Value], words: Words, question: str
) -> Value | None:
    """The value of `values` the question points at: next to the focus and pointed at by the
    most (and rarest) question words; within a range the later end, unless the question asks
    about the start; then the first."""
    if not values:
        return None
    weights = pointed(text, values, words)
    spans = [(v.start, v.end) for v in values]
    start = asks_start(question)

    def key(i: int) -> tuple[bool, float, bool, int]:
        return (values[i] in counted, weights[i], not _other_end(text, spans, i, start), -i)

    return values[max(range(len(values)), key=key)]
