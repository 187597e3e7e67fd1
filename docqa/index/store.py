"""The FAISS backend: each build a folder of arrays, FAISS and bm25s files, switched in atomically.

<index_dir>/CURRENT                 the current build's id, replaced in one os.replace
<index_dir>/builds/<id>/            a published build, never modified
<index_dir>/builds/.staging-<id>/   a build being written, invisible to readers
"""

import json
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from docqa.index import codes
from docqa.index.base import (
    Backend,
    BuildParts,
    IndexBuild,
    IndexDamagedError,
    IndexNotFoundError,
    Stored,
)
from docqa.index.codes import Codes
from docqa.index.dense import DenseIndex, kind_for
from docqa.index.lexical import LexicalIndex
from docqa.index.lexicon import Lexicon
from docqa.index.manifest import FORMAT_VERSION, VECTOR_FORMATS, Manifest, ManifestError
from docqa.model import CHUNK_LANG, LANGS, Chunked, Document, Page, Vectors

CURRENT = "CURRENT"
BUILDS = "builds"
# Builds older than these are removed after a switch; the previous one stays for in-flight readers.
KEEP_BUILDS = 2

logger = logging.getLogger(__name__)


@dataclass
class FaissBuild(IndexBuild):
    """Everything a build folder holds; read back, the vectors and indexes are mapped from disk.

    A search reads the codes (`dense`, `sentence_codes`), never the float vectors: those are
    kept for the next ingest, which reuses the vectors of unchanged documents.
    """

    manifest: Manifest
    documents: list[Document]
    chunks: np.ndarray
    sentences: np.ndarray
    # Per embedder name: unit vectors of chunks and of sentences.
    vectors: dict[str, Vectors]
    # Per embedder name: the search index over the chunk vectors, and the sentence vectors'
    # codes.
    dense: dict[str, DenseIndex]
    sentence_codes: dict[str, Codes]
    # Per embedder name: each chunk's hubness (see index.hubness).
    chunk_hubness: dict[str, np.ndarray]
    # Per language: BM25 over that language's chunks.
    lexical: dict[str, LexicalIndex]
    lexicon: Lexicon

    @classmethod
    def of(cls, parts: BuildParts, exact_max: int) -> "FaissBuild":
        """The FAISS and BM25 indexes of a build's parts, in memory."""
        chunked = parts.chunked
        manifest = parts.manifest.model_copy(
            update={
                "dense_index": kind_for(len(chunked.chunks), exact_max),
                "sentence_codes": codes.KIND,
            }
        )
        texts = chunked.chunk_texts()
        lexical = {}
        for i, lang in enumerate(LANGS):
            rows = np.flatnonzero(chunked.chunks[:, CHUNK_LANG] == i)
            lexical[lang] = LexicalIndex.build(lang, [texts[r] for r in rows], rows)
        return cls(
            manifest=manifest,
            documents=chunked.documents,
            chunks=chunked.chunks,
            sentences=chunked.sentences,
            vectors=parts.vectors,
            dense={n: DenseIndex.build(v.chunks, exact_max) for n, v in parts.vectors.items()},
            sentence_codes={n: Codes.build(v.sentences) for n, v in parts.vectors.items()},
            chunk_hubness=parts.hubness,
            lexical=lexical,
            lexicon=parts.lexicon,
        )

    def dense_search(
        self, embedder: str, vector: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.dense[embedder].search(vector, k)

    def lexical_search(self, lang: str, text: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self.lexical[lang].search(text, k)

    def chunk_vectors(self, embedder: str, rows: np.ndarray) -> np.ndarray:
        return self.dense[embedder].vectors(rows)

    def sentence_vectors(self, embedder: str, rows: np.ndarray) -> np.ndarray:
        return self.sentence_codes[embedder].vectors(rows)

    def hubness(self, embedder: str, rows: np.ndarray) -> np.ndarray:
        return self.chunk_hubness[embedder][rows]

    def stored(self, location: Path) -> Stored:
        chunked = Chunked(self.documents, self.chunks, self.sentences)
        words = {lang: len(words) for lang, words in self.lexicon.words.items()}
        return Stored(self.manifest, str(location), chunked, self.vectors, words)


def _document_to_json(doc: Document) -> dict:
    record = asdict(doc)
    record["pages"] = [asdict(p) for p in doc.pages]
    return record


def _document_from_json(record: dict) -> Document:
    pages = tuple(Page(**p) for p in record.pop("pages"))
    return Document(**record, pages=pages)


def write_build(build_dir: Path, data: FaissBuild) -> None:
    """Write every file of a build into `build_dir` (a fresh, not yet visible folder)."""
    build_dir.mkdir(parents=True)
    np.save(build_dir / "chunks.npy", data.chunks)
    np.save(build_dir / "sentences.npy", data.sentences)
    for name, vectors in data.vectors.items():
        np.save(build_dir / f"vectors-{name}-chunks.npy", vectors.chunks)
        np.save(build_dir / f"vectors-{name}-sentences.npy", vectors.sentences)
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
    (build_dir / "manifest.json").write_text(data.manifest.to_json(), "utf-8")


def read_build(build_dir: Path) -> FaissBuild:
    manifest = _manifest(build_dir, {FORMAT_VERSION})
    with _damaged(build_dir):
        return _read_parts(build_dir, manifest)


def read_for_ingest(build_dir: Path) -> Stored:
    """What the next ingest reuses of a build: all of it in this format, only its documents,
    tables and vectors in an older format that lays those out as this one does."""
    manifest = _manifest(build_dir, VECTOR_FORMATS)
    with _damaged(build_dir):
        if manifest.format == FORMAT_VERSION:
            return _read_parts(build_dir, manifest).stored(build_dir)
        return _read_vectors(build_dir, manifest)


def _manifest(build_dir: Path, formats: set[int] | frozenset[int]) -> Manifest:
    manifest_path = build_dir / "manifest.json"
    if not manifest_path.is_file():
        raise IndexNotFoundError(f"{build_dir} is not a complete index build (no manifest.json)")
    try:
        text = manifest_path.read_text("utf-8")
        version = json.loads(text).get("format")
    except (OSError, ValueError, AttributeError) as error:
        raise IndexDamagedError(
            f"{manifest_path} is unreadable ({error}): run `docqa ingest` to rebuild it"
        ) from error
    # The format first: another format's manifest may have other fields.
    if version not in formats:
        raise IndexNotFoundError(
            f"{build_dir} has index format {version}, this docqa reads {FORMAT_VERSION}: "
            "run `docqa ingest` to rebuild it"
        )
    try:
        return Manifest.parse(text)
    except ManifestError as error:
        raise IndexDamagedError(
            f"{manifest_path} is {error}: run `docqa ingest` to rebuild it"
        ) from error


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


def _read_vectors(build_dir: Path, manifest: Manifest) -> Stored:
    with open(build_dir / "documents.jsonl", encoding="utf-8") as lines:
        documents = [_document_from_json(json.loads(line)) for line in lines]
    chunked = Chunked(
        documents, np.load(build_dir / "chunks.npy"), np.load(build_dir / "sentences.npy")
    )
    # Mapped, not read: the pages a search touches are loaded, and shared between processes.
    vectors = {
        e.name: Vectors(
            np.load(build_dir / f"vectors-{e.name}-chunks.npy", mmap_mode="r"),
            np.load(build_dir / f"vectors-{e.name}-sentences.npy", mmap_mode="r"),
        )
        for e in manifest.embedders
    }
    for embedder in manifest.embedders:
        stored = vectors[embedder.name]
        if stored.chunks.shape != (len(chunked.chunks), embedder.dim) or (
            stored.sentences.shape != (len(chunked.sentences), embedder.dim)
        ):
            raise ValueError(
                f"the {embedder.name} vectors do not match the chunk and sentence tables "
                f"and the manifest's {embedder.dim} dimensions"
            )
    return Stored(manifest, str(build_dir), chunked, vectors, None)


def _read_parts(build_dir: Path, manifest: Manifest) -> FaissBuild:
    stored = _read_vectors(build_dir, manifest)
    names = [e.name for e in manifest.embedders]
    data = FaissBuild(
        manifest=manifest,
        documents=stored.chunked.documents,
        chunks=stored.chunked.chunks,
        sentences=stored.chunked.sentences,
        vectors=stored.vectors,
        dense={n: DenseIndex.load(build_dir / f"dense-{n}-chunks.faiss") for n in names},
        sentence_codes={n: Codes.load(build_dir / f"codes-{n}-sentences.faiss") for n in names},
        chunk_hubness={n: np.load(build_dir / f"hubness-{n}-chunks.npy") for n in names},
        lexical={lang: LexicalIndex.load(lang, build_dir / f"bm25-{lang}") for lang in LANGS},
        lexicon=Lexicon.load(build_dir / "lexicon"),
    )
    for embedder in manifest.embedders:
        name, dim = embedder.name, embedder.dim
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


def switch(index_dir: Path, staged: Path, build_id: str) -> Path:
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


class FaissBackend(Backend):
    """Builds as folders under `index_dir` (the embedded default)."""

    def current_id(self) -> str | None:
        try:
            return (self.index_dir / CURRENT).read_text("utf-8").strip()
        # Missing or garbled: nothing to switch to (an open would say why).
        except (OSError, ValueError):
            return None

    def open(self) -> FaissBuild:
        return read_build(current_build_dir(self.index_dir))

    def reusable(self) -> Stored | None:
        try:
            # An older format still lends its vectors: upgrading docqa need not re-embed.
            return read_for_ingest(current_build_dir(self.index_dir))
        except IndexDamagedError as error:
            # Reuse only saves time: a damaged build must not stop the rebuild that replaces it.
            logger.warning("%s; re-embedding every document", error)
        except IndexNotFoundError:
            pass  # no build yet, or one whose vectors this docqa cannot read
        return None

    def fits(self, stored: Stored) -> bool:
        exact_max = self.settings.exact_search_max_chunks
        manifest = stored.manifest
        return (
            stored.lexicon_words is not None
            and manifest.dense_index == kind_for(len(stored.chunked.chunks), exact_max)
            and manifest.sentence_codes == codes.KIND
            and manifest.lexicon_index
            == {lang: kind_for(n, exact_max) for lang, n in stored.lexicon_words.items()}
        )

    def publish(self, parts: BuildParts) -> str:
        # Under the ingest lock: no other writer can be using them.
        remove_staging(self.index_dir)
        build_id = parts.manifest.build_id
        staged = staging_dir(self.index_dir, build_id)
        try:
            write_build(staged, FaissBuild.of(parts, self.settings.exact_search_max_chunks))
            return str(switch(self.index_dir, staged, build_id))
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
