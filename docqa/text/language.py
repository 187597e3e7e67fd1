"""Spanish/English language detection for documents, chunks and questions."""

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from docqa.text.normalize import fold

LANGUAGES = {Language.SPANISH: "es", Language.ENGLISH: "en"}
DEFAULT_LANGUAGE = "es"
_WORD = re.compile(r"[^\W\d_]+")


def _folded_words(text: str) -> frozenset[str]:
    return frozenset(fold(word) for word in text.split())


# Function words that exist in only one of the two languages, folded (no accents, lower
# case): articles, prepositions, pronouns, conjunctions, interrogatives and the commonest
# auxiliaries. Words both languages use ("a", "no", "me", "he") are left out of both.
_SPANISH = _folded_words(
    """
    el la los las lo un una unos unas al del de en con para por sin sobre entre hasta desde
    hacia durante según contra ante tras mediante y o ni pero sino aunque porque pues que
    si también tampoco muy más menos ya aún sólo siempre nunca ahora aquí así
    qué quién quiénes cuál cuáles cuándo dónde adónde cómo cuánto cuánta cuántos cuántas
    es son fue fueron era eran ser sido está están estaba estar ha han había hay haber
    tiene tienen tenía tener puede pueden debe deben hace hacen
    se le les nos os yo tú él ella ellos ellas usted ustedes nosotros mi mis su sus
    nuestro nuestra nuestros nuestras este esta estos estas ese esa esos esas esto eso
    todo toda todos todas otro otra otros otras mucho mucha muchos muchas cada algún alguna
    algunos algunas ningún ninguna mismo misma
    """
)
_ENGLISH = _folded_words(
    """
    the an and or but nor of in on at to into onto from by with without for about over
    under between through during after before since until than then that this these those
    there here it its they them their she her him his we us our you your my
    who whom whose what when where which why how
    is are was were be been being am does did do done has have had can could will would
    shall should may might must not yes if as so such also very many much more most
    some any all each every other only just
    """
)
_ONLY = {"es": _SPANISH - _ENGLISH, "en": _ENGLISH - _SPANISH}


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*LANGUAGES).build()


def detect_language(text: str, vocabulary: Mapping[str, AbstractSet[str]] | None = None) -> str:
    """'es' or 'en'; text with no usable signal (numbers, names only) counts as Spanish.

    `vocabulary` gives each language's folded words as a corpus uses them. In a short text
    without function words, such as a keyword query, words of one language's vocabulary only
    vote, and words of both ("imss", "bienestar") are kept from misleading the detector.
    """
    # Short questions are dominated by names like "IMSS-Bienestar" that read as Spanish;
    # their function words ("how", "is", "the" / "cómo", "es", "el") are the surer sign.
    words = _WORD.findall(fold(text[:400]))
    if len(words) <= 30:
        votes = {lang: sum(w in only for w in words) for lang, only in _ONLY.items()}
        if votes["es"] != votes["en"]:
            return max(votes, key=votes.__getitem__)
        if vocabulary:
            known = {lang: [w for w in words if w in vocabulary.get(lang, ())] for lang in _ONLY}
            shared = set(known["es"]) & set(known["en"])
            votes = {lang: len(set(ws) - shared) for lang, ws in known.items()}
            if votes["es"] != votes["en"]:
                return max(votes, key=votes.__getitem__)
            rest = [w for w in words if w not in shared]
            if rest and shared:
                text = " ".join(rest)
    # Long texts: the first few thousand characters decide as well as the whole and much faster.
    found = _detector().detect_language_of(text[:4000])
    return DEFAULT_LANGUAGE if found is None else LANGUAGES.get(found, DEFAULT_LANGUAGE)
