"""BM25 over chunks, one index per language, with Snowball stemming and accent folding."""

from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SPANISH

from docqa.text.normalize import fold

_STEMMERS = {"es": "spanish", "en": "english"}
_STOPWORDS = {"es": STOPWORDS_SPANISH, "en": STOPWORDS_EN}


@lru_cache(maxsize=2)
def stemmer(lang: str) -> Stemmer.Stemmer:
    """The Snowball stemmer of a language of the corpus ("es", "en")."""
    return Stemmer.Stemmer(_STEMMERS[lang])


@lru_cache(maxsize=2)
def stopwords(lang: str) -> frozenset[str]:
    # Text is folded before tokenising, so the stopword list must be folded the same way.
    return frozenset(fold(w) for w in _STOPWORDS[lang])


def tokenize(texts: list[str], lang: str) -> list[list[str]]:
    return bm25s.tokenize(
        [fold(t) for t in texts],
        stopwords=sorted(stopwords(lang)),
        stemmer=stemmer(lang).stemWords,
        return_ids=False,
        show_progress=False,
    )


class LexicalIndex:
    """BM25 for the chunks of one language; `rows` maps its entries back to chunk rows."""

    def __init__(self, lang: str, retriever: bm25s.BM25 | None, rows: np.ndarray) -> None:
        self.lang = lang
        self.retriever = retriever
        self.rows = rows

    @classmethod
    def build(cls, lang: str, texts: list[str], rows: np.ndarray) -> "LexicalIndex":
        if not texts:
            return cls(lang, None, rows)
        retriever = bm25s.BM25()
        retriever.index(tokenize(texts, lang), show_progress=False)
        return cls(lang, retriever, rows)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True)
        np.save(directory / "rows.npy", self.rows)
        if self.retriever is not None:
            self.retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, lang: str, directory: Path) -> "LexicalIndex":
        rows = np.load(directory / "rows.npy")
        retriever = None
        if len(rows):
            # Mapped: a large index's postings stay on disk until a query reads them.
            retriever = bm25s.BM25.load(str(directory), show_progress=False, mmap=True)
        return cls(lang, retriever, rows)

    def search(self, question: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(chunk rows, scores) of the best k chunks with a non-zero score."""
        tokens = tokenize([question], self.lang)
        if self.retriever is None or not tokens[0]:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        # Terms unseen at indexing carry no score; bm25s rejects them, so drop them first.
        known = [t for t in tokens[0] if t in self.retriever.vocab_dict]
        if not known:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        ids = self.retriever.get_tokens_ids(known)
        scores = self.retriever.get_scores(ids)
        hits = self._contenders(scores, ids, k)
        if len(hits) > k:
            kth = np.partition(scores[hits], len(hits) - k)[len(hits) - k]
            hits = hits[scores[hits] >= kth]
        # Equal scores are common in a large index: the earlier chunk goes first, in every run.
        hits = hits[np.lexsort((hits, -scores[hits]))][:k]
        return self.rows[hits], scores[hits]

    def _contenders(self, scores: np.ndarray, ids: list[int], k: int) -> np.ndarray:
        """The rows that may be among the best k: those scoring at least the k-th best of the
        chunks holding the rarest term that k chunks hold, since the k-th best of any k chunks
        is a lower bound. A common term puts a score on most of a large index (170,000 of
        500,000 chunks at 10^6), and listing all those rows took most of a search's BM25 time."""
        assert self.retriever is not None
        indptr, indices = self.retriever.scores["indptr"], self.retriever.scores["indices"]
        sizes = {term: int(indptr[term + 1] - indptr[term]) for term in ids}
        # A term's postings name each of its chunks once: they are k distinct chunks.
        held = [term for term in ids if sizes[term] >= k]
        if held:
            term = min(held, key=sizes.__getitem__)
            pool = scores[indices[indptr[term] : indptr[term + 1]]]
            bound = np.partition(pool, len(pool) - k)[len(pool) - k]
            if bound > 0:
                return np.flatnonzero(scores >= bound)
        # Scores are positive exactly where a term occurs; numpy's selection slows down
        # tenfold on a long run of tied zeros, so only those rows are selected among.
        return np.flatnonzero(scores)
