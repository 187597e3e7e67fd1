"""A build's manifest: what it was built from and how, written last and read first."""

from pydantic import BaseModel, ConfigDict, ValidationError

# 2: builds carry the cross-lingual lexicon and hubness; 3: the lexicon counts word chunks;
# 4: the FAISS indexes of the chunk vectors are built at ingest and stored; 5: so are the
# lexicon's indexes of its word vectors; 6: the sentence vectors are also stored as codes,
# and the lexicon's words only in their index, so that a search reads no float vector.
FORMAT_VERSION = 6
# Formats whose documents, tables and float vectors are laid out as this one's: an ingest reuses
# their vectors (format 6 added only what a search reads).
VECTOR_FORMATS = frozenset({5, FORMAT_VERSION})


class ManifestError(ValueError):
    """A manifest that is not one this docqa can read."""


class EmbedderRecord(BaseModel):
    """An embedder a build was made with: registry name, exact model, vector size."""

    model_config = ConfigDict(frozen=True)

    name: str
    model_id: str
    dim: int


class ReuseKey(BaseModel):
    """Everything that decides a build's vectors: an ingest reuses them only under an equal key
    (the format aside, see `same_embedding`)."""

    model_config = ConfigDict(frozen=True)

    format: int
    # ChunkingParams as a dict: the window sizes.
    chunking: dict[str, int]
    # chunking.code_fingerprint(): the code that places sentence and window boundaries.
    chunking_code: str
    # The model_id of each embedder, in order.
    embedders: list[str]

    def same_embedding(self, other: "ReuseKey | None") -> bool:
        """Whether `other`'s vectors are what this key would embed, whatever its format."""
        return other is not None and self.model_copy(update={"format": other.format}) == other


class Manifest(BaseModel):
    """What a build holds; the JSON file of the FAISS backend, the same fields on any other.

    Fields added after format 5 have defaults, so that an older build still lends its vectors.
    """

    # Unknown keys (a newer docqa's) are ignored; the format says whether the build is usable.
    model_config = ConfigDict(frozen=True, extra="ignore")

    format: int
    build_id: str
    # The backend that holds the build (index.base.BACKENDS); builds before it was recorded
    # are FAISS folders.
    backend: str = "faiss"
    # Where that backend keeps it (Backend.location: a folder, or a Milvus URI without its
    # token).
    location: str = ""
    # ISO 8601, UTC, to the second.
    built_at: str
    embedders: list[EmbedderRecord]
    reuse_key: ReuseKey
    # store.corpus_hash of the documents: file ids and contents.
    corpus_hash: str
    documents: int
    chunks: int
    sentences: int
    # The kind of the chunk vectors' search index (dense.EXACT, dense.APPROXIMATE, or what a
    # backend names its own), and of the sentence vectors' codes (codes.KIND).
    dense_index: str = ""
    sentence_codes: str = ""
    chunks_per_language: dict[str, int] = {}
    # The embedder whose word vectors the lexicon holds, and the kind of each language's index.
    lexicon_embedder: str = ""
    lexicon_index: dict[str, str] = {}

    @classmethod
    def parse(cls, text: str) -> "Manifest":
        """The manifest in a JSON text; ManifestError says what is wrong with it."""
        try:
            return cls.model_validate_json(text)
        except ValidationError as error:
            raise ManifestError(
                f"not a docqa manifest ({error.error_count()} problems, first: "
                f"{error.errors()[0]['loc']} {error.errors()[0]['msg']})"
            ) from error

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)
