"""Figures that different sentences give for the same thing, when they disagree.

>>> [f.value.text for f in disagreeing_figures(candidates, terms)]   # doctest: +SKIP
['576', '669', '692', '707']
"""

from dataclasses import dataclass

from docqa.answer.dates import DateSpan, find_dates
from docqa.answer.quantities import has_digit, same_number
from docqa.answer.question import PERCENTAGE, QUANTITY
from docqa.answer.selection import Candidate, Terms, evidence
from docqa.answer.values import Value


@dataclass(frozen=True)
class FoundFigure:
    """One distinct figure: the sentence that gives it, the value, and the date it refers to."""

    candidate: Candidate
    value: Value
    # The value as a number (quantities always have one).
    number: float
    date: DateSpan | None


def _nearest_date(candidate: Candidate, value: Value) -> DateSpan | None:
    dates = find_dates(candidate.text)
    return min(dates, key=lambda d: abs(d.start - value.start), default=None)


def asks_figures(terms: Terms) -> bool:
    """Whether the question counts something, so that sources may disagree on the figure."""
    return terms.analysis.type in (QUANTITY, PERCENTAGE) and bool(terms.focus)


def disagreeing_figures(candidates: list[Candidate], terms: Terms) -> list[FoundFigure]:
    """Every distinct figure stated next to the question's focus, when there are two or more.

    `candidates` come best first: a figure given twice is cited where it ranks best. Ordered by
    the date each refers to when all are dated, else by value.
    """
    if not asks_figures(terms):
        return []
    found: list[FoundFigure] = []
    # A sentence that says a breakdown is not given may still state the total: it counts here.
    for candidate in candidates:
        # Most sentences of 30 passages hold no figure of the focus: reading their values
        # was most of a quantity question's answer work.
        if not has_digit(candidate.text) or not terms.focus.mentioned(candidate.text):
            continue
        for value in evidence(candidate, terms).counted:
            number = value.number
            # "siete hospitales" counts a few of something; the sources' figures are in digits.
            if number is None or not any(ch.isdigit() for ch in value.text):
                continue
            if not any(same_number(f.number, number) for f in found):
                found.append(FoundFigure(candidate, value, number, _nearest_date(candidate, value)))
    if len(found) < 2:
        return []
    if all(f.date and f.date.key[0] for f in found):
        return sorted(found, key=_date_key)
    return sorted(found, key=lambda f: f.number)


def _date_key(figure: FoundFigure) -> tuple[int, int, int]:
    return figure.date.key if figure.date else (0, 0, 0)
