"""Folding: the remembered, ASCII and non-ASCII-run shortcuts give what full Unicode gives."""

import re
import unicodedata
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from docqa.text.normalize import fold

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"


def reference(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped).strip()


def test_accents_case_and_spaces() -> None:
    assert fold("  ATENCIÓN\tMédica ") == "atencion medica"
    assert fold("Straße niño") == "strasse nino"


def test_the_corpus_folds_as_the_full_unicode_path_does() -> None:
    for path in sorted(CORPUS_DIR.iterdir()):
        text = path.read_text(encoding="utf-8")
        for piece in [text, *text.split(), *text.splitlines()]:
            assert fold(piece) == reference(piece)


@given(st.text(max_size=60))
def test_any_text_folds_as_the_full_unicode_path_does(text: str) -> None:
    # Twice: the second call of a short text is answered from memory.
    assert fold(text) == reference(text) == fold(text)
