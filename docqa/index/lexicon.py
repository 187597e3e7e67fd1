"""The corpus vocabulary with word embeddings: a bilingual word map and topic coverage."""

import json
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np

from docqa.embed.base import Embedder, normalized
from docqa.index.dense import DenseIndex
from docqa.index.lexical import stopwords
from docqa.text.normalize import fold

_WORD = re.compile(r"[^\W\d_]{3,}")
# A neighbour less similar than this is a guess, not a translation.
MIN_SIMILARITY = 0.55
# Words in more than this share of the chunks are the corpus's own topic ("imss", "salud"):
# they say nothing about whether one passage covers a question.
COMMON_SHARE = 0.2
# In a small corpus every word is in a large share of the chunks; a word must be in more than
# this many to count as common at all.
MIN_COMMON_CHUNKS = 5


def content_words(text: str, lang: str) -> list[str]:
    """Lower-cased words of three letters or more that are not stopwords, each once, in order."""
    stop = stopwords(lang)
    return list(dict.fromkeys(w for w in _WORD.findall(text.lower()) if fold(w) not in stop))


# USE aligns single words across languages best; any other embedder is a fallback.
PREFERRED_EMBEDDER = "use"


def lexicon_embedder(embedders: list[Embedder]) -> Embedder:
    return next((e for e in embedders if e.name == PREFERRED_EMBEDDER), embedders[0])


class Lexicon:
    """Per language, the corpus vocabulary with a multilingual embedding of each word.

    A question's words are mapped to their nearest neighbours in the other language's
    vocabulary; multilingual sentence encoders align single words across Spanish and English
    well enough ("ramo" → "branch", "presupuesto" → "budget") to carry lexical matching over.
    The same embeddings tell whether a passage speaks of each specific thing a question names.
    """

    def __init__(
        self,
        words: dict[str, list[str]],
        indexes: dict[str, DenseIndex],
        chunk_counts: dict[str, int],
        chunks: int,
    ) -> None:
        self.words = words
        # Per language, the search index over its words' vectors, row for row, which also
        # holds the vectors: a large vocabulary is searched, not scanned (200,000 words a
        # language at 10^6 chunks).
        self.indexes = indexes
        # Per folded word, how many chunks contain it; `chunks` is how many there are in all.
        self.chunk_counts = chunk_counts
        self.chunks = chunks
        # Per language, the folded vocabulary: how the corpus spells words in that language.
        self.folded = {lang: frozenset(fold(w) for w in ws) for lang, ws in words.items()}
        self._rows = {
            fold(word): (lang, row) for lang, ws in words.items() for row, word in enumerate(ws)
        }

    @classmethod
    def from_vectors(
        cls,
        words: dict[str, list[str]],
        vectors: dict[str, np.ndarray],
        chunk_counts: dict[str, int],
        chunks: int,
        exact_max: int,
    ) -> "Lexicon":
        """A lexicon of these words and vectors, with an index of each language's vectors."""
        indexes = {lang: DenseIndex.build(v, exact_max) for lang, v in vectors.items()}
        return cls(words, indexes, chunk_counts, chunks)

    @classmethod
    def build(
        cls, texts_by_lang: dict[str, list[str]], embedder: Embedder, exact_max: int
    ) -> "Lexicon":
        words: dict[str, list[str]] = {}
        vectors: dict[str, np.ndarray] = {}
        chunk_counts: Counter[str] = Counter()
        for lang, texts in texts_by_lang.items():
            # One surface form per folded word: the most frequent spelling, accents included.
            counts: Counter[str] = Counter()
            for text in texts:
                found = content_words(text, lang)
                counts.update(found)
                chunk_counts.update({fold(w) for w in found})
            best: dict[str, str] = {}
            for word, _ in counts.most_common():
                best.setdefault(fold(word), word)
            words[lang] = sorted(best.values())
            vectors[lang] = (
                embedder.encode_passages(words[lang])
                if words[lang]
                else np.empty((0, embedder.dim), np.float32)
            )
        chunks = sum(len(texts) for texts in texts_by_lang.values())
        return cls.from_vectors(words, vectors, dict(chunk_counts), chunks, exact_max)

    @property
    def kinds(self) -> dict[str, str]:
        """Per language, the kind of its word index (dense.EXACT or dense.APPROXIMATE)."""
        return {lang: index.kind for lang, index in self.indexes.items()}

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True)
        (directory / "words.json").write_text(json.dumps(self.words, ensure_ascii=False), "utf-8")
        frequency = {"chunks": self.chunks, "chunk_counts": self.chunk_counts}
        (directory / "frequency.json").write_text(json.dumps(frequency, ensure_ascii=False))
        for lang, index in self.indexes.items():
            index.save(directory / f"dense-{lang}.faiss")

    @classmethod
    def load(cls, directory: Path) -> "Lexicon":
        """The lexicon saved in `directory`, its indexes mapped from disk."""
        words = json.loads((directory / "words.json").read_text("utf-8"))
        frequency = json.loads((directory / "frequency.json").read_text("utf-8"))
        indexes = {lang: DenseIndex.load(directory / f"dense-{lang}.faiss") for lang in words}
        for lang, index in indexes.items():
            if index.size != len(words[lang]):
                raise ValueError(
                    f"the lexicon's {lang} index holds {index.size} vectors for "
                    f"{len(words[lang])} words"
                )
        return cls(words, indexes, frequency["chunk_counts"], frequency["chunks"])

    def word_vectors(self, words: list[str], embedder: Embedder) -> np.ndarray:
        """The vectors of `words` by `embedder`, the lexicon's own: the stored ones of words the
        vocabulary spells the same way, and the others encoded, so a question's words cost the
        model only those the corpus lacks. Stored codes of a large vocabulary decode to within
        cosine 0.9999 of the encoder's vectors; exact indexes give them exactly. An embedder
        that encodes questions unlike passages encodes them all."""
        vectors = np.empty((len(words), embedder.dim), np.float32)
        rows_of = self._rows if embedder.symmetric else {}
        stored: dict[str, tuple[list[int], list[int]]] = {}
        missing: list[int] = []
        for position, word in enumerate(words):
            lang, row = rows_of.get(fold(word), ("", -1))
            if lang and self.words[lang][row] == word:
                positions, rows = stored.setdefault(lang, ([], []))
                positions.append(position)
                rows.append(row)
            else:
                missing.append(position)
        for lang, (positions, rows) in stored.items():
            vectors[positions] = normalized(self.indexes[lang].vectors(np.array(rows)))
        if missing:
            vectors[missing] = embedder.encode_queries([words[p] for p in missing])
        return vectors

    def neighbours(self, vectors: np.ndarray, target: str, k: int, least: float) -> list[list[str]]:
        """Per row of `vectors`, up to k words of `target`'s vocabulary at least `least`
        similar to it."""
        return [
            [self.words[target][int(r)] for r, s in zip(rows, scores, strict=True) if s >= least]
            for rows, scores in self.indexes[target].search_many(vectors, k)
        ]

    def translate(self, words: list[str], rendered: list[str | None], target: str) -> str:
        """Question words rendered in `target`'s corpus vocabulary (their `render`), those it
        already uses first."""
        used = self.folded.get(target, frozenset())
        # Names and shared terms ("imss", "nayarit") already match as they are.
        kept = [w for w in words if fold(w) in used]
        translated = [r for w, r in zip(words, rendered, strict=True) if fold(w) not in used and r]
        return " ".join(kept + translated)

    def render(self, words: list[str], word_vectors: np.ndarray, target: str) -> list[str | None]:
        """Each word as `target`'s corpus writes it: itself if used there, else its nearest
        neighbour when close enough, else None."""
        if not len(self.words.get(target, ())):
            return [None] * len(words)
        rendered: list[str | None] = list(words)
        missing = [i for i, w in enumerate(words) if fold(w) not in self.folded[target]]
        nearest = self.neighbours(word_vectors[missing], target, 1, MIN_SIMILARITY)
        for i, found in zip(missing, nearest, strict=True):
            rendered[i] = next(iter(found), None)
        return rendered

    def idf(self, word: str) -> float:
        """How rare `word` is among the chunks: log((chunks + 1) / (chunks with it + 1))."""
        return math.log((self.chunks + 1) / (self.chunk_counts.get(fold(word), 0) + 1))

    def is_common(self, word: str) -> bool:
        """Whether `word` is one of the corpus's own topic words, in too many chunks to tell
        one passage from another."""
        common = max(COMMON_SHARE * self.chunks, MIN_COMMON_CHUNKS)
        return self.chunk_counts.get(fold(word), 0) > common

    def coverage(
        self, words: list[str], word_vectors: np.ndarray, passage_words: list[str]
    ) -> float:
        """Mean over the question's specific words of the cosine to the passage's closest word.

        Near-topic questions the corpus cannot answer ("how many beds…") retrieve passages as
        similar as answerable ones do, but some word they ask about has no counterpart there.
        """
        return self.coverages(words, word_vectors, [passage_words])[0]

    def coverages(
        self, words: list[str], word_vectors: np.ndarray, passages: list[list[str]]
    ) -> list[float]:
        """`coverage` of each passage (its words), each distinct word's vector decoded once:
        a search's candidate sentences share most of their words."""
        specific = [i for i, w in enumerate(words) if not self.is_common(w)]
        if not specific:
            return [1.0] * len(passages)
        known = [{fold(w) for w in passage} & self._rows.keys() for passage in passages]
        distinct = sorted(set().union(*known), key=self._rows.__getitem__)
        if not distinct:
            return [0.0] * len(passages)
        rows: dict[str, list[int]] = {}
        for word in distinct:
            lang, row = self._rows[word]
            rows.setdefault(lang, []).append(row)
        # Sorted by (language, row) above, so the vectors come in the order of `distinct`.
        vectors = np.concatenate(
            [self.indexes[lang].vectors(np.array(found)) for lang, found in rows.items()]
        )
        cosines = word_vectors[specific] @ vectors.T
        column = {word: i for i, word in enumerate(distinct)}
        return [
            float(cosines[:, [column[w] for w in passage]].max(axis=1).mean()) if passage else 0.0
            for passage in known
        ]
