"""The collections of one build: their names, fields, analyzers and indexes."""

import re
from dataclasses import dataclass

from pymilvus import CollectionSchema, DataType, Function, FunctionType, MilvusClient
from pymilvus.milvus_client.index import IndexParams

from docqa.index.lexical import stopwords
from docqa.model import LANGS

# Bumped when the collections' fields change; a build of another version is refused at open.
# 2: each language's BM25 in its own collection.
SCHEMA_VERSION = 2
PREFIX = "docqa"
# One row: which build is served ("current"), and per build its manifest ("build:<id>").
REGISTRY = f"{PREFIX}_builds"
KINDS = ("chunks", "sentences", "documents", "lexicon", *(f"bm25_{lang}" for lang in LANGS))
# The fields of a BM25 collection: the chunk's text, and what Milvus's BM25 function makes of it.
TEXT = "text"
BM25 = "bm25"
# VARCHAR holds at most 65,535 bytes: a document's text is stored in parts of this many
# characters (4 UTF-8 bytes each at most).
TEXT_PART_CHARS = 16_000
MAX_VARCHAR = 65_535
# Every Milvus 2.5 collection needs a vector field; those read only by key get this one.
PLACEHOLDER = "_"
PLACEHOLDER_VECTOR = [0.0, 0.0]

# docqa's own BM25 (index.lexical) folds accents and case, drops the language's stopwords and
# Snowball-stems; Milvus's analyzer does the same, stopwords folded as docqa folds them.
_STEMMERS = {"es": "spanish", "en": "english"}
# bm25s's defaults, which docqa's own BM25 uses (Milvus's k1 default is 1.2).
BM25_K1 = 1.5
BM25_B = 0.75
# HNSW on a server, as docqa's FAISS settings (index.dense); Lite offers only FLAT and IVF_FLAT.
HNSW_PARAMS = {"M": 32, "efConstruction": 80}
HNSW_EF = 192


def analyzer(lang: str) -> dict:
    return {
        "tokenizer": "standard",
        "filter": [
            "lowercase",
            "asciifolding",
            {"type": "stop", "stop_words": sorted(stopwords(lang))},
            {"type": "stemmer", "language": _STEMMERS[lang]},
        ],
    }


def build_key(build_id: str) -> str:
    """A build id as collection names may hold it (letters, digits, underscores)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", build_id)


def collection(build_id: str, kind: str) -> str:
    return f"{PREFIX}_{build_key(build_id)}_{kind}"


def lexical_kind(lang: str) -> str:
    """The collection kind of one language's BM25."""
    return f"bm25_{lang}"


def vector_field(embedder: str) -> str:
    return f"vec_{embedder}"


def hubness_field(embedder: str) -> str:
    return f"hub_{embedder}"


@dataclass(frozen=True)
class Layout:
    """What shapes a build's collections: its embedders' dimensions and the lexicon's."""

    dims: dict[str, int]
    lexicon_dim: int
    lite: bool

    def dense_index(self, params: IndexParams, field: str) -> None:
        if self.lite:
            params.add_index(field, index_type="FLAT", metric_type="IP")
        else:
            params.add_index(field, index_type="HNSW", metric_type="IP", params=HNSW_PARAMS)

    @property
    def search_params(self) -> dict:
        return {"metric_type": "IP", "params": {} if self.lite else {"ef": HNSW_EF}}


def _keyed(client: MilvusClient) -> tuple[CollectionSchema, IndexParams]:
    schema = client.create_schema(auto_id=False)
    schema.add_field("row", DataType.INT64, is_primary=True)
    params = client.prepare_index_params()
    return schema, params


def _placeholder(schema: CollectionSchema, params: IndexParams) -> None:
    schema.add_field(PLACEHOLDER, DataType.FLOAT_VECTOR, dim=len(PLACEHOLDER_VECTOR))
    params.add_index(PLACEHOLDER, index_type="FLAT", metric_type="L2")


def create(client: MilvusClient, build_id: str, layout: Layout) -> None:
    """Create a build's empty collections."""
    schema, params = _keyed(client)
    for column in ("doc", "start", "end", "first", "stop", "lang"):
        schema.add_field(column, DataType.INT32)
    for name, dim in layout.dims.items():
        schema.add_field(vector_field(name), DataType.FLOAT_VECTOR, dim=dim)
        schema.add_field(hubness_field(name), DataType.FLOAT)
        layout.dense_index(params, vector_field(name))
    _create(client, collection(build_id, "chunks"), schema, params)

    # BM25 per language in its own collection (rows: that language's chunk rows), as docqa's
    # own per-language indexes: its document count and mean length are that language's.
    for lang in LANGS:
        schema, params = _keyed(client)
        schema.add_field(
            TEXT,
            DataType.VARCHAR,
            max_length=MAX_VARCHAR,
            enable_analyzer=True,
            analyzer_params=analyzer(lang),
        )
        schema.add_field(BM25, DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=[TEXT],
                output_field_names=[BM25],
            )
        )
        params.add_index(
            BM25,
            index_type="SPARSE_INVERTED_INDEX",
            metric_type="BM25",
            params={"bm25_k1": BM25_K1, "bm25_b": BM25_B},
        )
        _create(client, collection(build_id, lexical_kind(lang)), schema, params)

    schema, params = _keyed(client)
    for column in ("doc", "start", "end"):
        schema.add_field(column, DataType.INT32)
    for name, dim in layout.dims.items():
        schema.add_field(vector_field(name), DataType.FLOAT_VECTOR, dim=dim)
        # Read by row only: an exact index costs nothing to build.
        params.add_index(vector_field(name), index_type="FLAT", metric_type="IP")
    _create(client, collection(build_id, "sentences"), schema, params)

    # A document is several rows, its text in parts: row = document << 20 | part.
    schema, params = _keyed(client)
    schema.add_field("doc", DataType.INT32)
    schema.add_field("part", DataType.INT32)
    schema.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR)
    # Everything else of the document (doc_id, title, pages...) as JSON, in part 0.
    schema.add_field("meta", DataType.VARCHAR, max_length=MAX_VARCHAR)
    _placeholder(schema, params)
    _create(client, collection(build_id, "documents"), schema, params)

    schema, params = _keyed(client)
    schema.add_field("lang", DataType.INT32)
    schema.add_field("word", DataType.VARCHAR, max_length=1024)
    schema.add_field("count", DataType.INT32)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=layout.lexicon_dim)
    params.add_index("vec", index_type="FLAT", metric_type="IP")
    _create(client, collection(build_id, "lexicon"), schema, params)


def create_registry(client: MilvusClient) -> None:
    if client.has_collection(REGISTRY):
        return
    schema = client.create_schema(auto_id=False)
    schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=256)
    schema.add_field("value", DataType.VARCHAR, max_length=MAX_VARCHAR)
    params = client.prepare_index_params()
    _placeholder(schema, params)
    _create(client, REGISTRY, schema, params)


def _create(client: MilvusClient, name: str, schema: CollectionSchema, params: IndexParams) -> None:
    # Strong: a search sees every insert that returned before it, as a build folder does.
    client.create_collection(name, schema=schema, consistency_level="Strong")
    # Not waited for one by one: pymilvus polls each new index every 0.5 s (4.5 s a build on
    # an empty collection); loading waits for them all.
    client.create_index(name, params, sync=False)
    client.load_collection(name)
