"""The loader interface and the reading, decoding and normalisation all loaders share."""

import codecs
import re
import unicodedata
from abc import ABC, abstractmethod
from pathlib import Path

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from docqa.ingest.base import Extracted, LoadError, Page

MAX_TITLE_CHARS = 200
# charset_normalizer's mess score above which a decoding is more likely mojibake than text.
MAX_MESS = 0.1
# Real text has almost no control characters besides tab, newline, CR and form feed.
MAX_CONTROL_SHARE = 0.05
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# Files saved as UTF-16/32 (Windows "Unicode") are full of NUL bytes yet are text.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_NEWLINES = re.compile(r"\r\n?")


class Loader(ABC):
    """Reads one kind of file into an Extracted, raising LoadError when it cannot."""

    suffixes: tuple[str, ...]

    @abstractmethod
    def load(self, path: Path) -> Extracted: ...


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LoadError(describe_os_error(exc)) from exc


def describe_os_error(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file"
    return f"cannot be read: {exc.strerror or exc}"


def looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    return len(_CONTROLS.findall(text)) > MAX_CONTROL_SHARE * len(text)


def decode_text(raw: bytes, declared: str | None = None) -> str:
    """Decode file bytes to text: BOM, then UTF-8, then a declared encoding, then a safe guess."""
    for bom, encoding in _WIDE_BOMS:
        if raw.startswith(bom):
            text = _try_decode(raw, encoding)
            if text is None or looks_binary(text):
                raise LoadError(f"cannot be decoded as {encoding} despite its byte-order mark")
            return text
    # Latin-1 maps each byte to one character, so this checks the raw bytes.
    if looks_binary(raw.decode("latin-1")):
        raise LoadError("binary content, not text")
    # Valid multi-byte UTF-8 is almost never accidental, so it wins even over a declaration.
    for encoding in ("utf-8-sig", declared):
        text = _try_decode(raw, encoding)
        if text is not None:
            return text
    # Legacy Spanish and English files are windows-1252; on short texts the detector often
    # prefers an unrelated code page that happens to decode the same bytes.
    text = _try_decode(raw, "cp1252")
    if text is not None and mess_ratio(text, MAX_MESS) <= MAX_MESS:
        return text
    guess = from_bytes(raw).best()
    if guess is not None and guess.chaos <= MAX_MESS:
        return str(guess)
    raise LoadError("cannot be decoded as text: not UTF-8 and no confident guess of its encoding")


def _try_decode(raw: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def normalize_text(text: str) -> str:
    """NFC with "\\n" newlines; idempotent, and never merges text across a newline."""
    return unicodedata.normalize("NFC", _NEWLINES.sub("\n", text))


def finish(text: str, title_hint: str | None = None, pages: tuple[Page, ...] = ()) -> Extracted:
    """The canonical document text and its title; `pages` must index into normalised text."""
    text = normalize_text(text).rstrip()
    if not text:
        raise LoadError("no text")
    title = _clean_title(title_hint or "") or _clean_title(first_line(text))
    return Extracted(text=text, title=title, pages=pages)


def first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def _clean_title(title: str) -> str:
    return " ".join(unicodedata.normalize("NFC", title).split())[:MAX_TITLE_CHARS].rstrip()
