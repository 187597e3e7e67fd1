"""Accent and case folding, so 'Atención', 'atencion' and 'ATENCIÓN' compare equal."""

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# A search folds the same words hundreds of times (its question's, its candidates'); words and
# short phrases are remembered, longer texts are not, so the memory stays small.
_REMEMBERED_CHARS = 40
_REMEMBERED = 1 << 16


def fold(text: str) -> str:
    """Lower-case, strip diacritics (ñ becomes n too: a miss costs more), squash spaces."""
    if len(text) <= _REMEMBERED_CHARS:
        return _fold_remembered(text)
    return _fold(text)


@lru_cache(maxsize=_REMEMBERED)
def _fold_remembered(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    if text.isascii():
        # Nothing to strip: most of the corpus's English, and many of its Spanish words.
        return _SPACES.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _SPACES.sub(" ", _NON_ASCII.sub(_without_marks, decomposed)).strip()


def _without_marks(run: re.Match[str]) -> str:
    # Only the non-ASCII runs are looked at char by char: a third less time on Spanish text.
    return "".join(ch for ch in run[0] if not unicodedata.combining(ch))
