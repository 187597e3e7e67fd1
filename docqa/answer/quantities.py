"""Numbers as a corpus writes them ("11 mil 935", "53.2 millones", "1,200"), found and compared.

>>> [(n.text, n.number) for n in find_numbers("atiende a 53.2 millones y 11 mil 935 centros", "es")]
[('53.2 millones', 53200000.0), ('11 mil 935', 11935.0)]
"""

import re
from dataclasses import dataclass

# Scale words after a figure, folded to lower case; "mil millones" is a thousand millions.
_SCALES = {
    "mil millones": 1e9,
    "millones": 1e6,
    "millón": 1e6,
    "millon": 1e6,
    "mil": 1e3,
    "billion": 1e9,
    "billions": 1e9,
    "million": 1e6,
    "millions": 1e6,
    "thousand": 1e3,
}
_SCALE = "|".join(sorted((re.escape(w) for w in _SCALES), key=len, reverse=True))
_DIGITS = r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
# "11 mil 935" and "mil 925" are how Mexican Spanish writes 11,935 and 1,925.
_NUMBER = re.compile(
    rf"(?<![\w.,])(?:(?P<thousands>\d{{1,3}}\s+)?mil\s+(?P<rest>\d{{3}})(?!\d)"
    rf"|(?P<digits>{_DIGITS})(?:\s+(?:de\s+)?(?P<scale>{_SCALE})\b)?)(?![\w])",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")


# Numbers written as words, by language ("seis mil millones", "nine states"); "uno"/"one" and
# English "once" are left out: they are articles or adverbs far more often.
_NUMBER_WORDS = {
    "es": {"dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
           "nueve": 9, "diez": 10, "doce": 12, "veinte": 20, "cien": 100},
    "en": {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "hundred": 100},
}  # fmt: skip
_WORD_NUMBER = {
    lang: re.compile(
        rf"(?<![\w-])(?P<word>{'|'.join(words)})(?:\s+(?:de\s+)?(?P<scale>{_SCALE})\b)?(?![\w-])",
        re.IGNORECASE,
    )
    for lang, words in _NUMBER_WORDS.items()
}


@dataclass(frozen=True)
class NumberSpan:
    """A number in a text: its characters, its offsets and its value."""

    text: str
    start: int
    end: int
    number: float


def parse_digits(digits: str, lang: str) -> float:
    """The value of digits with separators, read as the text's language writes them.

    A separator before exactly three digits groups thousands ("1,200"; Spanish "1.200"), except
    English's "1.000", which is one; two kinds of separator: the last one is the decimal point.
    """
    separators = [ch for ch in digits if ch in ".,"]
    if not separators:
        return float(digits)
    if len(set(separators)) == 2:
        decimal = separators[-1]
        whole, _, fraction = digits.rpartition(decimal)
        return float(re.sub(r"[.,]", "", whole) + "." + fraction)
    separator = separators[0]
    groups = digits.split(separator)
    thousands = all(len(g) == 3 for g in groups[1:]) and not (lang == "en" and separator == ".")
    if len(separators) > 1 or thousands:
        return float("".join(groups))
    return float(groups[0] + "." + groups[1])


def find_numbers(text: str, lang: str) -> list[NumberSpan]:
    """Every number in `text` with its scale word ("millones"), in order."""
    found = []
    # Every figure has a digit; most sentences have none, and the scan for one is cheaper.
    for match in _NUMBER.finditer(text) if has_digit(text) else ():
        if match["rest"] is not None:
            thousands = int(match["thousands"] or 1)
            number = float(thousands * 1000 + int(match["rest"]))
        else:
            number = parse_digits(match["digits"], lang)
            if match["scale"]:
                number *= _SCALES[re.sub(r"\s+", " ", match["scale"].lower())]
        found.append(NumberSpan(match[0], match.start(), match.end(), number))
    for match in _WORD_NUMBER[lang].finditer(text) if lang in _WORD_NUMBER else ():
        number = float(_NUMBER_WORDS[lang][match["word"].lower()])
        if match["scale"]:
            number *= _SCALES[re.sub(r"\s+", " ", match["scale"].lower())]
        found.append(NumberSpan(match[0], match.start(), match.end(), number))
    return sorted(found, key=lambda n: n.start)


def has_digit(text: str) -> bool:
    """Whether `text` holds a digit: a figure or a date needs one."""
    return _DIGIT.search(text) is not None


def parse_number(text: str, lang: str) -> float | None:
    """The value of the first number in `text`, or None when it holds none."""
    found = find_numbers(text, lang)
    return found[0].number if found else None


def same_number(a: float, b: float) -> bool:
    """Equal up to rounding: "53.2 millones" and "53,200,000" are one figure."""
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)
