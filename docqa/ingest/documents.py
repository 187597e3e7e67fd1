"""Turn the files of a corpus folder into Documents, reporting the ones that cannot be read."""

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from docqa.ingest.base import LoadError
from docqa.ingest.extractor import Extractor
from docqa.ingest.loaders import SUPPORTED_SUFFIXES
from docqa.model import DEFAULT_LIMITS, Document, Limits
from docqa.text.language import detect_language

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# A path part that can be used as it is: safe characters, and dashes only single and inside,
# so that joining parts with "--" can be undone.
_PLAIN_PART = re.compile(r"[A-Za-z0-9._]+(?:-[A-Za-z0-9._]+)*")
# The ending of ids made unique with a hash; no plain id is allowed to end like this.
_HASH_SUFFIX = re.compile(r"-[0-9a-f]{8}$")


@dataclass(frozen=True)
class Skipped:
    """A corpus file that was not indexed, and why."""

    source: str
    reason: str


def doc_id_for(relative: Path) -> str:
    """A stable, URL-safe id from the file's path inside the corpus: it survives re-ingests.

    Ordinary paths read as they are, folders joined by "--" ("informes/2024.txt" gives
    "informes--2024.txt"). Any other path ("a b.txt", "a--b.txt") gets a slug plus 8 hex
    digits of the path's SHA-1 ("a-b.txt-19d703ab"), so distinct paths get distinct ids.
    """
    slug = "--".join(relative.parts)
    plain = all(_PLAIN_PART.fullmatch(part) for part in relative.parts)
    if plain and not _HASH_SUFFIX.search(slug):
        return slug
    path = relative.as_posix().encode("utf-8", "surrogateescape")
    return f"{_UNSAFE.sub('-', slug)}-{hashlib.sha1(path).hexdigest()[:8]}"


def corpus_files(corpus_dir: Path) -> Iterator[Path]:
    """Every non-hidden file below `corpus_dir`, in a stable order."""
    for path in sorted(corpus_dir.rglob("*")):
        relative = path.relative_to(corpus_dir)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            yield path


def load_document(path: Path, corpus_dir: Path, extractor: Extractor) -> Document:
    """Read one file as a Document; LoadError says why it cannot be."""
    relative = path.relative_to(corpus_dir)
    extracted, sha256 = extractor.extract(path)
    return Document(
        doc_id=doc_id_for(relative),
        title=extracted.title,
        source=relative.as_posix(),
        lang=detect_language(extracted.text),
        text=extracted.text,
        sha256=sha256,
        pages=extracted.pages,
    )


def load_file(path: Path, corpus_dir: Path, extractor: Extractor) -> Document | Skipped:
    """One corpus file as a Document, or the reason it is skipped."""
    source = path.relative_to(corpus_dir).as_posix()
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return Skipped(source, f"unsupported file type {path.suffix or '(none)'!r}")
    try:
        return load_document(path, corpus_dir, extractor)
    except LoadError as error:
        return Skipped(source, str(error))


def load_corpus(
    corpus_dir: Path, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[Document], list[Skipped]]:
    """All readable documents of the corpus, plus the files skipped with their reasons."""
    with Extractor(limits) as extractor:
        loaded = [load_file(path, corpus_dir, extractor) for path in corpus_files(corpus_dir)]
    documents = [item for item in loaded if isinstance(item, Document)]
    return documents, [item for item in loaded if isinstance(item, Skipped)]
