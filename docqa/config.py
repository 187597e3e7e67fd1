"""All runtime configuration, read once from DOCQA_* environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
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
    embed_batch_size: int = Field(32, ge=1)
    threads: int = Field(2, ge=1)

    # Chunking: sentence windows of roughly this many words, overlapping by whole sentences.
    chunk_words: int = Field(70, ge=10)
    chunk_max_words: int = 110
    chunk_overlap_sentences: int = Field(1, ge=0)
    max_sentence_words: int = Field(60, ge=5)

    # Above this many chunks the dense index switches from exact to approximate search.
    exact_search_max_chunks: int = 200_000
    candidates: int = Field(100, ge=1)

    default_k: int = Field(5, ge=1)
    max_k: int = Field(50, ge=1, le=1000)
    max_question_chars: int = Field(1000, ge=1)

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
