"""All runtime configuration, read once from DOCQA_* environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """docqa settings; every field can be set as DOCQA_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="DOCQA_", env_file=".env", extra="ignore")

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("var/index")

    # Embedders fused at search time, by registry name (see docqa.embed.registry).
    embedders: list[str] = Field(default_factory=lambda: ["e5", "use"])
    # Model folder or hub name for the "st" (sentence-transformers) embedder.
    st_model: str = ""
    embed_batch_size: int = 32
    threads: int = 2

    # Chunking: sentence windows of roughly this many words, overlapping by whole sentences.
    chunk_words: int = 70
    chunk_max_words: int = 110
    chunk_overlap_sentences: int = 1
    max_sentence_words: int = 60

    # Above this many chunks the dense index switches from exact to approximate search.
    exact_search_max_chunks: int = 200_000
    candidates: int = 100

    default_k: int = 5
    max_k: int = 50
    max_question_chars: int = 1000


@lru_cache
def get_settings() -> Settings:
    return Settings()
