"""The on-disk build directory: arrays, documents, manifest, and the atomic switch to it."""

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from docqa.index.codes import Codes
from docqa.index.dense import DenseIndex
from docqa.index.lexical import LexicalIndex
from docqa.index.lexicon import Lexicon
from docqa.ingest.base import Document, Page

# 2: builds carry the cross-lingual lexicon and hubness; 3: the lexicon counts word chunks;
# 4: the FAISS indexes of the chunk vectors are built at ingest and stored; 5: so are the
# lexicon's indexes of its word vectors; 6: the sentence vectors are also stored as codes,
# and the lexicon's words only in their index, so that a search reads no float vector.
FORMAT_VERSION = 6
# Formats whose documents, tables and float vectors are laid out as this one's: an ingest reuses
# their vectors (format 6 added only what a search reads).
VECTOR_FORMATS = frozenset({5, FORMAT_VERSION})
CURRENT = "CURRENT"
BUILDS = "builds"
# Builds older than these are removed after a switch; the previous one stays for in-flight readers.
KEEP_BUILDS = 2
LANGS = ("es", "en")

# Column layout of the integer tables.
CHUNK_DOC, CHUNK_START, CHUNK_END, CHUNK_FIRST, CHUNK_STOP, CHUNK_LANG = range(6)
SENT_DOC, SENT_START, SENT_END = range(3)


class IndexNotFoundError(Exception):
    """No usable index at the given directory; the message says what to run."""


class IndexDamagedError(IndexNotFoundError):
    """A build whose files are missing, truncated or inconsistent with each other."""


@dataclass
class IndexData:
    """Everything a build holds; read back, the vectors and indexes are mapped from disk.

    A search reads the codes (`dense`, `sentence_codes`), never the float vectors: those are
    kept for the next ingest, which reuses the vectors of unchanged documents.
    """

    documents: list[Document]
    # (n_chunks, 6) int32: doc index, start, end, first sentence, sentence stop, language index.
    chunks: np.ndarray
    # (n_sentences, 3) int32: doc index, start, end.
    sentences: np.ndarray
    # Per embedder name: unit vectors of chunks and of sentences.
    chunk_vectors: dict[str, np.ndarray]
    sentence_vectors: dict[str, np.ndarray]
    # Per embedder name: the search index over the chunk vectors, and the sentence vectors'
    # codes.
    dense: dict[str, DenseIndex]
    sentence_codes: dict[str, Codes]
    # Per embedder name: each chunk's hubness (see index.hubness).
    chunk_hubness: dict[str, np.ndarray]
    # Per language: BM25 over that language's chunks.
    lexical: dict[str, LexicalIndex]
    lexicon: Lexicon
    manifest: dict = field(default_factory=dict)


@dataclass
class StoredVectors:
    """What the next ingest reuses of a build: its documents, tables and float vectors."""

    documents: list[Document]
    chunks: np.ndarray
    sentences: np.ndarray
    chunk_vectors: dict[str, np.ndarray]
    sentence_vectors: dict[str, np.ndarray]
    manifest: dict


def new_build_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


def corpus_hash(documents: list[Document]) -> str:
    """One hash for the whole corpus as indexed: file ids and contents."""
    digest = hashlib.sha256()
    for doc in sorted(documents, key=lambda d: d.doc_id):
        digest.update(f"{doc.doc_id}\0{doc.sha256}\n".encode())
    return digest.hexdigest()


def _document_to_json(doc: Document) -> dict:
    record = asdict(doc)
    record["pages"] = [asdict(p) for p in doc.pages]
    return record


def _document_from_json(record: dict) -> Document:
    pages = tuple(Page(**p) for p in record.pop("pages"))
    return Document(**record, pages=pages)


def write_build(build_dir: Path, data: IndexData) -> None:
    """Write every file of a build into `build_dir` (a fresh, not yet visible folder)."""
    build_dir.mkdir(parents=True)
    np.save(build_dir / "chunks.npy", data.chunks)
    np.save(build_dir / "sentences.npy", data.sentences)
    for name, vectors in data.chunk_vectors.items():
        np.save(build_dir / f"vectors-{name}-chunks.npy", vectors)
        np.save(build_dir / f"vectors-{name}-sentences.npy", data.sentence_vectors[name])
        np.save(build_dir / f"hubness-{name}-chunks.npy", data.chunk_hubness[name])
        data.dense[name].save(build_dir / f"dense-{name}-chunks.faiss")
        data.sentence_codes[name].save(build_dir / f"codes-{name}-sentences.faiss")
    with open(build_dir / "documents.jsonl", "w", encoding="utf-8") as out:
        for doc in data.documents:
            out.write(json.dumps(_document_to_json(doc), ensure_ascii=False) + "\n")
    for lang, lexical in data.lexical.items():
        lexical.save(build_dir / f"bm25-{lang}")
    data.lexicon.save(build_dir / "lexicon")
    # The manifest goes last: a folder without one is an incomplete build.
    (build_dir / "manifest.json").write_text(json.dumps(data.manifest, indent=2), "utf-8")


def read_build(build_dir: Path) -> IndexData:
    manifest = _manifest(build_dir, {FORMAT_VERSION})
    with _damaged(build_dir):
        return _read_parts(build_dir, manifest)


def read_for_ingest(build_dir: Path) -> IndexData | StoredVectors:
    """What the next ingest reuses of a build: all of it in this format, only its documents,
    tables and vectors in an older format that lays those out as this one does."""
    manifest = _manifest(build_dir, VECTOR_FORMATS)
    with _damaged(build_dir):
        if manifest["format"] == FORMAT_VERSION:
            return _read_parts(build_dir, manifest)
        return _read_vectors(build_dir, manifest)


def _manifest(build_dir: Path, formats: set[int] | frozenset[int]) -> dict:
    manifest_path = build_dir / "manifest.json"
    if not manifest_path.is_file():
        raise IndexNotFoundError(f"{build_dir} is not a complete index build (no manifest.json)")
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
        version = manifest.get("format")
    except (OSError, ValueError, AttributeError) as error:
        raise IndexDamagedError(
            f"{manifest_path} is unreadable ({error}): run `docqa ingest` to rebuild it"
        ) from error
    if version not in formats:
        raise IndexNotFoundError(
            f"{build_dir} has index format {version}, this docqa reads {FORMAT_VERSION}: "
            "run `docqa ingest` to rebuild it"
        )
    return manifest


@contextmanager
def _damaged(build_dir: Path) -> Iterator[None]:
    """Any failure to read a build's parts, as an IndexDamagedError that says what to run."""
    try:
        yield
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
        # FAISS reports an unreadable index file as a RuntimeError.
        raise IndexDamagedError(
            f"{build_dir} is damaged ({type(error).__name__}: {error}): "
            "run `docqa ingest` to rebuild it"
        ) from error


def _read_vectors(build_dir: Path, manifest: dict) -> StoredVectors:
    with open(build_dir / "documents.jsonl", encoding="utf-8") as lines:
        documents = [_document_from_json(json.loads(line)) for line in lines]
    names = [e["name"] for e in manifest["embedders"]]
    # Mapped, not read: the pages a search touches are loaded, and shared between processes.
    stored = StoredVectors(
        documents=documents,
        chunks=np.load(build_dir / "chunks.npy"),
        sentences=np.load(build_dir / "sentences.npy"),
        chunk_vectors={
            n: np.load(build_dir / f"vectors-{n}-chunks.npy", mmap_mode="r") for n in names
        },
        sentence_vectors={
            n: np.load(build_dir / f"vectors-{n}-sentences.npy", mmap_mode="r") for n in names
        },
        manifest=manifest,
    )
    for embedder in manifest["embedders"]:
        name, dim = embedder["name"], embedder["dim"]
        for vectors, table in (
            (stored.chunk_vectors[name], stored.chunks),
            (stored.sentence_vectors[name], stored.sentences),
        ):
            if vectors.shape != (len(table), dim):
                raise ValueError(
                    f"the {name} vectors do not match the chunk and sentence tables "
                    f"and the manifest's {dim} dimensions"
                )
    return stored


def _read_parts(build_dir: Path, manifest: dict) -> IndexData:
    stored = _read_vectors(build_dir, manifest)
    names = [e["name"] for e in manifest["embedders"]]
    data = IndexData(
        documents=stored.documents,
        chunks=stored.chunks,
        sentences=stored.sentences,
        chunk_vectors=stored.chunk_vectors,
        sentence_vectors=stored.sentence_vectors,
        dense={n: DenseIndex.load(build_dir / f"dense-{n}-chunks.faiss") for n in names},
        sentence_codes={n: Codes.load(build_dir / f"codes-{n}-sentences.faiss") for n in names},
        chunk_hubness={n: np.load(build_dir / f"hubness-{n}-chunks.npy") for n in names},
        lexical={lang: LexicalIndex.load(lang, build_dir / f"bm25-{lang}") for lang in LANGS},
        lexicon=Lexicon.load(build_dir / "lexicon"),
        manifest=manifest,
    )
    for embedder in manifest["embedders"]:
        name, dim = embedder["name"], embedder["dim"]
        chunk_rows = {len(data.chunk_hubness[name]), data.dense[name].size}
        if (
            chunk_rows != {len(data.chunks)}
            or data.sentence_codes[name].size != len(data.sentences)
            or {data.dense[name].dim, data.sentence_codes[name].dim} != {dim}
        ):
            raise ValueError(
                f"the {name} vectors and indexes do not match the chunk and sentence tables "
                f"and the manifest's {dim} dimensions"
            )
    return data


def current_build_dir(index_dir: Path) -> Path:
    """The build that CURRENT points to; a clear error when there is none."""
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        raise IndexNotFoundError(
            f"no index at {index_dir}: run `docqa ingest --index {index_dir}` first"
        )
    build_dir = index_dir / BUILDS / pointer.read_text("utf-8").strip()
    if not (build_dir / "manifest.json").is_file():
        raise IndexNotFoundError(f"{index_dir}/{CURRENT} points to a missing build {build_dir}")
    return build_dir


def staging_dir(index_dir: Path, build_id: str) -> Path:
    """Where a build is written before it is switched in; hidden from readers by its name."""
    return index_dir / BUILDS / f".staging-{build_id}"


def publish(index_dir: Path, staged: Path, build_id: str) -> Path:
    """Make a complete staged build the current one in one atomic rename, then prune old ones."""
    final = index_dir / BUILDS / build_id
    os.replace(staged, final)
    pointer_tmp = index_dir / f".{CURRENT}.{build_id}"
    pointer_tmp.write_text(build_id + "\n", "utf-8")
    with open(pointer_tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pointer_tmp, index_dir / CURRENT)
    _prune(index_dir, keep=final)
    return final


def remove_staging(index_dir: Path) -> None:
    """Delete builds an interrupted ingest left half-written; call only under the ingest lock."""
    builds = index_dir / BUILDS
    if builds.is_dir():
        for leftover in builds.glob(".staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)


def _prune(index_dir: Path, keep: Path) -> None:
    finished = sorted(
        (
            p
            for p in (index_dir / BUILDS).iterdir()
            if p.is_dir() and p != keep and not p.name.startswith(".staging-")
        ),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in finished[KEEP_BUILDS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)
