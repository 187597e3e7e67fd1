"""chunk_text: windows of whole sentences with exact offsets, covering the whole document."""

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from text.strategies import ANY_TEXT

from docqa.config import Settings
from docqa.ingest.chunking import ChunkingParams, chunk_text
from docqa.ingest.loaders import load_file
from docqa.model import Chunk, Span
from docqa.text.language import detect_language
from docqa.text.sentences import word_count

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"
DEFAULT = ChunkingParams()
# The documented heading rule: a whole line, few words, no sentence-ending punctuation.
_ENDS_SENTENCE = re.compile(r"[.!?…:;\"”»)]$")


def is_heading(text: str, span: Span) -> bool:
    piece = text[span.start : span.end]
    at_line_end = span.end == len(text) or text[span.end] == "\n"
    return at_line_end and not _ENDS_SENTENCE.search(piece) and word_count(piece) <= 10


def check_chunks(text: str, sentences: list[Span], chunks: list[Chunk], p: ChunkingParams) -> None:
    """Every invariant the index relies on (citations, coverage, sizes)."""
    assert bool(chunks) == bool(sentences)
    covered: set[int] = set()
    previous: Chunk | None = None
    for chunk in chunks:
        assert chunk.doc_id == "doc"
        assert 0 <= chunk.first < chunk.stop <= len(sentences), chunk
        assert chunk.start < chunk.end, chunk
        # Chunk boundaries are sentence boundaries, and the citation text is exact.
        assert chunk.start == sentences[chunk.first].start
        assert chunk.end == sentences[chunk.stop - 1].end
        piece = text[chunk.start : chunk.end]
        assert piece == piece.strip() and piece
        assert chunk.chunk_id == f"doc:{chunk.start}-{chunk.end}"
        covered.update(range(chunk.first, chunk.stop))
        if previous is not None:
            assert previous.first < chunk.first, (previous, chunk)
            # Each window reaches past the previous one: none lies wholly inside it.
            assert previous.start < chunk.start and previous.end < chunk.end, (previous, chunk)
            # Overlap is by whole sentences, at most overlap_sentences of them.
            assert chunk.first >= previous.stop - max(p.overlap_sentences, 1)
        if chunk.stop - chunk.first > 1:
            assert word_count(text, chunk.start, chunk.end) <= p.max_words, (chunk, p)
        # A heading left at the tail of a window is one that could not be moved away.
        last = sentences[chunk.stop - 1]
        if chunk.stop < len(sentences) and chunk.stop - chunk.first > 1 and is_heading(text, last):
            rest = word_count(text, chunk.start, sentences[chunk.stop - 2].end)
            assert rest < p.target_words // 2, (text[chunk.start : chunk.end], p)
        previous = chunk
    assert covered == set(range(len(sentences)))


WORDS = st.sampled_from(
    [
        "Hola", "mundo", "Dr.", "López", "53.2", "millones", "the", "cat.", "Sí.", "¿Qué?",
        "¡Ya!", "ñandú", "—", "x", "A.", "Atención", "hospital,", "etc.", "IMSS-Bienestar",
        "日本語", "🙂", "(nota)", "“cita”", "Ω", "salud;", "clínica:",
    ]
)  # fmt: skip
SENTENCE = st.lists(WORDS, min_size=1, max_size=14).map(" ".join)
LINE = st.lists(SENTENCE, max_size=5).map(" ".join)
HEADING_WORDS = st.sampled_from(["Salud", "Financiamiento", "Rural", "Hospitals", "2024"])
HEADING = st.lists(HEADING_WORDS, min_size=1, max_size=4).map(" ".join)
LONG_LINE = st.lists(SENTENCE, min_size=10, max_size=40).map(" ".join)
TEXT = st.lists(
    st.one_of(LINE, LINE, HEADING, LONG_LINE, st.just(""), st.text(max_size=40)),
    min_size=1,
    max_size=14,
).map("\n".join)
PARAMS = st.one_of(
    st.just(DEFAULT),
    st.builds(
        ChunkingParams,
        target_words=st.integers(1, 80),
        max_words=st.integers(2, 120),
        overlap_sentences=st.integers(0, 3),
        max_sentence_words=st.integers(1, 70),
    ).filter(lambda p: p.max_words >= p.target_words),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(TEXT, ANY_TEXT), lang=st.sampled_from(["es", "en"]), params=PARAMS)
def test_chunks_are_exact_ordered_and_cover_every_sentence(
    text: str, lang: str, params: ChunkingParams
) -> None:
    sentences, chunks = chunk_text("doc", text, lang, params)
    check_chunks(text, sentences, chunks, params)


@pytest.mark.parametrize("path", sorted(CORPUS_DIR.iterdir()), ids=lambda p: p.name)
def test_real_corpus_documents(path: Path) -> None:
    text = load_file(path).text
    sentences, chunks = chunk_text("doc", text, detect_language(text), DEFAULT)
    check_chunks(text, sentences, chunks, DEFAULT)


def test_long_single_line_paragraphs_of_the_corpus_are_split() -> None:
    text = load_file(CORPUS_DIR / "001_d4ce48c87a5d32eb.txt").text
    _, chunks = chunk_text("doc", text, "es", DEFAULT)
    long_lines = [m for m in re.finditer(r"[^\n]+", text) if word_count(m.group()) > 150]
    assert long_lines, "the corpus file should have one-line paragraphs of 150+ words"
    for line in long_lines:
        inside = [c for c in chunks if line.start() <= c.start and c.end <= line.end()]
        assert len(inside) >= 2, line.group()[:60]
    assert len(chunks) >= 8
    assert max(word_count(text, c.start, c.end) for c in chunks) <= DEFAULT.max_words


def paragraph(tag: str, words: int) -> str:
    """One sentence of exactly `words` words."""
    return " ".join([tag, *["palabra"] * (words - 2), "fin."])


def test_a_heading_moves_to_the_window_it_introduces() -> None:
    # 68 words of text, then a heading that would otherwise close the first window.
    first = " ".join([paragraph("Uno", 34), paragraph("Dos", 34)])
    text = f"{first}\nFinanciamiento del programa\n{paragraph('Tres', 30)}"
    sentences, chunks = chunk_text("doc", text, "es", DEFAULT)
    check_chunks(text, sentences, chunks, DEFAULT)
    heading = text.index("Financiamiento")
    assert text[chunks[0].start : chunks[0].end] == first
    with_heading = [c for c in chunks if c.start <= heading < c.end]
    assert with_heading and all(
        c.end > heading + len("Financiamiento del programa") for c in with_heading
    )


def test_a_heading_stays_when_moving_it_would_leave_a_tiny_window() -> None:
    # A list of short lines all look like headings: windows shrink to no less than half size.
    text = "\n".join(f"Elemento número {i} de la lista" for i in range(60))
    sentences, chunks = chunk_text("doc", text, "es", DEFAULT)
    check_chunks(text, sentences, chunks, DEFAULT)
    sizes = [word_count(text, c.start, c.end) for c in chunks[:-1]]
    assert len(sizes) >= 5
    assert all(DEFAULT.target_words // 2 <= n <= DEFAULT.max_words for n in sizes), sizes


def test_empty_text_has_no_chunks() -> None:
    assert chunk_text("doc", "", "es", DEFAULT) == ([], [])
    assert chunk_text("doc", "\n \n", "en", DEFAULT) == ([], [])


def test_one_short_sentence_is_one_chunk() -> None:
    text = "La clínica abre a las nueve."
    _, chunks = chunk_text("doc", text, "es", DEFAULT)
    assert chunks == [Chunk("doc", 0, len(text), 0, 1)]


def test_no_chunk_is_contained_in_the_previous_one_with_default_params() -> None:
    text = " ".join(
        [paragraph("Uno", 20), paragraph("Dos", 58), paragraph("Tres", 55), paragraph("Cua", 30)]
    )
    _, chunks = chunk_text("doc", text, "es", DEFAULT)
    for before, after in itertools.pairwise(chunks):
        assert after.end > before.end, (before, after)


def test_target_words_one_still_gives_valid_chunks() -> None:
    params = ChunkingParams(target_words=1, max_words=1, overlap_sentences=0, max_sentence_words=1)
    text = "Hola\nHola"
    sentences, chunks = chunk_text("doc", text, "es", params)
    check_chunks(text, sentences, chunks, params)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"chunk_words": 1}, "chunk_words"),
        ({"chunk_words": 120}, r"chunk_max_words \(110\) must be at least chunk_words \(120\)"),
        ({"chunk_overlap_sentences": -1}, "chunk_overlap_sentences"),
        ({"max_sentence_words": 4}, "max_sentence_words"),
        ({"threads": 0}, "threads"),
        ({"candidates": 0}, "candidates"),
        ({"max_question_chars": 0}, "max_question_chars"),
        ({"max_k": 0}, "max_k"),
        ({"max_k": 1001}, "max_k"),
    ],
)
def test_settings_refuse_sizes_that_cannot_work(overrides: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, **overrides)


def test_settings_accept_the_smallest_allowed_sizes() -> None:
    settings = Settings(
        _env_file=None,
        chunk_words=10,
        chunk_max_words=10,
        chunk_overlap_sentences=0,
        max_sentence_words=5,
        max_k=1000,
    )
    assert (settings.chunk_words, settings.chunk_max_words) == (10, 10)
