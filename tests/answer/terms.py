"""Small hand-made questions and candidate sentences for the answer tests (no model)."""

from docqa.answer.focus import Focus, numbers, terms
from docqa.answer.question import analyze
from docqa.answer.selection import Candidate, Terms
from docqa.text.normalize import fold


def make_terms(question: str, lang: str, renderings: dict[str, str] | None = None) -> Terms:
    analysis = analyze(question, lang)
    words = [w for w in question.lower().replace("?", " ").replace("¿", " ").split()]
    renderings = renderings or {}
    focus = [*analysis.focus, *(renderings.get(w, "") for w in analysis.focus)]
    return Terms(
        analysis=analysis,
        focus=Focus([w for w in focus if w]),
        words=terms(words, [renderings.get(w) for w in words]),
        numbers=frozenset(numbers(question)),
        folded=fold(question),
    )


def candidate(text: str, rank: int = 0, similarity: float = 0.0, lang: str = "es") -> Candidate:
    return Candidate(hash(text) % 1000, text, lang, rank, similarity)
