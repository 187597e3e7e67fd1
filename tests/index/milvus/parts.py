"""A small build's parts made by hand: real tables and texts, random unit vectors."""

import numpy as np

from docqa.index.base import BuildParts
from docqa.index.hubness import hubness
from docqa.index.lexicon import Lexicon
from docqa.index.manifest import FORMAT_VERSION, EmbedderRecord, Manifest, ReuseKey
from docqa.model import LANGS, Chunked, Document, Vectors
from docqa.text.normalize import fold

DIMS = {"e5": 384, "use": 512}
TEXTS = [
    ("gatos.txt", "es", "El gato corre por la casa. Los gatos corrían ayer por el jardín."),
    ("ninos.txt", "es", "Un niño juega en el parque. Ellos corren mucho cada tarde."),
    ("cats.txt", "en", "The cats are running home. A child plays with two dogs."),
]


def unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def make_parts(build_id: str, seed: int = 0, long_text: int = 0) -> BuildParts:
    """Three documents of two sentences, one chunk per sentence; `long_text` characters more
    in the first document (its text is then stored in several parts)."""
    rng = np.random.default_rng(seed)
    documents, chunks, sentences = [], [], []
    for doc, (name, lang, text) in enumerate(TEXTS):
        if doc == 0 and long_text:
            text = text + " " + "ñandú " * (long_text // 6)
        documents.append(Document(name, name, name, lang, text, f"sha-{doc}"))
        cut = text.index(". ") + 1
        for start, end in ((0, cut), (cut + 1, len(text))):
            first = len(sentences)
            chunks.append((doc, start, end, first, first + 1, LANGS.index(lang)))
            sentences.append((doc, start, end))
    chunked = Chunked(documents, np.array(chunks, np.int32), np.array(sentences, np.int32))
    vectors = {
        name: Vectors(unit(rng, len(chunks), dim), unit(rng, len(sentences), dim))
        for name, dim in DIMS.items()
    }
    words = {"es": ["casa", "gato", "niño"], "en": ["cat", "child", "home"]}
    lexicon = Lexicon.from_vectors(
        words,
        {lang: unit(rng, len(w), DIMS["use"]) for lang, w in words.items()},
        {fold(w): 1 for ws in words.values() for w in ws},
        len(chunks),
        10_000,
    )
    manifest = Manifest(
        format=FORMAT_VERSION,
        build_id=build_id,
        backend="milvus",
        built_at="2026-12-04T00:00:00+00:00",
        embedders=[EmbedderRecord(name=n, model_id=f"fake-{n}", dim=d) for n, d in DIMS.items()],
        reuse_key=ReuseKey(format=FORMAT_VERSION, chunking={}, chunking_code="", embedders=[]),
        corpus_hash="hash",
        documents=len(documents),
        chunks=len(chunks),
        sentences=len(sentences),
        lexicon_embedder="use",
        lexicon_index=lexicon.kinds,
    )
    hubs = {name: hubness(v.chunks) for name, v in vectors.items()}
    return BuildParts(manifest, chunked, vectors, hubs, lexicon)
