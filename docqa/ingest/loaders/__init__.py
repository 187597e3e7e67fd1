"""File loaders by suffix, and `load_file`, the one entry point ingest calls."""

import stat
from pathlib import Path

from docqa.ingest.base import Extracted, LoadError
from docqa.ingest.loaders.base import Loader, describe_os_error
from docqa.ingest.loaders.html import HtmlLoader
from docqa.ingest.loaders.markdown import MarkdownLoader
from docqa.ingest.loaders.pdf import PdfLoader
from docqa.ingest.loaders.text import TextLoader

_LOADERS: dict[str, Loader] = {
    suffix: loader
    for loader in (TextLoader(), MarkdownLoader(), HtmlLoader(), PdfLoader())
    for suffix in loader.suffixes
}
SUPPORTED_SUFFIXES = frozenset(_LOADERS)

__all__ = ["SUPPORTED_SUFFIXES", "load_file"]


def load_file(path: Path, max_bytes: int | None = None) -> Extracted:
    """Read one source file; LoadError says why when it cannot be ingested."""
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        raise LoadError(f"unsupported file type '{suffix}'" if suffix else "no file extension")
    try:
        info = path.stat()
    except OSError as exc:
        raise LoadError(describe_os_error(exc)) from exc
    if stat.S_ISDIR(info.st_mode):
        raise LoadError("is a directory, not a file")
    # Reading a FIFO or device would block or never end.
    if not stat.S_ISREG(info.st_mode):
        raise LoadError("not a regular file")
    if max_bytes is not None and info.st_size > max_bytes:
        raise LoadError(f"file is {info.st_size:,} bytes, over the limit of {max_bytes:,} bytes")
    return loader.load(path)
