"""File loaders by suffix, and `load_source`, the one entry point ingest calls."""

import hashlib
import stat
from pathlib import Path

from docqa.ingest.base import Extracted, LoadError
from docqa.ingest.loaders.base import Loader, describe_os_error
from docqa.ingest.loaders.html import HtmlLoader
from docqa.ingest.loaders.markdown import MarkdownLoader
from docqa.ingest.loaders.pdf import PdfLoader
from docqa.ingest.loaders.text import TextLoader
from docqa.model import DEFAULT_LIMITS, Limits

_LOADERS: dict[str, Loader] = {
    suffix: loader
    for loader in (TextLoader(), MarkdownLoader(), HtmlLoader(), PdfLoader())
    for suffix in loader.suffixes
}
SUPPORTED_SUFFIXES = frozenset(_LOADERS)

__all__ = ["SUPPORTED_SUFFIXES", "load_file", "load_source"]


def load_source(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[Extracted, str]:
    """One source file read once: what it holds and the SHA-256 of the bytes it was read from."""
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        raise LoadError(f"unsupported file type '{suffix}'" if suffix else "no file extension")
    raw = _read(path, limits.max_file_bytes)
    return loader.load(raw, limits), hashlib.sha256(raw).hexdigest()


def load_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> Extracted:
    """Read one source file; LoadError says why when it cannot be ingested."""
    return load_source(path, limits)[0]


def _read(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; a file that is not regular or is too large is refused unread."""
    try:
        info = path.stat()
    except OSError as exc:
        raise LoadError(describe_os_error(exc)) from exc
    if stat.S_ISDIR(info.st_mode):
        raise LoadError("is a directory, not a file")
    # Reading a FIFO or device would block or never end.
    if not stat.S_ISREG(info.st_mode):
        raise LoadError("not a regular file")
    if info.st_size > max_bytes:
        raise LoadError(
            f"file is {info.st_size:,} bytes, over the limit of {max_bytes:,} bytes "
            "(DOCQA_MAX_FILE_BYTES)"
        )
    try:
        with path.open("rb") as file:
            # One byte past the limit tells a file that grew since stat() without reading it all.
            raw = file.read(max_bytes + 1)
    except OSError as exc:
        raise LoadError(describe_os_error(exc)) from exc
    if len(raw) > max_bytes:
        raise LoadError(f"grew past the limit of {max_bytes:,} bytes while being read")
    return raw
