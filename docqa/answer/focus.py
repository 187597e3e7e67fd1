"""Where a text names what a question counts, in either language, matched by word stems.

>>> focus = Focus(["hospitales", "hospitals"])
>>> focus.attached("Opera 669 hospitales y 11 mil 935 centros.", [(6, 9), (23, 33)])
[True, False]
"""

import re

from docqa.index.lexical import stemmer, stopwords
from docqa.text.normalize import fold

_WORD = re.compile(r"[^\W\d_]+")
_TOKEN = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"\d+")
# They ask; they are not what a sentence must share with the question.
_QUESTION_WORDS = frozenset(
    [
        "who",
        "whom",
        "whose",
        "what",
        "which",
        "when",
        "where",
        "how",
        "many",
        "much",
        "did",
        "does",
        "quien",
        "quienes",
        "que",
        "cual",
        "cuales",
        "cuando",
        "donde",
        "cuanto",
        "cuanta",
        "cuantos",
        "cuantas",
        "como",
    ]
)
# How many words may stand between a value and the word naming what it counts: "53.2 millones
# de personas", "hospitals reached a total of 707" (focus first, a little further).
MAX_WORDS_AFTER_VALUE = 3
MAX_WORDS_BEFORE_VALUE = 4
# A change told after what changed reaches further: "el número de trabajadores en el sistema
# IMSS-Bienestar ha crecido de 121,000 a 168,627".
MAX_WORDS_BEFORE_RANGE = 8
_LANGS = ("es", "en")
# A stem this long that begins another stem names the same thing.
MIN_PREFIX_STEM = 6
# What joins the two ends of a range: "de 80 a 660", "from 80 to 660", "80-660".
_RANGE = re.compile(r"\s*(?:a|to|y|and|hasta|until|-|–)\s*", re.IGNORECASE)
# An article before a figure and a relative pronoun or a pause after it: the noun is left out.
_ELIDED_BEFORE = re.compile(r"\b(?:los|las|the)\s+$", re.IGNORECASE)
_ELIDED_AFTER = re.compile(r"\s*(?:que|quienes|who|that|,|;|\.|$)", re.IGNORECASE)
# "24 de los 32 estados": the part, not the whole, counts what the question asks about.
_PART_OF = re.compile(r"\s*(?:de\s+(?:los|las)|of\s+the|out\s+of)\s*", re.IGNORECASE)


class Focus:
    """The focus words of a question and their renderings, as stems of both languages."""

    def __init__(self, words: list[str]) -> None:
        folded = [fold(w) for w in words if w]
        self.words = tuple(dict.fromkeys(folded))
        self._stems = {lang: set(stemmer(lang).stemWords(list(self.words))) for lang in _LANGS}
        # Word -> whether it names the focus: a search asks about the same words many times.
        self._known: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self.words)

    def _matches(self, word: str) -> bool:
        if word not in self._known:
            folded = fold(word)
            own = {lang: stemmer(lang).stemWord(folded) for lang in self._stems}
            self._known[word] = any(
                _same_stem(own[lang], stem) for lang, stems in self._stems.items() for stem in stems
            )
        return self._known[word]

    def mentioned(self, text: str) -> bool:
        """Whether `text` names the focus: only then can a value of it count what is asked."""
        return any(self._matches(word[0]) for word in _WORD.finditer(text))

    def attached(self, text: str, spans: list[tuple[int, int]]) -> list[bool]:
        """For each value span of `text` (in order), whether it counts what the focus names.

        A focus word takes the value just before it ("669 hospitales", "53.2 millones de
        personas"), else the one just after ("hospitals: 669"); a range takes both ends ("de 80
        a 660 hospitales"). So in "669 hospitales y 11 mil 935 centros" only 669 counts hospitals.
        """
        taken = [False] * len(spans)
        if not self or not spans:
            return taken
        for word in _WORD.finditer(text):
            if self._matches(word[0]):
                for i in nearest_values(text, spans, word.start(), word.end()):
                    taken[i] = True
        # "1,200 médicos cubanos, que se sumarán a los 768 que ya laboran": a figure whose
        # noun is left out counts what the sentence counted before it.
        for i, (start, stop) in enumerate(spans):
            if not taken[i] and any(taken[:i]) and _ELIDED_BEFORE.search(text[:start]):
                taken[i] = bool(_ELIDED_AFTER.match(text[stop:]))
        return taken


def nearest_values(text: str, spans: list[tuple[int, int]], start: int, end: int) -> list[int]:
    """The values (indices into `spans`, in order) that the word at `start:end` of `text` is
    about: the one just before it ("669 hospitales"), else the one just after ("hospitals:
    669"); a range is about both its ends ("de 80 a 660 hospitales")."""
    before = [i for i, (_, stop) in enumerate(spans) if stop <= start]
    after = [i for i, (begin, _) in enumerate(spans) if begin >= end]
    if before and _words(text[spans[before[-1]][1] : start]) <= MAX_WORDS_AFTER_VALUE:
        i = before[-1]
        if i > 0 and _PART_OF.fullmatch(text[spans[i - 1][1] : spans[i][0]]):
            return [i - 1]
        return [*range_starts(text, spans, i)[::-1], i]
    if after:
        i = after[0]
        between = _words(text[end : spans[i][0]])
        if between <= MAX_WORDS_BEFORE_VALUE or (
            between <= MAX_WORDS_BEFORE_RANGE and opens_range(text, spans, i)
        ):
            return [i, *range_ends(text, spans, i)]
    return []


def opens_range(text: str, spans: list[tuple[int, int]], i: int) -> bool:
    """Whether value `i` is the first end of a range ("80" in "de 80 a 660"): where it was."""
    return i + 1 < len(spans) and bool(_RANGE.fullmatch(text[spans[i][1] : spans[i + 1][0]]))


def range_starts(text: str, spans: list[tuple[int, int]], i: int) -> list[int]:
    """The values that open a range ending at value `i`, nearest first ("80" of "de 80 a 660")."""
    out = []
    while i > 0 and opens_range(text, spans, i - 1):
        i -= 1
        out.append(i)
    return out


def range_ends(text: str, spans: list[tuple[int, int]], i: int) -> list[int]:
    """The values that close a range value `i` opens, nearest first ("660" of "de 80 a 660")."""
    out = []
    while opens_range(text, spans, i):
        i += 1
        out.append(i)
    return out


def _same_stem(a: str, b: str) -> bool:
    """Equal stems, or one a long prefix of the other: Snowball stems "enfermeras" and
    "enfermería" to "enfermer" and "enfermeri"."""
    short, long = sorted((a, b), key=len)
    return short == long or (len(short) >= MIN_PREFIX_STEM and long.startswith(short))


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def stems(text: str) -> frozenset[str]:
    """The stems of a text's words and numbers ("2009"), by both languages' stemmers; words
    shorter than three letters, stopwords and question words are left out."""
    words = [w for w in _TOKEN.findall(fold(text)) if w.isdigit() or _is_term(w)]
    return frozenset(s for lang in _LANGS for s in stemmer(lang).stemWords(words))


def numbers(text: str) -> list[str]:
    """The runs of digits a text names, in order ("2009-2012": "2009", "2012")."""
    return _NUMBER.findall(text)


def _is_term(word: str) -> bool:
    return (
        len(word) >= 3
        and not word[0].isdigit()
        and word not in stopwords("es")
        and word not in stopwords("en")
        and word not in _QUESTION_WORDS
    )


def terms(
    words: list[str], renderings: list[str | None], weights: list[float] | None = None
) -> tuple[tuple[frozenset[str], float], ...]:
    """Per question word or number, the stems that match it (its own and its rendering's) and
    how much it counts (1 unless `weights` say otherwise)."""
    out = []
    for i, (word, rendering) in enumerate(zip(words, renderings, strict=True)):
        found = stems(f"{word} {rendering or ''}")
        if found:
            out.append((found, weights[i] if weights else 1.0))
    return tuple(out)
