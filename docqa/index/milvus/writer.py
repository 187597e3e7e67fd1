"""Writing a build into its own collections, and the registry that says which build is served.

A build's collections are filled first; only then is its manifest row written, and then one
"current" row naming it, in a single insert: that insert is the atomic switch. Readers resolve
"current" once per opened build and read that build's collections by name, so a switch never
mixes two builds within one answer. Collections without a manifest row are an interrupted
ingest's, dropped by the next one.
"""

import json
import time
from collections.abc import Iterator

import numpy as np
from pymilvus import MilvusClient

from docqa.index.base import BuildParts
from docqa.index.lexicon import Lexicon
from docqa.index.milvus import schema
from docqa.index.milvus.schema import Layout
from docqa.model import CHUNK_END, CHUNK_LANG, LANGS, Document
from docqa.text.normalize import fold

# Rows per insert: Milvus Lite takes inserts of about 500 rows (measured for issue 16).
BATCH_ROWS = 500
# Builds kept after a switch: the new one and the previous, which a reader may still hold.
KEEP_BUILDS = 2
CURRENT = "current:"
MANIFEST = "manifest:"


def _batches(rows: Iterator[dict]) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(client: MilvusClient, name: str, rows: Iterator[dict]) -> None:
    for batch in _batches(rows):
        client.insert(name, batch)


def _chunk_rows(parts: BuildParts) -> Iterator[dict]:
    for row, (doc, start, end, first, stop, lang) in enumerate(parts.chunked.chunks.tolist()):
        record = {"row": row, "doc": doc, "start": start, "end": end, "first": first}
        record |= {"stop": stop, "lang": lang}
        for name, vectors in parts.vectors.items():
            record[schema.vector_field(name)] = vectors.chunks[row].tolist()
            record[schema.hubness_field(name)] = float(parts.hubness[name][row])
        yield record


def _lexical_rows(parts: BuildParts, lang: str) -> Iterator[dict]:
    chunked = parts.chunked
    for row in np.flatnonzero(chunked.chunks[:, CHUNK_LANG] == LANGS.index(lang)).tolist():
        doc, start, end = chunked.chunks[row, : CHUNK_END + 1].tolist()
        yield {"row": row, schema.TEXT: chunked.text(doc, start, end)}


def _sentence_rows(parts: BuildParts) -> Iterator[dict]:
    for row, (doc, start, end) in enumerate(parts.chunked.sentences.tolist()):
        record = {"row": row, "doc": doc, "start": start, "end": end}
        for name, vectors in parts.vectors.items():
            record[schema.vector_field(name)] = vectors.sentences[row].tolist()
        yield record


def document_meta(doc: Document) -> str:
    return json.dumps(
        {
            "doc_id": doc.doc_id,
            "title": doc.title,
            "source": doc.source,
            "lang": doc.lang,
            "sha256": doc.sha256,
            "pages": [[p.number, p.start, p.end] for p in doc.pages],
        },
        ensure_ascii=False,
    )


def _document_rows(documents: list[Document]) -> Iterator[dict]:
    step = schema.TEXT_PART_CHARS
    for doc_row, doc in enumerate(documents):
        parts = [doc.text[i : i + step] for i in range(0, len(doc.text), step)] or [""]
        for part, text in enumerate(parts):
            yield {
                "row": doc_row << 20 | part,
                "doc": doc_row,
                "part": part,
                "text": text,
                "meta": document_meta(doc) if part == 0 else "",
                schema.PLACEHOLDER: schema.PLACEHOLDER_VECTOR,
            }


def _lexicon_rows(lexicon: Lexicon) -> Iterator[dict]:
    row = 0
    for lang, words in lexicon.words.items():
        vectors = lexicon.indexes[lang].vectors(np.arange(len(words)))
        for word, vector in zip(words, vectors, strict=True):
            yield {
                "row": row,
                "lang": LANGS.index(lang),
                "word": word,
                "count": lexicon.chunk_counts.get(fold(word), 0),
                "vec": vector.tolist(),
            }
            row += 1


def layout_of(parts: BuildParts, lite: bool) -> Layout:
    dims = {e.name: e.dim for e in parts.manifest.embedders}
    lexicon_dim = next(iter(parts.lexicon.indexes.values())).dim
    return Layout(dims=dims, lexicon_dim=lexicon_dim, lite=lite)


def registry_rows(client: MilvusClient, prefix: str) -> dict[str, str]:
    """The registry's rows whose key starts with `prefix`, key -> value."""
    found = client.query(
        schema.REGISTRY, filter=f'key like "{prefix}%"', output_fields=["key", "value"]
    )
    return {row["key"]: row["value"] for row in found}


def current_id(client: MilvusClient) -> str | None:
    """The build the latest "current" row names, or None before the first switch."""
    if not client.has_collection(schema.REGISTRY):
        return None
    rows = registry_rows(client, CURRENT)
    return rows[max(rows)] if rows else None


def published(client: MilvusClient) -> list[str]:
    """Build keys in the order they were switched in, latest last."""
    rows = registry_rows(client, CURRENT)
    return list(dict.fromkeys(schema.build_key(rows[key]) for key in sorted(rows)))


def _register(client: MilvusClient, key: str, value: str) -> None:
    row = {"key": key, "value": value, schema.PLACEHOLDER: schema.PLACEHOLDER_VECTOR}
    client.insert(schema.REGISTRY, [row])
    client.flush(schema.REGISTRY)


def write(client: MilvusClient, parts: BuildParts, lite: bool, manifest_json: str) -> str:
    """Fill a new build's collections and switch to it; returns its key."""
    schema.create_registry(client)
    _drop_unfinished(client)
    build_id = parts.manifest.build_id
    key = schema.build_key(build_id)
    rows = {
        "chunks": _chunk_rows(parts),
        "sentences": _sentence_rows(parts),
        "documents": _document_rows(parts.chunked.documents),
        "lexicon": _lexicon_rows(parts.lexicon),
        **{schema.lexical_kind(lang): _lexical_rows(parts, lang) for lang in LANGS},
    }
    try:
        schema.create(client, build_id, layout_of(parts, lite))
        for kind in schema.KINDS:
            _insert(client, schema.collection(build_id, kind), rows[kind])
            client.flush(schema.collection(build_id, kind))
        _register(client, MANIFEST + key, manifest_json)
    except BaseException:
        drop_build(client, key)
        raise
    # The switch: one row. Its key orders the switches (nanoseconds since the epoch).
    _register(client, f"{CURRENT}{time.time_ns():020d}", build_id)
    _prune(client, key)
    return key


def drop_build(client: MilvusClient, key: str) -> None:
    for kind in schema.KINDS:
        name = f"{schema.PREFIX}_{key}_{kind}"
        if client.has_collection(name):
            client.drop_collection(name)
    client.delete(schema.REGISTRY, filter=f'key == "{MANIFEST}{key}"')


def _build_keys(client: MilvusClient) -> set[str]:
    """Keys of every build that has collections, finished or not."""
    keys = set()
    for name in client.list_collections():
        for kind in schema.KINDS:
            head, tail = f"{schema.PREFIX}_", f"_{kind}"
            if name.startswith(head) and name.endswith(tail) and name != schema.REGISTRY:
                keys.add(name[len(head) : -len(tail)])
    return keys


def _drop_unfinished(client: MilvusClient) -> None:
    """Drop the collections of builds an interrupted ingest left without a manifest row."""
    finished = {k.removeprefix(MANIFEST) for k in registry_rows(client, MANIFEST)}
    for key in _build_keys(client) - finished:
        drop_build(client, key)


def _prune(client: MilvusClient, published_now: str) -> None:
    order = published(client)
    # The build just switched in is kept even where a read of the registry does not show its
    # switch yet: at 10^5 chunks on Milvus Lite one did not, and the new build was dropped.
    keep = set(order[-KEEP_BUILDS:]) | {published_now}
    for key in (_build_keys(client) | set(order)) - keep:
        drop_build(client, key)
    switches = sorted(registry_rows(client, CURRENT))
    # The latest switch rows name the kept builds; older rows name dropped ones.
    stale = switches[:-KEEP_BUILDS]
    if stale:
        client.delete(schema.REGISTRY, ids=stale)
