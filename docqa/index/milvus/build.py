"""One published build read from its Milvus collections: tables in memory, searches on Milvus."""

import json
import threading

import numpy as np
from pymilvus import MilvusClient

from docqa.index.base import IndexBuild, IndexDamagedError
from docqa.index.lexicon import Lexicon
from docqa.index.manifest import Manifest
from docqa.index.milvus import schema
from docqa.index.milvus.schema import Layout
from docqa.model import LANGS, Document, Page
from docqa.text.normalize import fold

# Rows a scan reads per call.
SCAN_BATCH = 2_000
_EMPTY = (np.empty(0, np.int64), np.empty(0, np.float32))


def scan(client: MilvusClient, name: str, fields: list[str]) -> list[dict]:
    """Every row of a collection, sorted by row."""
    found: list[dict] = []
    iterator = client.query_iterator(name, batch_size=SCAN_BATCH, output_fields=["row", *fields])
    try:
        while batch := iterator.next():
            found.extend(batch)
    finally:
        iterator.close()
    found.sort(key=lambda r: r["row"])
    return found


def _table(rows: list[dict], columns: tuple[str, ...]) -> np.ndarray:
    table = np.array([[row[c] for c in columns] for row in rows], dtype=np.int32)
    return table.reshape(len(rows), len(columns))


def _documents(rows: list[dict]) -> list[Document]:
    texts: dict[int, list[str]] = {}
    metas: dict[int, dict] = {}
    for row in rows:
        texts.setdefault(row["doc"], []).append(row["text"])
        if row["part"] == 0:
            metas[row["doc"]] = json.loads(row["meta"])
    documents = []
    for doc in sorted(metas):
        meta = metas[doc]
        pages = tuple(Page(*page) for page in meta.pop("pages"))
        documents.append(Document(**meta, text="".join(texts[doc]), pages=pages))
    if list(range(len(documents))) != sorted(metas):
        raise ValueError("document rows are missing")
    return documents


def _vectors(rows: list[dict], field: str, dim: int) -> np.ndarray:
    return np.array([row[field] for row in rows], dtype=np.float32).reshape(len(rows), dim)


def _lexicon(rows: list[dict], chunks: int, dim: int, exact_max: int) -> Lexicon:
    words: dict[str, list[str]] = {lang: [] for lang in LANGS}
    vectors: dict[str, list[dict]] = {lang: [] for lang in LANGS}
    counts: dict[str, int] = {}
    for row in rows:
        lang = LANGS[row["lang"]]
        words[lang].append(row["word"])
        vectors[lang].append(row)
        if row["count"]:
            counts[fold(row["word"])] = row["count"]
    return Lexicon.from_vectors(
        words,
        {lang: _vectors(found, "vec", dim) for lang, found in vectors.items()},
        counts,
        chunks,
        exact_max,
    )


class MilvusBuild(IndexBuild):
    """A build whose vectors and BM25 stay in Milvus; documents and tables are read at open."""

    def __init__(
        self, client: MilvusClient, manifest: Manifest, layout: Layout, exact_max: int
    ) -> None:
        self.client = client
        self.manifest = manifest
        self.layout = layout
        build_id = manifest.build_id
        self._names = {kind: schema.collection(build_id, kind) for kind in schema.KINDS}
        self._recent = threading.local()
        try:
            for name in self._names.values():
                client.load_collection(name)
            hubs = [schema.hubness_field(e.name) for e in manifest.embedders]
            chunk_columns = ("doc", "start", "end", "first", "stop", "lang")
            chunk_rows = scan(client, self._names["chunks"], [*chunk_columns, *hubs])
            self.chunks = _table(chunk_rows, chunk_columns)
            self._hubness = {
                e.name: np.array([r[hub] for r in chunk_rows], np.float32)
                for e, hub in zip(manifest.embedders, hubs, strict=True)
            }
            sentence_columns = ("doc", "start", "end")
            self.sentences = _table(
                scan(client, self._names["sentences"], list(sentence_columns)), sentence_columns
            )
            self.documents = _documents(
                scan(client, self._names["documents"], ["doc", "part", "text", "meta"])
            )
            self.lexicon = _lexicon(
                scan(client, self._names["lexicon"], ["lang", "word", "count", "vec"]),
                len(self.chunks),
                layout.lexicon_dim,
                exact_max,
            )
        except (ValueError, KeyError, TypeError) as error:
            raise IndexDamagedError(
                f"the Milvus build {build_id} is damaged ({type(error).__name__}: {error}): "
                "run `docqa ingest` to rebuild it"
            ) from error
        if (len(self.chunks), len(self.sentences), len(self.documents)) != (
            manifest.chunks,
            manifest.sentences,
            manifest.documents,
        ):
            raise IndexDamagedError(
                f"the Milvus build {build_id} holds {len(self.chunks)} chunks, "
                f"{len(self.sentences)} sentences and {len(self.documents)} documents where its "
                "manifest counts "
                f"{manifest.chunks}, {manifest.sentences} and {manifest.documents}: "
                "run `docqa ingest` to rebuild it"
            )

    def _hits(self, found: list[list[dict]]) -> tuple[np.ndarray, np.ndarray]:
        hits = found[0] if found else []
        return (
            np.array([h["id"] for h in hits], np.int64),
            np.array([h["distance"] for h in hits], np.float32),
        )

    def dense_search(
        self, embedder: str, vector: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        if k <= 0:
            return _EMPTY
        found = self.client.search(
            self._names["chunks"],
            data=[np.asarray(vector, np.float32).ravel().tolist()],
            anns_field=schema.vector_field(embedder),
            limit=k,
            search_params=self.layout.search_params,
        )
        return self._hits(found)

    def lexical_search(self, lang: str, text: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        if k <= 0 or not text.strip():
            return _EMPTY
        found = self.client.search(
            self._names[schema.lexical_kind(lang)],
            data=[text],
            anns_field=schema.BM25,
            limit=k,
            search_params={"metric_type": "BM25"},
        )
        return self._hits(found)

    def _by_row(self, kind: str, embedder: str, rows: np.ndarray) -> np.ndarray:
        wanted = np.asarray(rows, np.int64).ravel()
        dim = self.layout.dims[embedder]
        if not len(wanted):
            return np.empty((0, dim), np.float32)
        # A search asks for the same rows once per embedder in turn: one request fetches
        # every embedder's vectors (a quarter less time than one request each), and the
        # thread keeps them for the next embedder's call.
        key = (kind, wanted.tobytes())
        fetched = getattr(self._recent, "vectors", None)
        if fetched is None or fetched[0] != key:
            fields = [schema.vector_field(name) for name in self.layout.dims]
            found = self.client.query(
                self._names[kind], ids=np.unique(wanted).tolist(), output_fields=["row", *fields]
            )
            by_row = {r["row"]: r for r in found}
            ordered = [by_row[r] for r in wanted.tolist()]
            vectors = {
                name: _vectors(ordered, schema.vector_field(name), size)
                for name, size in self.layout.dims.items()
            }
            fetched = self._recent.vectors = (key, vectors)
        return fetched[1][embedder]

    def chunk_vectors(self, embedder: str, rows: np.ndarray) -> np.ndarray:
        return self._by_row("chunks", embedder, rows)

    def sentence_vectors(self, embedder: str, rows: np.ndarray) -> np.ndarray:
        return self._by_row("sentences", embedder, rows)

    def hubness(self, embedder: str, rows: np.ndarray) -> np.ndarray:
        return self._hubness[embedder][rows]

    def all_vectors(self, kind: str, embedder: str) -> np.ndarray:
        """Every vector of a kind ("chunks", "sentences") in row order, for the next ingest."""
        field = schema.vector_field(embedder)
        rows = scan(self.client, self._names[kind], [field])
        return _vectors(rows, field, self.layout.dims[embedder])
