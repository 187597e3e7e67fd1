"""A corpus-derived bilingual word map, so BM25 can search the other language's chunks."""

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

from docqa.embed.base import Embedder
from docqa.index.lexical import stopwords
from docqa.text.normalize import fold

_WORD = re.compile(r"[^\W\d_]{3,}")
# A neighbour less similar than this is a guess, not a translation.
MIN_SIMILARITY = 0.55


def content_words(text: str, lang: str) -> list[str]:
    """Lower-cased words of three letters or more that are not stopwords, in order."""
    stop = stopwords(lang)
    return [w for w in _WORD.findall(text.lower()) if fold(w) not in stop]


# USE aligns single words across languages best; any other embedder is a fallback.
PREFERRED_EMBEDDER = "use"


def lexicon_embedder(embedders: list[Embedder]) -> Embedder:
    return next((e for e in embedders if e.name == PREFERRED_EMBEDDER), embedders[0])


class Lexicon:
    """Per language, the corpus vocabulary with a multilingual embedding of each word.

    A question's words are mapped to their nearest neighbours in the other language's
    vocabulary; multilingual sentence encoders align single words across Spanish and English
    well enough ("ramo" → "branch", "presupuesto" → "budget") to carry lexical matching over.
    """

    def __init__(self, words: dict[str, list[str]], vectors: dict[str, np.ndarray]) -> None:
        self.words = words
        self.vectors = vectors
        # Per language, the folded vocabulary: how the corpus spells words in that language.
        self.folded = {lang: frozenset(fold(w) for w in ws) for lang, ws in words.items()}

    @classmethod
    def build(cls, texts_by_lang: dict[str, list[str]], embedder: Embedder) -> "Lexicon":
        words, vectors = {}, {}
        for lang, texts in texts_by_lang.items():
            # One surface form per folded word: the most frequent spelling, accents included.
            counts = Counter(w for text in texts for w in content_words(text, lang))
            best: dict[str, str] = {}
            for word, _ in counts.most_common():
                best.setdefault(fold(word), word)
            words[lang] = sorted(best.values())
            vectors[lang] = (
                embedder.encode_passages(words[lang])
                if words[lang]
                else np.empty((0, embedder.dim), np.float32)
            )
        return cls(words, vectors)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True)
        (directory / "words.json").write_text(json.dumps(self.words, ensure_ascii=False), "utf-8")
        for lang, vectors in self.vectors.items():
            np.save(directory / f"vectors-{lang}.npy", vectors)

    @classmethod
    def load(cls, directory: Path) -> "Lexicon":
        words = json.loads((directory / "words.json").read_text("utf-8"))
        return cls(words, {lang: np.load(directory / f"vectors-{lang}.npy") for lang in words})

    def translate(self, question: str, source: str, target: str, embedder: Embedder) -> str:
        """The question's content words rendered in `target`'s corpus vocabulary."""
        words = content_words(question, source)
        if not words or not len(self.words.get(target, ())):
            return ""
        # Names and shared terms ("imss", "nayarit") already match as they are.
        kept = [w for w in words if fold(w) in self.folded[target]]
        rest = [w for w in words if fold(w) not in self.folded[target]]
        translated = []
        if rest:
            similarity = embedder.encode_queries(rest) @ self.vectors[target].T
            for row in similarity:
                best = int(row.argmax())
                if row[best] >= MIN_SIMILARITY:
                    translated.append(self.words[target][best])
        return " ".join(kept + translated)
