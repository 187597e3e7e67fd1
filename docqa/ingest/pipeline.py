"""`docqa ingest`: corpus folder in; documents, chunks and vectors handed to index.build."""

import fcntl
import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from docqa.config import Settings
from docqa.embed.base import Embedder
from docqa.embed.registry import get_embedder
from docqa.index.base import Stored, create_backend
from docqa.index.build import build_index, up_to_date
from docqa.index.manifest import FORMAT_VERSION, ReuseKey
from docqa.ingest import chunking
from docqa.ingest.chunking import ChunkingParams, chunk_text
from docqa.ingest.documents import Skipped, load_corpus
from docqa.model import (
    CHUNK_DOC,
    CHUNK_FIRST,
    CHUNK_STOP,
    LANGS,
    SENT_DOC,
    Chunked,
    Document,
    Limits,
    Vectors,
)
from docqa.text.language import detect_language

Progress = Callable[[str, int], Callable[[int], None]]


class IngestError(Exception):
    """Ingest could not produce an index; the previous one, if any, is untouched."""


@dataclass
class IngestReport:
    """What an ingest did, for the CLI summary."""

    build_id: str
    # Where the backend keeps the build (the FAISS backend: its folder).
    location: str
    documents: int
    chunks: int
    sentences: int
    skipped: list[Skipped] = field(default_factory=list)
    reused_documents: int = 0
    embedded_documents: int = 0
    seconds: float = 0.0
    # Nothing changed since the current build, which was kept as it is.
    up_to_date: bool = False


def chunking_params(settings: Settings) -> ChunkingParams:
    return ChunkingParams(
        target_words=settings.chunk_words,
        max_words=settings.chunk_max_words,
        overlap_sentences=settings.chunk_overlap_sentences,
        max_sentence_words=settings.max_sentence_words,
    )


def ingest_limits(settings: Settings) -> Limits:
    return Limits(
        max_file_bytes=settings.max_file_bytes,
        max_pdf_pages=settings.max_pdf_pages,
        max_chars=settings.max_extracted_chars,
        memory_mb=settings.extract_memory_mb,
        seconds=settings.extract_timeout_seconds,
    )


def reuse_key(settings: Settings, model_ids: Sequence[str]) -> ReuseKey:
    """What decides a build's chunks and vectors: the settings, the chunking code, the models
    (each embedder's model_id, in order)."""
    return ReuseKey(
        format=FORMAT_VERSION,
        chunking=asdict(chunking_params(settings)),
        chunking_code=chunking.code_fingerprint(),
        embedders=list(model_ids),
    )


@contextmanager
def _exclusive(index_dir: Path) -> Iterator[None]:
    """One ingest at a time per index folder; a second one fails fast instead of racing."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestError(f"another ingest is already writing {index_dir}") from None
        yield


def _rows_by_doc(documents: np.ndarray, count: int) -> list[np.ndarray]:
    """Per document index below `count`, the rows of a table whose document column holds it.

    One sort for the whole table: a scan of the column per document costs documents × rows
    (50,000 × 4 million at 10^6 chunks).
    """
    order = np.argsort(documents, kind="stable")
    bounds = np.searchsorted(documents[order], np.arange(count + 1))
    return [order[start:stop] for start, stop in itertools.pairwise(bounds)]


def _reusable_rows(
    previous: Stored | None, key: ReuseKey
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per file hash, the previous build's chunk and sentence rows, if built the same way."""
    if previous is None or not key.same_embedding(previous.manifest.reuse_key):
        return {}
    count = len(previous.chunked.documents)
    chunks = _rows_by_doc(previous.chunked.chunks[:, CHUNK_DOC], count)
    sentences = _rows_by_doc(previous.chunked.sentences[:, SENT_DOC], count)
    return {
        doc.sha256 + doc.doc_id: (chunks[index], sentences[index])
        for index, doc in enumerate(previous.chunked.documents)
    }


def chunk_document(doc: Document, params: ChunkingParams) -> tuple[np.ndarray, np.ndarray]:
    """One document's chunk and sentence rows as if it were the only one (document index 0,
    sentences counted from 0): `merge_chunks` puts them in place. Each chunk's language is
    detected."""
    spans, chunks = chunk_text(doc.doc_id, doc.text, doc.lang, params)
    sentence_rows = [(0, span.start, span.end) for span in spans]
    chunk_rows = [
        (
            0,
            c.start,
            c.end,
            c.first,
            c.stop,
            LANGS.index(detect_language(doc.text[c.start : c.end])),
        )
        for c in chunks
    ]
    return (
        np.array(chunk_rows, dtype=np.int32).reshape(-1, 6),
        np.array(sentence_rows, dtype=np.int32).reshape(-1, 3),
    )


def merge_chunks(
    documents: list[Document], tables: Sequence[tuple[np.ndarray, np.ndarray]]
) -> Chunked:
    """The tables of the documents, chunked one by one (`chunk_document`), in their order."""
    chunk_tables = [np.empty((0, 6), np.int32)]
    sentence_tables = [np.empty((0, 3), np.int32)]
    base = 0
    for index, (chunks, sentences) in enumerate(tables):
        chunks, sentences = chunks.copy(), sentences.copy()
        chunks[:, CHUNK_DOC] = index
        chunks[:, [CHUNK_FIRST, CHUNK_STOP]] += base
        sentences[:, SENT_DOC] = index
        base += len(sentences)
        chunk_tables.append(chunks)
        sentence_tables.append(sentences)
    return Chunked(documents, np.concatenate(chunk_tables), np.concatenate(sentence_tables))


def chunk_corpus(documents: list[Document], params: ChunkingParams) -> Chunked:
    """The documents' sentences and chunks as tables."""
    return merge_chunks(documents, [chunk_document(doc, params) for doc in documents])


class Rows:
    """Some rows of a table of vectors, numbered from 0: item i is the table's row `rows[i]`.

    An encoder writes each vector where it belongs as it comes: gathering them first held
    every vector twice more (14 GB of float32 each time at 10^6 chunks).
    """

    def __init__(self, table: np.ndarray, rows: np.ndarray) -> None:
        self.table = table
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __setitem__(self, items: slice | np.ndarray, vectors: np.ndarray) -> None:
        self.table[self.rows[items]] = vectors


# Writes every embedder's vectors of `texts` into `into[embedder.name]`, item i for texts[i].
Encode = Callable[[Sequence[Embedder], list[str], dict[str, Rows], Settings, Progress], None]


def encode_locally(
    embedders: Sequence[Embedder],
    texts: list[str],
    into: dict[str, Rows],
    settings: Settings,
    progress: Progress,
) -> None:
    """The default `Encode`: in this process, `settings.embed_batch_size` texts a call."""
    batch = settings.embed_batch_size
    for embedder in embedders:
        tick = progress(f"embedding ({embedder.name})", len(texts))
        for start in range(0, len(texts), batch):
            part = texts[start : start + batch]
            into[embedder.name][start : start + len(part)] = embedder.encode_passages(part)
            tick(len(part))


@dataclass(frozen=True)
class Stages:
    """How ingest loads, chunks and embeds: here by default; docqa.ingest.ray* gives its own.
    Everything else (the lock, reuse, the up-to-date check, the build) stays in run_ingest."""

    load: Callable[[Path, Limits], tuple[list[Document], list[Skipped]]] = load_corpus
    chunk: Callable[[list[Document], ChunkingParams], Chunked] = chunk_corpus
    encode: Encode = encode_locally


def _vectors(
    chunked: Chunked,
    embedders: list[Embedder],
    previous: Stored | None,
    key: ReuseKey,
    settings: Settings,
    progress: Progress,
    encode: Encode = encode_locally,
) -> tuple[dict[str, Vectors], int]:
    """Every embedder's vectors of the chunks and sentences, copied from the previous build for
    the files it holds unchanged, encoded for the others; and how many files were reused."""
    documents = chunked.documents
    reusable = _reusable_rows(previous, key)
    chunks_of = _rows_by_doc(chunked.chunks[:, CHUNK_DOC], len(documents))
    sentences_of = _rows_by_doc(chunked.sentences[:, SENT_DOC], len(documents))
    reused = {
        index: reusable[doc.sha256 + doc.doc_id]
        for index, doc in enumerate(documents)
        if doc.sha256 + doc.doc_id in reusable
    }
    fresh = [index for index in range(len(documents)) if index not in reused]
    empty = np.empty(0, np.int64)
    todo_chunks = np.concatenate([empty, *(chunks_of[index] for index in fresh)])
    todo_sentences = np.concatenate([empty, *(sentences_of[index] for index in fresh)])
    vectors: dict[str, Vectors] = {}
    for embedder in embedders:
        out = vectors[embedder.name] = Vectors(
            np.zeros((len(chunked.chunks), embedder.dim), np.float32),
            np.zeros((len(chunked.sentences), embedder.dim), np.float32),
        )
        for index, (old_chunks, old_sentences) in reused.items():
            assert previous is not None  # rows are reused only from a previous build
            old = previous.vectors[embedder.name]
            out.chunks[chunks_of[index]] = old.chunks[old_chunks]
            out.sentences[sentences_of[index]] = old.sentences[old_sentences]
    for texts, rows, table in (
        (chunked.chunk_texts(), todo_chunks, "chunks"),
        (chunked.sentence_texts(), todo_sentences, "sentences"),
    ):
        into = {name: Rows(getattr(v, table), rows) for name, v in vectors.items()}
        encode(embedders, [texts[i] for i in rows], into, settings, progress)
    return vectors, len(reused)


def run_ingest(
    corpus_dir: Path,
    index_dir: Path,
    settings: Settings,
    progress: Progress | None = None,
    stages: Stages = Stages(),
) -> IngestReport:
    """Build a new index from `corpus_dir` and switch `index_dir` to it when complete."""
    started = time.perf_counter()
    if not corpus_dir.is_dir():
        raise IngestError(f"corpus folder {corpus_dir} does not exist or is not a folder")
    progress = progress or (lambda _label, _total: lambda _n: None)
    backend = create_backend(settings, index_dir)
    with _exclusive(index_dir):
        documents, skipped = stages.load(corpus_dir, ingest_limits(settings))
        if not documents:
            raise IngestError(
                f"no readable documents in {corpus_dir} ({len(skipped)} skipped); "
                "the existing index was left as it was"
            )
        embedders = [get_embedder(name, settings) for name in settings.embedders]
        key = reuse_key(settings, [e.model_id for e in embedders])
        previous = backend.reusable()
        if previous is not None and up_to_date(backend, previous, key, documents):
            return IngestReport(
                build_id=previous.manifest.build_id,
                location=previous.location,
                documents=len(documents),
                chunks=len(previous.chunked.chunks),
                sentences=len(previous.chunked.sentences),
                skipped=skipped,
                reused_documents=len(documents),
                seconds=time.perf_counter() - started,
                up_to_date=True,
            )
        chunked = stages.chunk(documents, chunking_params(settings))
        vectors, reused_docs = _vectors(
            chunked, embedders, previous, key, settings, progress, stages.encode
        )
        build_id, location = build_index(backend, chunked, vectors, embedders, key)
    return IngestReport(
        build_id=build_id,
        location=location,
        documents=len(documents),
        chunks=len(chunked.chunks),
        sentences=len(chunked.sentences),
        skipped=skipped,
        reused_documents=reused_docs,
        embedded_documents=len(documents) - reused_docs,
        seconds=time.perf_counter() - started,
    )
