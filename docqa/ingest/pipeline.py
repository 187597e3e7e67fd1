"""`docqa ingest`: corpus folder in, a complete new index build switched in atomically."""

import fcntl
import itertools
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeGuard

import numpy as np

from docqa.config import Settings
from docqa.embed.registry import get_embedder
from docqa.index import codes, store
from docqa.index.dense import DenseIndex, kind_for
from docqa.index.hubness import hubness
from docqa.index.lexical import LexicalIndex
from docqa.index.lexicon import Lexicon, lexicon_embedder
from docqa.ingest import chunking
from docqa.ingest.base import Document, Limits
from docqa.ingest.chunking import ChunkingParams, chunk_text
from docqa.ingest.documents import Skipped, load_corpus
from docqa.text.language import detect_language

Progress = Callable[[str, int], Callable[[int], None]]

logger = logging.getLogger(__name__)


class IngestError(Exception):
    """Ingest could not produce an index; the previous one, if any, is untouched."""


@dataclass
class IngestReport:
    """What an ingest did, for the CLI summary."""

    build_id: str
    build_dir: Path
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


def _previous(index_dir: Path) -> store.IndexData | store.StoredVectors | None:
    """The current build, for reusing its vectors: only those when it is in an older format
    that lays them out as this one does; None when there is none or it is unusable.

    Reuse only saves time: a damaged build must not stop the full rebuild that replaces it.
    """
    try:
        # An older format still lends its vectors: upgrading docqa need not re-embed the corpus.
        return store.read_for_ingest(store.current_build_dir(index_dir))
    except store.IndexDamagedError as error:
        logger.warning("%s; re-embedding every document", error)
    except store.IndexNotFoundError:
        pass  # no build yet, or one whose vectors this docqa cannot read
    return None


def _same_embedding(previous_key: dict | None, key: dict) -> bool:
    """Whether a build's vectors are what this ingest would embed, whatever its format."""

    def embedding(reuse_key: dict) -> dict:
        return {name: value for name, value in reuse_key.items() if name != "format"}

    return isinstance(previous_key, dict) and embedding(previous_key) == embedding(key)


def _rows_by_doc(documents: np.ndarray, count: int) -> list[np.ndarray]:
    """Per document index below `count`, the rows of a table whose document column holds it.

    One sort for the whole table: a scan of the column per document costs documents × rows
    (50,000 × 4 million at 10^6 chunks).
    """
    order = np.argsort(documents, kind="stable")
    bounds = np.searchsorted(documents[order], np.arange(count + 1))
    return [order[start:stop] for start, stop in itertools.pairwise(bounds)]


def _reusable_rows(
    previous: store.IndexData | store.StoredVectors | None, manifest_key: dict
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per file hash, the previous build's chunk and sentence rows, if built the same way."""
    if previous is None or not _same_embedding(previous.manifest.get("reuse_key"), manifest_key):
        return {}
    count = len(previous.documents)
    chunks = _rows_by_doc(previous.chunks[:, store.CHUNK_DOC], count)
    sentences = _rows_by_doc(previous.sentences[:, store.SENT_DOC], count)
    return {
        doc.sha256 + doc.doc_id: (chunks[index], sentences[index])
        for index, doc in enumerate(previous.documents)
    }


def _up_to_date(
    previous: store.IndexData | store.StoredVectors | None,
    reuse_key: dict,
    documents: list[Document],
    exact_max: int,
) -> TypeGuard[store.IndexData]:
    """The current build is what this ingest would write: same files, settings and index kind."""
    return (
        isinstance(previous, store.IndexData)
        and previous.manifest.get("reuse_key") == reuse_key
        and previous.manifest.get("corpus_hash") == store.corpus_hash(documents)
        and previous.manifest.get("dense_index") == kind_for(len(previous.chunks), exact_max)
        and previous.manifest.get("sentence_codes") == codes.KIND
        and previous.manifest.get("lexicon_index")
        == {lang: kind_for(len(words), exact_max) for lang, words in previous.lexicon.words.items()}
    )


def _tables(
    documents: list[Document], params: ChunkingParams
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    chunk_rows: list[tuple[int, int, int, int, int, int]] = []
    sentence_rows: list[tuple[int, int, int]] = []
    chunk_texts: list[str] = []
    sentence_texts: list[str] = []
    for doc_index, doc in enumerate(documents):
        spans, chunks = chunk_text(doc.doc_id, doc.text, doc.lang, params)
        base = len(sentence_rows)
        for span in spans:
            sentence_rows.append((doc_index, span.start, span.end))
            sentence_texts.append(doc.text[span.start : span.end])
        for chunk in chunks:
            text = doc.text[chunk.start : chunk.end]
            lang = store.LANGS.index(detect_language(text))
            chunk_rows.append(
                (doc_index, chunk.start, chunk.end, base + chunk.first, base + chunk.stop, lang)
            )
            chunk_texts.append(text)
    return (
        np.array(chunk_rows, dtype=np.int32).reshape(-1, 6),
        np.array(sentence_rows, dtype=np.int32).reshape(-1, 3),
        chunk_texts,
        sentence_texts,
    )


def _embed(
    texts: list[str],
    rows: np.ndarray,
    out: np.ndarray,
    encode: Callable[[list[str]], np.ndarray],
    batch: int,
    tick: Callable,
) -> None:
    """Encode the texts of `rows` into the same rows of `out`, a batch at a time.

    Each vector is written where it belongs as it comes: gathering them first held every
    vector twice more (14 GB of float32 each time at 10^6 chunks).
    """
    for start in range(0, len(rows), batch):
        part = rows[start : start + batch]
        out[part] = encode([texts[i] for i in part])
        tick(len(part))


def run_ingest(
    corpus_dir: Path, index_dir: Path, settings: Settings, progress: Progress | None = None
) -> IngestReport:
    """Build a new index from `corpus_dir` and switch `index_dir` to it when complete."""
    started = time.perf_counter()
    if not corpus_dir.is_dir():
        raise IngestError(f"corpus folder {corpus_dir} does not exist or is not a folder")
    progress = progress or (lambda _label, _total: lambda _n: None)
    with _exclusive(index_dir):
        store.remove_staging(index_dir)
        documents, skipped = load_corpus(corpus_dir, ingest_limits(settings))
        if not documents:
            raise IngestError(
                f"no readable documents in {corpus_dir} ({len(skipped)} skipped); "
                "the existing index was left as it was"
            )
        params = chunking_params(settings)
        embedders = [get_embedder(name, settings) for name in settings.embedders]
        reuse_key = {
            "format": store.FORMAT_VERSION,
            "chunking": asdict(params),
            "chunking_code": chunking.code_fingerprint(),
            "embedders": [e.model_id for e in embedders],
        }
        previous = _previous(index_dir)
        exact_max = settings.exact_search_max_chunks
        if _up_to_date(previous, reuse_key, documents, exact_max):
            return IngestReport(
                build_id=previous.manifest["build_id"],
                build_dir=store.current_build_dir(index_dir),
                documents=len(documents),
                chunks=len(previous.chunks),
                sentences=len(previous.sentences),
                skipped=skipped,
                reused_documents=len(documents),
                seconds=time.perf_counter() - started,
                up_to_date=True,
            )
        reusable = _reusable_rows(previous, reuse_key)
        chunks, sentences, chunk_texts, sentence_texts = _tables(documents, params)

        chunk_vectors: dict[str, np.ndarray] = {}
        sentence_vectors: dict[str, np.ndarray] = {}
        chunks_of = _rows_by_doc(chunks[:, store.CHUNK_DOC], len(documents))
        sentences_of = _rows_by_doc(sentences[:, store.SENT_DOC], len(documents))
        reused = {
            index: reusable[doc.sha256 + doc.doc_id]
            for index, doc in enumerate(documents)
            if doc.sha256 + doc.doc_id in reusable
        }
        reused_docs = len(reused)
        fresh = [index for index in range(len(documents)) if index not in reused]
        empty = np.empty(0, np.int64)
        todo_chunks = np.concatenate([empty, *(chunks_of[index] for index in fresh)])
        todo_sentences = np.concatenate([empty, *(sentences_of[index] for index in fresh)])
        for embedder in embedders:
            chunk_out = np.zeros((len(chunks), embedder.dim), np.float32)
            sentence_out = np.zeros((len(sentences), embedder.dim), np.float32)
            for index, (old_chunks, old_sentences) in reused.items():
                assert previous is not None  # rows are reused only from a previous build
                chunk_out[chunks_of[index]] = previous.chunk_vectors[embedder.name][old_chunks]
                sentence_out[sentences_of[index]] = previous.sentence_vectors[embedder.name][
                    old_sentences
                ]
            tick = progress(f"embedding ({embedder.name})", len(todo_chunks) + len(todo_sentences))
            for texts, rows, out in (
                (chunk_texts, todo_chunks, chunk_out),
                (sentence_texts, todo_sentences, sentence_out),
            ):
                _embed(texts, rows, out, embedder.encode_passages, settings.embed_batch_size, tick)
            chunk_vectors[embedder.name] = chunk_out
            sentence_vectors[embedder.name] = sentence_out

        build_id = store.new_build_id()
        manifest = {
            "format": store.FORMAT_VERSION,
            "build_id": build_id,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "embedders": [
                {"name": e.name, "model_id": e.model_id, "dim": e.dim} for e in embedders
            ],
            "reuse_key": reuse_key,
            "corpus_hash": store.corpus_hash(documents),
            "documents": len(documents),
            "chunks": len(chunks),
            "sentences": len(sentences),
            "dense_index": kind_for(len(chunks), exact_max),
            "sentence_codes": codes.KIND,
            "chunks_per_language": {
                lang: int((chunks[:, store.CHUNK_LANG] == i).sum())
                for i, lang in enumerate(store.LANGS)
            },
        }
        lexical, texts_by_lang = {}, {}
        for i, lang in enumerate(store.LANGS):
            rows = np.flatnonzero(chunks[:, store.CHUNK_LANG] == i)
            texts_by_lang[lang] = [chunk_texts[r] for r in rows]
            lexical[lang] = LexicalIndex.build(lang, texts_by_lang[lang], rows)
        lexicon = Lexicon.build(texts_by_lang, lexicon_embedder(embedders), exact_max)
        manifest["lexicon_embedder"] = lexicon_embedder(embedders).name
        manifest["lexicon_index"] = lexicon.kinds
        data = store.IndexData(
            documents=documents,
            chunks=chunks,
            sentences=sentences,
            chunk_vectors=chunk_vectors,
            sentence_vectors=sentence_vectors,
            dense={
                name: DenseIndex.build(vectors, exact_max)
                for name, vectors in chunk_vectors.items()
            },
            sentence_codes={
                name: codes.Codes.build(vectors) for name, vectors in sentence_vectors.items()
            },
            chunk_hubness={name: hubness(vectors) for name, vectors in chunk_vectors.items()},
            lexical=lexical,
            lexicon=lexicon,
            manifest=manifest,
        )
        staged = store.staging_dir(index_dir, build_id)
        try:
            store.write_build(staged, data)
            final = store.publish(index_dir, staged, build_id)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
    return IngestReport(
        build_id=build_id,
        build_dir=final,
        documents=len(documents),
        chunks=len(chunks),
        sentences=len(sentences),
        skipped=skipped,
        reused_documents=reused_docs,
        embedded_documents=len(documents) - reused_docs,
        seconds=time.perf_counter() - started,
    )
