"""Who came first, last, before or after someone, or in a given year, in a dated list of people.

A list of office holders ("- Vicente Santos Guajardo 1943-1944", "2019-present | Zoe Alejandro
Robledo Aburto |") answers "who was the first director", "the current director" or "who came
before Zoé Robledo" by its order, not by any one row's words: the row that answers shares no
word with the question; "who was director in 1980" by the row whose period holds 1980
("1976-1982"). So the rows among the candidate sentences are put in order of their periods, and
the question's relation picks one.

>>> question = relation("quien estuvo antes de zoe robledo en la direccion del imss")
>>> question.kind
'before'
>>> rows = [Row(7, "Tuffic Miguel Ortega", (2017, 2018)),
...         Row(8, "German Martinez Cazares", (2018, 2019)),
...         Row(9, "Zoe Alejandro Robledo Aburto", (2019, 9999))]
>>> pick(rows, question)
8
>>> pick(rows, relation("who was imss director in 2017"))
7
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from docqa.index.lexical import stopwords
from docqa.text.normalize import fold

FIRST, LATEST, BEFORE, AFTER, DURING, OWN = "first", "latest", "before", "after", "during", "own"
# Cues over the folded question. Before and after need someone to be before or after; they are
# looked for first, so that "the director before the current one" is not read as "current".
_CUES: list[tuple[str, re.Pattern[str]]] = [
    (
        BEFORE,
        re.compile(
            r"\b(?:antes\s+de|before|preced\w*|predecesor\w*|predecessor\w*|antecesor\w*|"
            r"anterior\s+a)\b"
        ),
    ),
    (
        AFTER,
        re.compile(
            r"\b(?:despues\s+de|after|sucedi\w*|succeed\w*|successor\w*|sucesor\w*|"
            r"reemplaz\w*|replac\w*|sustitu\w*)\b"
        ),
    ),
    (FIRST, re.compile(r"\b(?:primer[oa]?s?|first|fundador\w*|founding)\b")),
    (
        LATEST,
        re.compile(
            r"\b(?:actual(?:es|mente)?|current(?:ly)?|now|hoy|today|ultim[oa]s?|last|latest|"
            r"most\s+recent|mas\s+reciente)\b"
        ),
    ),
]
# A year, or a period of years whose end may be "present" ("2019-present", "1943-1944").
_PERIOD = re.compile(
    r"\b(1[5-9]\d\d|20\d\d)\b(?:\s*[-–]\s*(?:(1[5-9]\d\d|20\d\d)\b|(present|presente|actualidad|"
    r"la\s+fecha|hoy|now|today)\b))?",
    re.IGNORECASE,
)
# A date question about someone's time in office: "since when has Zoé Robledo been in charge".
_TENURE = re.compile(
    r"\b(?:since\s+when|desde\s+cuando|in\s+charge|al\s+frente|a\s+cargo|took\s+office|"
    r"tomo\s+posesion|asumio|served|headed|dirig\w*)\b"
)
# A name is two words at least where no relation word says that the question is about a list.
MIN_OWN_NAME_WORDS = 2
_YEAR = re.compile(r"\b(?:1[5-9]\d\d|20\d\d)\b")
# What the people of a list were: a list of directors does not answer "the first president".
_ROLES = {
    "director": re.compile(r"\b(?:director\w*|direccion|titular\w*|jefe\w*|heads?)\b"),
    "president": re.compile(r"\b(?:president\w*|presidencia)\b"),
    "secretary": re.compile(r"\b(?:secretari[oa]s?|secretar(?:y|ies)|ministr?[oa]s?|ministers?)\b"),
    "governor": re.compile(r"\b(?:gobernador\w*|governors?)\b"),
}
# How far a list is followed from one of its rows, each way.
MAX_LIST_ROWS = 200
_LETTER = re.compile(r"[^\W\d_]")
# A row is short: a name, a period and little else.
MAX_ROW_WORDS = 10
# Fewer rows than this among the candidates are not a list to count along.
MIN_ROWS = 3
# "Present" sorts after every year.
_OPEN_END = 9999
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Relation:
    """What the question asks of the list: its first or latest row, the row just before or
    after the one naming `anchor` (the question's folded words, which a row's name must share),
    or the row whose period holds every one of `years`; `roles` are the offices it names."""

    kind: str
    anchor: frozenset[str] = frozenset()
    years: tuple[int, ...] = ()
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Listing:
    """Where a row stands in its list: the line above the list (its heading, "Directors of
    the IMSS"), the row's position and the list's length."""

    heading: str
    position: int
    size: int


@dataclass(frozen=True)
class Row:
    """A candidate sentence that is a row of a dated list: its sentence id, the person it
    names, its period (start, end), and where it stands in its list."""

    sentence: int
    name: str
    period: tuple[int, int]
    listing: Listing | None = None


def listing(text_of: Callable[[int], str | None], sentence: int) -> Listing | None:
    """The list that `sentence` is a row of, read through `text_of` (a sentence's text, None
    past its document's ends); None when it is no row. Lines without letters ("---|---|") are
    passed over on the way to the heading."""
    if period(text_of(sentence) or "") is None:
        return None
    before = after = 0
    while before < MAX_LIST_ROWS and period(text_of(sentence - before - 1) or "") is not None:
        before += 1
    while after < MAX_LIST_ROWS and period(text_of(sentence + after + 1) or "") is not None:
        after += 1
    above = sentence - before - 1
    while (line := text_of(above)) is not None and not _LETTER.search(line):
        above -= 1
    return Listing(line or "", before, before + after + 1)


def roles(folded_text: str) -> frozenset[str]:
    """The offices a folded text names ("director", "president"…)."""
    return frozenset(role for role, pattern in _ROLES.items() if pattern.search(folded_text))


def relation(folded_question: str) -> Relation | None:
    """The relation a person question asks for, or None."""
    for kind, cue in _CUES:
        if cue.search(folded_question):
            return _anchored(kind, folded_question)
    years = tuple(int(year) for year in _YEAR.findall(folded_question))
    return Relation(DURING, years=years, roles=roles(folded_question)) if years else None


def tenure(folded_question: str) -> Relation | None:
    """For a date question, the row of the person whose time in office it asks about, or None."""
    return _anchored(OWN, folded_question) if _TENURE.search(folded_question) else None


def _anchored(kind: str, folded_question: str) -> Relation:
    """A relation to someone the question names: a name shares its own words with the
    question, not "de" or "and"."""
    words = frozenset(_WORD.findall(folded_question)) - stopwords("es") - stopwords("en")
    return Relation(kind, words, roles=roles(folded_question))


def _same_office(row: Row, question: Relation) -> bool:
    """Whether the row's list is of the office the question asks about, when both name one."""
    if row.listing is None or not question.roles:
        return True
    listed = roles(fold(row.listing.heading))
    return not listed or bool(listed & question.roles)


def period(text: str) -> tuple[int, int] | None:
    """The one period a short row gives, or None (no period, several, or not a short row)."""
    if len(_WORD.findall(text)) > MAX_ROW_WORDS:
        return None
    found = list(_PERIOD.finditer(text))
    if len(found) != 1:
        return None
    start, end, open_end = found[0].groups()
    first = int(start)
    return first, int(end) if end else (_OPEN_END if open_end else first)


def pick(rows: Sequence[Row], question: Relation) -> int | None:
    """The sentence id of the row the relation picks, or None where it cannot tell."""
    rows = [row for row in rows if _same_office(row, question)]
    if len(rows) < MIN_ROWS:
        return None
    # The same list may be given twice (a bulleted list and a table); in order of periods,
    # its copies interleave, and a row's neighbour is the nearest row of another period.
    ordered = sorted(rows, key=lambda row: (row.period, row.sentence))
    if question.kind in (FIRST, LATEST):
        row = ordered[0] if question.kind == FIRST else ordered[-1]
        # The earliest row shown is the list's first only if it opens or closes the list.
        known = row.listing
        ends = known is None or known.position in (0, known.size - 1)
        return row.sentence if ends else None
    if question.kind == DURING:
        # "Only in 2000" is the row of 2000 alone, not those of 1993-2000 or 2000-2005.
        holding = [
            row
            for row in ordered
            if all(row.period[0] <= y <= row.period[1] for y in question.years)
        ]
        return (
            min(holding, key=lambda row: row.period[1] - row.period[0]).sentence
            if holding
            else None
        )
    shared = [len(set(_WORD.findall(fold(row.name))) & question.anchor) for row in ordered]
    best = max(shared)
    anchors = [row for row, count in zip(ordered, shared, strict=True) if count == best]
    if not best or len({row.period for row in anchors}) != 1:
        return None
    if question.kind == OWN:
        return anchors[0].sentence if best >= MIN_OWN_NAME_WORDS else None
    anchor = anchors[0].period
    if question.kind == BEFORE:
        earlier = [row for row in ordered if row.period < anchor]
        return earlier[-1].sentence if earlier else None
    later = [row for row in ordered if row.period > anchor]
    return later[0].sentence if later else None
