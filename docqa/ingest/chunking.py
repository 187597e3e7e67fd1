"""Sentence-aware overlapping windows over a document's text, with exact offsets."""

import hashlib
import inspect
import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version

from docqa.model import Chunk, Span
from docqa.text import sentences
from docqa.text.sentences import sentence_spans, word_count

# A line with no sentence-ending punctuation and few words reads as a heading.
_HEADING_MAX_WORDS = 10
_ENDS_SENTENCE = re.compile(r"[.!?…:;\"”»)]$")


@dataclass(frozen=True)
class ChunkingParams:
    """Window sizes in words; overlap in whole sentences."""

    target_words: int = 70
    max_words: int = 110
    overlap_sentences: int = 1
    max_sentence_words: int = 60


@cache
def code_fingerprint() -> str:
    """A hash of the code that decides where sentences and windows begin and end.

    Part of every build's reuse key: a change to that code (or a new pysbd) moves boundaries,
    and vectors stored for the old ones must be computed again, not copied to new rows.
    """
    digest = hashlib.sha256(version("pysbd").encode())
    for module in (sentences, sys.modules[__name__]):
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:16]


def _is_heading(text: str, span: Span) -> bool:
    piece = text[span.start : span.end]
    at_line_end = span.end == len(text) or text[span.end] == "\n"
    return (
        at_line_end and not _ENDS_SENTENCE.search(piece) and word_count(piece) <= _HEADING_MAX_WORDS
    )


def _window_stop(
    text: str, sentences: list[Span], words: list[int], first: int, params: ChunkingParams
) -> int:
    """Where the window starting at sentence `first` ends; it holds at least that sentence."""
    stop, total = first, 0
    while stop < len(sentences) and (stop == first or total < params.target_words):
        if stop > first and total + words[stop] > params.max_words:
            break
        total += words[stop]
        stop += 1
    # A heading belongs to the text after it, not at the tail of the window before it,
    # unless dropping it would leave the window too short (lists look like headings too)
    # or empty.
    while (
        stop < len(sentences)
        and stop - 1 > first
        and _is_heading(text, sentences[stop - 1])
        and total - words[stop - 1] >= params.target_words // 2
    ):
        stop -= 1
        total -= words[stop]
    return stop


def chunk_text(
    doc_id: str, text: str, lang: str, params: ChunkingParams
) -> tuple[list[Span], list[Chunk]]:
    """The document's sentences and the windows over them; every window is whole sentences."""
    sentences = sentence_spans(text, lang, params.max_sentence_words)
    words = [word_count(text, s.start, s.end) for s in sentences]
    chunks: list[Chunk] = []
    first = previous_stop = 0
    while first < len(sentences):
        stop = _window_stop(text, sentences, words, first, params)
        if stop <= previous_stop:
            # Only the overlap fitted: that window would lie wholly inside the previous one,
            # so this one starts where the previous one ended, without overlap.
            first = previous_stop
            stop = _window_stop(text, sentences, words, first, params)
        chunks.append(Chunk(doc_id, sentences[first].start, sentences[stop - 1].end, first, stop))
        if stop >= len(sentences):
            break
        first, previous_stop = max(stop - params.overlap_sentences, first + 1), stop
    return sentences, chunks
