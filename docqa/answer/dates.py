"""Dates as a text writes them, in Spanish or English, with a key to order them by.

>>> [(d.text, d.key) for d in find_dates("Al 29 de julio de 2024 y en diciembre de 2023")]
[('29 de julio de 2024', (2024, 7, 29)), ('diciembre de 2023', (2023, 12, 0))]
"""

import re
from dataclasses import dataclass

from docqa.answer.quantities import has_digit

_MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12, "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
# "May" opens English sentences as a verb too; it only counts as a month beside a day or year.
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d{2}"
# "finales de 2023", "end of 2023": the year's last month, for ordering.
_YEAR_END = r"(?:(?:a\s+)?finales\s+de|fin\s+de|(?:the\s+)?end\s+of)"
# Most specific first: a span taken by one pattern is not matched again by a later one. Each
# says whether it needs a month's name and a digit: most sentences hold neither, and a pattern
# that cannot match is not run (six scans of every candidate sentence were most of a search's
# date work).
_PATTERNS = [
    (re.compile(rf"(?<![\w.,]){p}(?!\w)", re.IGNORECASE), month, digit)
    for p, month, digit in (
        # 29 de julio de 2024 / 29 de julio del 2024
        (
            rf"(?P<day>\d{{1,2}})\s+de\s+(?P<month>{_MONTH})(?:\s+del?\s+(?P<year>{_YEAR}))?",
            True,
            True,
        ),
        # January 19, 1943 / April 7
        (
            rf"(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>{_YEAR}))?",
            True,
            True,
        ),
        # julio de 2024 / December 2023
        (rf"(?P<month>{_MONTH})(?:\s+(?:de|del|of))?\s+(?P<year>{_YEAR})", True, True),
        (rf"{_YEAR_END}\s+(?P<endyear>{_YEAR})", False, True),
        (rf"(?P<year>{_YEAR})(?:\s*[-–]\s*{_YEAR})?", False, True),
        # A month alone after a preposition: "In February", "as of May", "desde marzo".
        (rf"(?:in|of|since|until|by|en|de|para|desde|hasta|a)\s+(?P<alone>{_MONTH})", True, False),
    )
]
_LETTERS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class DateSpan:
    """A date in a text: its characters, offsets, and (year, month, day) with 0 for unknown."""

    text: str
    start: int
    end: int
    key: tuple[int, int, int]

    @property
    def iso(self) -> str:
        """ "2024-07-29", "2024-07", "2024", or "--04-07" when only month and day are known."""
        year, month, day = self.key
        parts = [f"{year:04d}" if year else "-"]
        if month:
            parts.append(f"{month:02d}")
        if day:
            parts.append(f"{day:02d}")
        return "-".join(parts)


def _key(match: re.Match[str]) -> tuple[int, int, int] | None:
    group = match.groupdict()
    month = _MONTHS.get((group.get("month") or group.get("alone") or "").lower(), 0)
    day = int(group.get("day") or 0)
    year = int(group.get("year") or 0)
    if group.get("endyear"):
        year, month = int(group["endyear"]), 12
    if (month == _MONTHS["may"] and not (day or year or group.get("alone"))) or not day <= 31:
        return None
    return year, month, day


def find_dates(text: str) -> list[DateSpan]:
    """Every date in `text`, in order; a bare number counts only if it is a plausible year."""
    found: list[DateSpan] = []
    digit = has_digit(text)
    month = not _MONTHS.keys().isdisjoint(_LETTERS.findall(text.lower()))
    for pattern, needs_month, needs_digit in _PATTERNS:
        if (needs_month and not month) or (needs_digit and not digit):
            continue
        for match in pattern.finditer(text):
            key = _key(match)
            overlaps = any(d.start < match.end() and match.start() < d.end for d in found)
            if key is not None and not overlaps:
                # Of "in February" the date is the month.
                start, end = match.span("alone") if match.groupdict().get("alone") else match.span()
                found.append(DateSpan(text[start:end], start, end, key))
    return sorted(found, key=lambda d: d.start)
