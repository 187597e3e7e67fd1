"""Spanish/English language detection for documents, chunks and questions."""

import re
from functools import lru_cache

from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SPANISH
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from docqa.text.normalize import fold

LANGUAGES = {Language.SPANISH: "es", Language.ENGLISH: "en"}
DEFAULT_LANGUAGE = "es"
_WORD = re.compile(r"[^\W\d_]+")
# Function words that exist in only one of the two languages ("a", "no" are in both).
_ONLY = {
    "es": frozenset(fold(w) for w in STOPWORDS_SPANISH) - frozenset(STOPWORDS_EN),
    "en": frozenset(STOPWORDS_EN) - frozenset(fold(w) for w in STOPWORDS_SPANISH),
}


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*LANGUAGES).build()


def detect_language(text: str) -> str:
    """'es' or 'en'; text with no usable signal (numbers, names only) counts as Spanish."""
    # Short questions are dominated by names like "IMSS-Bienestar" that read as Spanish;
    # their function words ("how", "is", "the" / "cómo", "es", "el") are the surer sign.
    words = _WORD.findall(fold(text[:400]))
    if len(words) <= 30:
        votes = {lang: sum(w in only for w in words) for lang, only in _ONLY.items()}
        if votes["es"] != votes["en"]:
            return max(votes, key=votes.__getitem__)
    # Long texts: the first few thousand characters decide as well as the whole and much faster.
    found = _detector().detect_language_of(text[:4000])
    return LANGUAGES.get(found, DEFAULT_LANGUAGE)
