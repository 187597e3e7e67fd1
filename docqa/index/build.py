"""Building an index: documents, chunks and vectors in, a published build with its manifest out."""

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from docqa.embed.base import Embedder
from docqa.index.base import Backend, BuildParts, Stored
from docqa.index.hubness import hubness
from docqa.index.lexicon import Lexicon, lexicon_embedder
from docqa.index.manifest import FORMAT_VERSION, EmbedderRecord, Manifest, ReuseKey
from docqa.model import CHUNK_LANG, LANGS, Chunked, Document, Vectors


def new_build_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


def corpus_hash(documents: list[Document]) -> str:
    """One hash for the whole corpus as indexed: file ids and contents."""
    digest = hashlib.sha256()
    for doc in sorted(documents, key=lambda d: d.doc_id):
        digest.update(f"{doc.doc_id}\0{doc.sha256}\n".encode())
    return digest.hexdigest()


def up_to_date(backend: Backend, stored: Stored, key: ReuseKey, documents: list[Document]) -> bool:
    """The stored build is what a build of these documents would be: same files, same key,
    indexes of the kinds the backend would build now."""
    return (
        stored.manifest.format == FORMAT_VERSION
        and stored.manifest.reuse_key == key
        and stored.manifest.corpus_hash == corpus_hash(documents)
        and backend.fits(stored)
    )


def build_index(
    backend: Backend,
    chunked: Chunked,
    vectors: dict[str, Vectors],
    embedders: Sequence[Embedder],
    key: ReuseKey,
) -> tuple[str, str]:
    """Compute what docqa ranks with beyond the backend's own search (the lexicon here, the
    hubness in `publish_build`) and publish it all as the backend's new current build.

    `vectors` holds one entry per embedder, by name, in the order of `embedders`; `key` is
    what decided the chunks and vectors (ingest.pipeline.reuse_key). Returns the new build's
    id and where the backend put it.
    """
    words_embedder = lexicon_embedder(list(embedders))
    lexicon = Lexicon.build(
        chunk_texts_by_lang(chunked), words_embedder, backend.settings.exact_search_max_chunks
    )
    records = [EmbedderRecord(name=e.name, model_id=e.model_id, dim=e.dim) for e in embedders]
    return publish_build(backend, chunked, vectors, records, key, lexicon, words_embedder.name)


def chunk_texts_by_lang(chunked: Chunked) -> dict[str, list[str]]:
    """Per language, the texts of its chunks, in row order."""
    texts = chunked.chunk_texts()
    return {
        lang: [texts[r] for r in np.flatnonzero(chunked.chunks[:, CHUNK_LANG] == i)]
        for i, lang in enumerate(LANGS)
    }


def publish_build(
    backend: Backend,
    chunked: Chunked,
    vectors: dict[str, Vectors],
    embedders: Sequence[EmbedderRecord],
    key: ReuseKey,
    lexicon: Lexicon,
    lexicon_embedder: str,
) -> tuple[str, str]:
    """`build_index` with the lexicon already made (the scale benchmark's has synthetic word
    vectors): each chunk's hubness, the manifest, and `backend.publish`."""
    chunks = chunked.chunks
    manifest = Manifest(
        format=FORMAT_VERSION,
        build_id=new_build_id(),
        backend=backend.settings.index_backend,
        location=backend.location,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        embedders=list(embedders),
        reuse_key=key,
        corpus_hash=corpus_hash(chunked.documents),
        documents=len(chunked.documents),
        chunks=len(chunks),
        sentences=len(chunked.sentences),
        chunks_per_language={
            lang: int((chunks[:, CHUNK_LANG] == i).sum()) for i, lang in enumerate(LANGS)
        },
        lexicon_embedder=lexicon_embedder,
        lexicon_index=lexicon.kinds,
    )
    parts = BuildParts(
        manifest=manifest,
        chunked=chunked,
        vectors=vectors,
        hubness={name: hubness(v.chunks) for name, v in vectors.items()},
        lexicon=lexicon,
    )
    return manifest.build_id, backend.publish(parts)
