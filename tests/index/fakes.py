"""Small fake embedders and a real FAISS build of a few texts made with them: no model loads."""

import hashlib
import re
from pathlib import Path

import numpy as np
from conftest import SMALL_CORPUS, make_settings

from docqa.config import Settings
from docqa.embed.base import Embedder, normalized
from docqa.index.build import build_index
from docqa.index.manifest import FORMAT_VERSION, ReuseKey
from docqa.index.search import RankingParams, Searcher
from docqa.index.store import FaissBackend
from docqa.ingest.chunking import ChunkingParams
from docqa.ingest.pipeline import chunk_corpus
from docqa.model import Document, Vectors
from docqa.text.language import detect_language
from docqa.text.normalize import fold

_WORD = re.compile(r"\w+")


class WordHash(Embedder):
    """A bag of words hashed into `dim` buckets: texts sharing words are similar, and nothing
    else is. Each instance hashes with its own salt, so two of them rank differently."""

    def __init__(self, name: str, dim: int = 64) -> None:
        self.name = name
        self.model_id = f"word-hash:{name}:{dim}"
        self.dim = dim

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(fold(text)):
                digest = hashlib.blake2b(f"{self.name}:{word}".encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest) % self.dim] += 1.0
            if not out[row].any():
                out[row, 0] = 1.0
        return normalized(out)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


def fake_embedders() -> list[Embedder]:
    return [WordHash("hash-a"), WordHash("hash-b", 48)]


def documents(files: dict[str, str] = SMALL_CORPUS) -> list[Document]:
    return [
        Document(
            name, name, name, detect_language(text), text, hashlib.sha256(text.encode()).hexdigest()
        )
        for name, text in files.items()
    ]


def fake_searcher(
    index_dir: Path,
    files: dict[str, str] = SMALL_CORPUS,
    params: RankingParams | None = None,
    **overrides: object,
) -> Searcher:
    """A real build of `files` (chunked as ingest does, published by the FAISS backend) with
    the fake embedders, opened as a Searcher."""
    settings: Settings = make_settings(index_dir, index_dir.parent / "corpus", **overrides)
    embedders = fake_embedders()
    chunked = chunk_corpus(documents(files), ChunkingParams(target_words=12, max_words=24))
    vectors = {
        e.name: Vectors(
            e.encode_passages(chunked.chunk_texts()), e.encode_passages(chunked.sentence_texts())
        )
        for e in embedders
    }
    key = ReuseKey(
        format=FORMAT_VERSION,
        chunking={},
        chunking_code="fake",
        embedders=[e.model_id for e in embedders],
    )
    backend = FaissBackend(settings, index_dir)
    build_index(backend, chunked, vectors, embedders, key)
    return Searcher(backend.open(), embedders, settings, params)
