"""The loader interface and the reading, decoding and normalisation all loaders share."""

import codecs
import re
import unicodedata
from abc import ABC, abstractmethod

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from docqa.ingest.base import Extracted, LoadError
from docqa.model import Limits, Page

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
# Bytes that are not UTF-8, as "surrogateescape" decoding leaves them; and proper non-ASCII.
_ESCAPED = re.compile("[\udc80-\udcff]+")
_DECODED_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


class Loader(ABC):
    """Reads one kind of file into an Extracted, raising LoadError when it cannot."""

    suffixes: tuple[str, ...]

    @abstractmethod
    def load(self, raw: bytes, limits: Limits) -> Extracted: ...


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


def decode_plain_text(raw: bytes, limits: Limits) -> str:
    """A file that is all text (no markup), refused undecoded when it must exceed the limit."""
    # No encoding spends more than 4 bytes on a character, so this many are there at least.
    check_chars(len(raw) // 4, limits)
    return decode_text(raw)


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
    for candidate in ("utf-8-sig", declared):
        text = _try_decode(raw, candidate)
        if text is not None:
            return text
    text = _mixed_utf8(raw)
    if text is not None and mess_ratio(text, MAX_MESS) <= MAX_MESS:
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


def _mixed_utf8(raw: bytes) -> str | None:
    """UTF-8 with windows-1252 pieces (files pasted together), or None without any UTF-8."""
    text = raw.decode("utf-8-sig", "surrogateescape")
    if not _DECODED_NON_ASCII.search(text):
        return None
    return _ESCAPED.sub(lambda m: _cp1252(m[0].encode("utf-8", "surrogateescape")), text)


def _cp1252(raw: bytes) -> str:
    # Five bytes are undefined in windows-1252; Latin-1 reads them as the C1 controls they are.
    return "".join(_try_decode(bytes([b]), "cp1252") or chr(b) for b in raw)


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


def check_chars(count: int, limits: Limits) -> None:
    """Refuse a file once its text is longer than the limit: it is not indexed in part."""
    if count > limits.max_chars:
        raise LoadError(
            f"more than {limits.max_chars:,} characters of text, over the limit "
            "(DOCQA_MAX_EXTRACTED_CHARS)"
        )


def finish(
    text: str, limits: Limits, title_hint: str | None = None, pages: tuple[Page, ...] = ()
) -> Extracted:
    """The canonical document text and its title; `pages` must index into normalised text."""
    # The text as extracted counts, before normalising copies it twice.
    check_chars(len(text), limits)
    text = normalize_text(text).rstrip()
    if not text:
        raise LoadError("no text")
    title = _clean_title(title_hint or "") or _clean_title(first_line(text))
    return Extracted(text=text, title=title, pages=pages)


def first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def _clean_title(title: str) -> str:
    """The title on one line; a long one is cut at a word boundary and ends with "…"."""
    title = " ".join(unicodedata.normalize("NFC", title).split())
    if len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title[: MAX_TITLE_CHARS + 1].rsplit(" ", 1)[0] if " " in title else title
    return cut[: MAX_TITLE_CHARS - 1].rstrip(" ,;:.") + "…"
