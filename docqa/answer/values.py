"""The values of a type inside a sentence: figures, shares, dates, people's and places' names.

>>> [v.text for v in find_values("En 2023 había 669 hospitales, un 40.5% más.", "quantity", "es")]
['669']
>>> [v.text for v in find_values("Zoé Robledo dijo que el IMSS crece.", "person", "es")]
['Zoé Robledo']
"""

import re
from dataclasses import dataclass

from docqa.answer.dates import find_dates
from docqa.answer.quantities import find_numbers
from docqa.answer.question import DATE, NAME, PERCENTAGE, PERSON, PLACE, QUANTITY
from docqa.index.lexical import stopwords
from docqa.text.normalize import fold

_PERCENT_SIGN = re.compile(r"\s?%|\s+por\s+ciento\b|\s+percent\b|\s+per\s+cent\b", re.IGNORECASE)
_CAPITALISED = r"[A-ZÁÉÍÓÚÑÜ][a-záéíóúñü]+(?:-[A-ZÁÉÍÓÚÑÜ][a-záéíóúñü]+)?"
_NAME = re.compile(
    rf"(?<![\w-]){_CAPITALISED}(?:\s+(?:(?:de|del|de\s+la|de\s+los|van|von)\s+)?{_CAPITALISED})*"
)
# A named thing: a quoted title ("La Clínica es Nuestra"), or capitalised words and acronyms
# joined by the little words inside names ("Health Services of the Mexican Institute of Social
# Security for Welfare", "Centro Médico Nacional Siglo XXI", "INSABI").
_PART = r"(?:[A-ZÁÉÍÓÚÑÜ][\w’'-]*)"
_JOIN = r"(?:de|del|de\s+la|de\s+los|de\s+las|para|el|la|los|y|e|of|of\s+the|for|the|and|in)"
_ENTITY = re.compile(
    rf"[“\"«]([^”\"»\n]{{3,80}})[”\"»]|(?<![\w-])({_PART}(?:\s+(?:{_JOIN}\s+)?{_PART})*)"
)
_SPACED = re.compile(r"\S+")
# Institutions and their parts are capitalised too; a name made of them is not a person's.
_INSTITUTIONAL = frozenset(
    fold(w)
    for w in [
        "instituto",
        "institute",
        "mexicano",
        "mexican",
        "seguro",
        "social",
        "security",
        "salud",
        "health",
        "secretaría",
        "secretaria",
        "ministry",
        "centro",
        "center",
        "centre",
        "médico",
        "medico",
        "medical",
        "nacional",
        "national",
        "hospital",
        "hospitales",
        "programa",
        "program",
        "programme",
        "gobierno",
        "government",
        "méxico",
        "mexico",
        "bienestar",
        "welfare",
        "plan",
        "modelo",
        "model",
        "federal",
        "federación",
        "federacion",
        "diario",
        "oficial",
        "general",
        "ley",
        "law",
        "sistema",
        "system",
        "servicios",
        "services",
        "unidades",
        "unidad",
        "units",
        "unit",
        "consejo",
        "council",
        "comisión",
        "commission",
        "universidad",
        "university",
        "presupuesto",
        "budget",
        "ramo",
        "branch",
        "estado",
        "state",
        "estados",
        "states",
        "república",
        "republic",
    ]
)
# Endings of common nouns and adjectives that open headings ("Inversión Gubernamental"),
# rare in people's and places' names.
_COMMON_ENDING = re.compile(
    r"(?:ción|sión|dad|miento|mente|ismo|tion|sion|ment|ness|ity|ales|anos|anas|icos|icas|ivos"
    r"|ivas|al|ary|ory|ies|ed|ing)$"
)
# A one-word place needs a preposition before it ("en Nayarit"): a lone capitalised word is
# most often a sentence's or a heading's first word.
_PLACE_PREPOSITION = re.compile(
    r"(?:\b(?:en|de|desde|a|in|at|from|of|y|e|and)|,)\s+$", re.IGNORECASE
)
# Capitalised words that open a sentence before a name: "Según Zoé Robledo".
_OPENERS = frozenset(
    [
        "segun",
        "according",
        "durante",
        "during",
        "para",
        "desde",
        "since",
        "tras",
        "after",
        "antes",
        "before",
        "luego",
        "then",
    ]
)


@dataclass(frozen=True)
class Value:
    """A typed value inside a text: its characters, offsets, type, and number or date key."""

    text: str
    start: int
    end: int
    type: str
    number: float | None = None
    date: tuple[int, int, int] | None = None


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < end and start < b for a, b in spans)


def _numbers(text: str, lang: str, kind: str) -> list[Value]:
    dates = [(d.start, d.end) for d in find_dates(text)]
    found = []
    for n in find_numbers(text, lang):
        sign = _PERCENT_SIGN.match(text, n.end)
        if (kind == PERCENTAGE) != bool(sign) or _overlaps(n.start, n.end, dates):
            continue
        end = sign.end() if sign else n.end
        found.append(Value(text[n.start : end], n.start, end, kind, n.number))
    return found


def _past_openers(text: str, start: int, end: int) -> int:
    """Where the capitalised run `text[start:end]` begins once the words that open sentences
    are dropped ("Según Zoé Robledo", "The Decree"); `end` when nothing is left."""
    stop = stopwords("es") | stopwords("en")
    for word in _SPACED.finditer(text, start, end):
        if fold(word[0]) not in stop and fold(word[0]) not in _OPENERS:
            return word.start()
    return end


def _names(text: str, lang: str, kind: str) -> list[Value]:
    found = []
    for match in _NAME.finditer(text):
        start = _past_openers(text, match.start(), match.end())
        words = text[start : match.end()].split()
        if not words or any(
            fold(w) in _INSTITUTIONAL or _COMMON_ENDING.search(w.lower()) for w in words
        ):
            continue
        if len(words) < 2 and (kind == PERSON or not _PLACE_PREPOSITION.search(text[:start])):
            continue
        found.append(Value(" ".join(words), start, match.end(), kind))
    return [v for v in found if text[v.start : v.end] == v.text]


def _entities(text: str) -> list[Value]:
    found = []
    for match in _ENTITY.finditer(text):
        if match[1]:
            # A title in quotes is whole.
            start, end = match.span(1)
        else:
            start, end = _past_openers(text, *match.span(2)), match.end(2)
        words = text[start:end].split()
        if not words or (start == 0 and len(words) == 1 and not words[0].isupper()):
            continue
        found.append(Value(text[start:end], start, end, NAME))
    return found


def find_values(text: str, kind: str, lang: str) -> list[Value]:
    """The values of type `kind` in `text`, in order; none for an untyped kind."""
    if kind in (QUANTITY, PERCENTAGE):
        return _numbers(text, lang, kind)
    if kind == DATE:
        return [Value(d.text, d.start, d.end, DATE, date=d.key) for d in find_dates(text)]
    if kind in (PERSON, PLACE):
        return _names(text, lang, kind)
    if kind == NAME:
        return _entities(text)
    return []
