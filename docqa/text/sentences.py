"""Sentence spans with exact character offsets, for chunking and answer selection."""

import re
from collections.abc import Iterator
from functools import lru_cache

import pysbd

from docqa.model import Span

_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"\S+")
# Where an over-long sentence may be cut: after clause punctuation, before the next word.
_CLAUSE_BREAK = re.compile(r"[;:,)\]]\s+(?=\S)|\s+[–—-]\s+(?=\S)")
# pysbd ends a sentence after some titles and abbreviations ("El Sr. | Pérez", "la Dra. |
# Ruiz", "Av. | Juárez", "aprox. | 5"): a piece ending in one is joined to the next one.
# Only words that practically never end a sentence are listed ("etc." often does, so it is
# not). pysbd itself already keeps "No. 5", "núm. 12", "art. 4" together.
_JOINS_NEXT = re.compile(
    r"(?<![\w.])(?:Sra?|Srta|Sr[ae]s|Dra?|Dr[ae]s|Lic|Ing|Arq|Mtr[oa]|Gral|Profa?|Avda|Av"
    r"|Mrs?|Ms|aprox|approx|vs)\.\s*$",
    re.IGNORECASE,
)
# pysbd's time grows with the square of the text it is given (100,000 characters on one line
# take half a minute), so a longer line is handed to it in blocks cut after a sentence end.
MAX_BLOCK_CHARS = 2_000
_SENTENCE_END = re.compile(r"[.!?…][\"'”»)\]]*\s+")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=4)
def _segmenter(lang: str) -> pysbd.Segmenter:
    # Its own character spans are not used: pysbd 0.3.4 takes the first occurrence of a
    # sentence's text that ends after the previous sentence, which may start inside it
    # ('"0"!0"!0"' gave 0-4 and 1-6), so the sentences are located here, in order.
    return pysbd.Segmenter(language=lang, clean=False)


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def _split_long(text: str, span: Span, max_words: int) -> list[Span]:
    """Cut a run-on sentence at clause breaks, or at word boundaries as a last resort."""
    words = list(_WORD.finditer(text, span.start, span.end))
    if len(words) <= max_words:
        return [span]
    pieces: list[Span] = []
    start, count = span.start, 0
    breaks = {m.end() for m in _CLAUSE_BREAK.finditer(text, span.start, span.end)}
    for i, word in enumerate(words):
        count += 1
        next_start = words[i + 1].start() if i + 1 < len(words) else None
        at_break = next_start is not None and next_start in breaks
        if next_start is not None and (
            (at_break and count >= max_words // 2) or count >= max_words
        ):
            pieces.append(Span(start, word.end()))
            start, count = next_start, 0
    pieces.append(Span(start, span.end))
    return pieces


def _blocks(line: str) -> Iterator[tuple[int, int]]:
    """[start, end) blocks of at most MAX_BLOCK_CHARS that together make up `line`."""
    start = 0
    while len(line) - start > MAX_BLOCK_CHARS:
        end = _cut(line, start + MAX_BLOCK_CHARS // 2, start + MAX_BLOCK_CHARS)
        yield start, end
        start = end
    yield start, len(line)


def _cut(line: str, low: int, high: int) -> int:
    """Where to end a block within [low, high]: after the last sentence end, else the last space."""
    ends = [
        end.end()
        for end in _SENTENCE_END.finditer(line, low, high)
        if not _JOINS_NEXT.search(line, max(end.start() - 8, 0), end.end())
    ]
    if ends:
        return ends[-1]
    spaces = [space.end() for space in _SPACE.finditer(line, low, high)]
    # A line without spaces (a base64 blob, a long URL) is cut anywhere.
    return spaces[-1] if spaces else high


def _pieces(segmenter: pysbd.Segmenter, line: str) -> list[tuple[int, int]]:
    """pysbd's [start, end) sentence pieces of one line, re-joined after abbreviations."""
    pieces: list[tuple[int, int]] = []
    for sentence in segmenter.segment(line):
        start = line.find(sentence, pieces[-1][1] if pieces else 0)
        if start < 0:
            continue
        end = start + len(sentence)
        if pieces and _JOINS_NEXT.search(line, pieces[-1][0], pieces[-1][1]):
            pieces[-1] = (pieces[-1][0], end)
            continue
        pieces.append((start, end))
    return pieces


def sentence_spans(text: str, lang: str, max_words: int = 60) -> list[Span]:
    """Sentences in order; a line break always ends a sentence (headings, list items)."""
    segmenter = _segmenter(lang if lang in ("es", "en") else "es")
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        for block_start, block_end in _blocks(line.group()):
            base = line.start() + block_start
            for start, end in _pieces(segmenter, text[base : line.start() + block_end]):
                span = _trimmed(text, base + start, base + end)
                if span is not None:
                    spans.extend(_split_long(text, span, max_words))
    return spans


def word_count(text: str, start: int = 0, end: int | None = None) -> int:
    return sum(1 for _ in _WORD.finditer(text, start, len(text) if end is None else end))
