"""Loaders read real files of every supported kind, and reject bad ones with a plain reason."""

import hashlib
import html
import io
import os
import random
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from docqa.ingest.base import LoadError
from docqa.ingest.loaders import SUPPORTED_SUFFIXES, load_file, load_source
from docqa.ingest.loaders.html import MAX_DEPTH
from docqa.model import DEFAULT_LIMITS, Limits

from .pdfs import MB, deflated, flate_pdf, text_pdf

PDF_TITLE = "Guía de salud"
PDF_SENTENCES = (
    "Atención médica gratuita para todos los niños.",
    "The clinic opens at nine on weekdays.",
    "La vacunación se realiza en el centro de salud.",
)


def write(tmp_path: Path, name: str, content: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def encrypt(pdf: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password, owner_password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def load_error(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    with pytest.raises(LoadError) as info:
        load_file(path, limits)
    return str(info.value)


def test_supported_suffixes() -> None:
    assert sorted(SUPPORTED_SUFFIXES) == [".htm", ".html", ".markdown", ".md", ".pdf", ".txt"]


def test_utf8_text_with_crlf(tmp_path: Path) -> None:
    content = "\ufeff  Guía de atención \r\nEl niño comió piña.\r\nSegunda línea.\r\n\r\n"
    # "í" written decomposed (i + combining acute) must come out composed.
    content = content.replace("línea", "li\u0301nea")
    doc = load_file(write(tmp_path, "guia.txt", content))
    assert doc.text == "  Guía de atención \nEl niño comió piña.\nSegunda línea."
    assert doc.title == "Guía de atención"
    assert doc.pages == ()


def test_a_long_first_line_titles_the_document_cut_at_a_word(tmp_path: Path) -> None:
    first = "El IMSS-Bienestar se ha consolidado como una herramienta fundamental " * 6
    doc = load_file(write(tmp_path, "largo.txt", first + "\nSegunda línea."))
    assert doc.title.endswith("…") and len(doc.title) <= 200
    words = doc.title.removesuffix("…").split()
    # Every word of the title is a whole word of the line.
    assert words == first.split()[: len(words)]


def test_cp1252_text(tmp_path: Path) -> None:
    content = "Año nuevo: atención médica para niños — “gratis”.\nSeñora Muñoz."
    doc = load_file(write(tmp_path, "legacy.txt", content, encoding="cp1252"))
    assert doc.text == content
    assert doc.title == "Año nuevo: atención médica para niños — “gratis”."


def test_latin1_short_text(tmp_path: Path) -> None:
    assert load_file(write(tmp_path, "cafe.txt", "Café", encoding="latin-1")).text == "Café"


def test_utf16_with_bom(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "windows.txt", "Información útil\r\n", encoding="utf-16"))
    assert doc.text == "Información útil"


def test_binary_text_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert "binary" in load_error(path)


def test_control_characters_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "controls.txt", b"abc\x01\x02\x03\x04\x05\x06\x07\x08def")
    assert "binary" in load_error(path)


def test_undecodable_text_rejected(tmp_path: Path) -> None:
    # Printable noise: not binary by its control characters, yet no encoding makes it text.
    noise = bytes(b for b in random.Random(0).randbytes(1200) if b >= 0x20 and b != 0x7F)
    path = write(tmp_path, "garbled.txt", noise)
    assert "cannot be decoded" in load_error(path)


@pytest.mark.parametrize("content", ["", "   \r\n\t\n  "])
@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_empty_or_blank_rejected(tmp_path: Path, content: str, suffix: str) -> None:
    assert load_error(write(tmp_path, f"empty{suffix}", content)) == "no text"


def test_markdown_title_from_heading(tmp_path: Path) -> None:
    content = "Intro\n\n```sh\n# not a title\n```\n\n## Guía de salud ##\n\nTexto *tal cual*.\n"
    doc = load_file(write(tmp_path, "guia.MD", content))
    assert doc.text == content.rstrip()
    assert doc.title == "Guía de salud"


def test_markdown_without_heading(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "notes.markdown", "\n#hashtag is not a heading\nmore\n"))
    assert doc.title == "#hashtag is not a heading"


def test_html_visible_text(tmp_path: Path) -> None:
    page = """<!doctype html>
<html><head><title>Centro  de
 salud</title><style>p { color: red }</style>
<script>var secretHead = 1;</script></head>
<body>
<script>alert(1)</script>
<noscript>Enable JavaScript</noscript>
<h1>Bienvenidos</h1>
<div><p>Primera frase.</p><p>Segunda   frase
 en dos líneas.</p></div>
<div hidden>Texto oculto</div><p style="display: none">Invisible</p>
<ul><li>Uno</li><li>Dos &amp; tres</li></ul>
<p>Línea<br>partida</p>
<table><tr><td>Celda</td><td>vecina</td></tr></table>
<svg><title>icono</title><text>svg text</text></svg>
</body></html>"""
    doc = load_file(write(tmp_path, "index.html", page))
    assert doc.title == "Centro de salud"
    assert doc.text.splitlines() == [
        "Bienvenidos",
        "",
        "Primera frase.",
        "",
        "Segunda frase en dos líneas.",
        "",
        "Uno",
        "",
        "Dos & tres",
        "",
        "Línea",
        "partida",
        "",
        "Celda vecina",
    ]
    for absent in ("alert", "secretHead", "color", "oculto", "Invisible", "JavaScript", "icono"):
        assert absent not in doc.text


def test_html_meta_charset_and_h1_title(tmp_path: Path) -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><h1>Niños</h1>año</body></html>'
    doc = load_file(write(tmp_path, "legacy.htm", page, encoding="cp1252"))
    assert doc.title == "Niños"
    assert doc.text == "Niños\naño"


def test_pdf_pages_and_title(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "guia.pdf", text_pdf(PDF_SENTENCES, PDF_TITLE)))
    assert doc.title == PDF_TITLE
    assert [page.number for page in doc.pages] == [1, 2, 3]
    for page, sentence in zip(doc.pages, PDF_SENTENCES, strict=True):
        assert doc.text[page.start : page.end] == sentence
    assert doc.text == "\n\n".join(PDF_SENTENCES)


def test_pdf_title_falls_back_to_first_line(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "untitled.pdf", text_pdf(PDF_SENTENCES)))
    assert doc.title == PDF_SENTENCES[0]


def test_pdf_blank_page_keeps_numbering(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "gap.pdf", text_pdf(("Página uno.", "", "Página tres."))))
    assert doc.text == "Página uno.\n\nPágina tres."
    spans = [(page.number, doc.text[page.start : page.end]) for page in doc.pages]
    assert spans == [(1, "Página uno."), (2, ""), (3, "Página tres.")]


def test_truncated_pdf(tmp_path: Path) -> None:
    pdf = text_pdf(PDF_SENTENCES, PDF_TITLE)
    assert "corrupt PDF" in load_error(write(tmp_path, "half.pdf", pdf[: len(pdf) // 2]))


def test_encrypted_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.pdf", encrypt(text_pdf(PDF_SENTENCES, PDF_TITLE), "secret"))
    assert load_error(path) == "encrypted PDF (password required)"


def test_pdf_with_empty_user_password(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "restricted.pdf",
        encrypt(text_pdf(PDF_SENTENCES, PDF_TITLE), "", owner_password="owner"),
    )
    doc = load_file(path)
    assert doc.title == PDF_TITLE
    assert doc.text[doc.pages[0].start : doc.pages[0].end] == PDF_SENTENCES[0]


def test_pdf_without_text(tmp_path: Path) -> None:
    assert "no extractable text" in load_error(write(tmp_path, "scan.pdf", text_pdf(("",))))


def test_unsupported_suffix(tmp_path: Path) -> None:
    assert load_error(write(tmp_path, "report.docx", b"PK")) == "unsupported file type '.docx'"
    assert load_error(write(tmp_path, "README", "hola")) == "no file extension"


def test_file_over_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "a" * 2000)
    message = load_error(path, Limits(max_file_bytes=1000))
    assert "2,000 bytes" in message
    assert "1,000" in message
    assert "DOCQA_MAX_FILE_BYTES" in message
    assert load_file(path, Limits(max_file_bytes=2000)).text == "a" * 2000


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert load_error(tmp_path / "missing.txt") == "file not found"
    (tmp_path / "folder.md").mkdir()
    assert load_error(tmp_path / "folder.md") == "is a directory, not a file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "private.txt", "secreto")
    path.chmod(0)
    try:
        assert load_error(path) == "permission denied"
    finally:
        path.chmod(0o600)


_PDF_HEADER = b"%PDF-1.4\n"


# Examples share tmp_path; that is safe as each writes the file it then reads.
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES)),
    content=st.one_of(
        st.binary(max_size=2000),
        st.binary(max_size=2000).map(lambda tail: _PDF_HEADER + tail),
        st.text(max_size=500).map(lambda text: text.encode("utf-8", "surrogatepass")),
    ),
)
def test_random_bytes_only_raise_load_error(tmp_path: Path, suffix: str, content: bytes) -> None:
    path = write(tmp_path, f"random{suffix}", content)
    try:
        doc = load_file(path)
    except LoadError:
        return
    assert doc.text.strip()
    assert unicodedata.is_normalized("NFC", doc.text)
    for page in doc.pages:
        assert 0 <= page.start <= page.end <= len(doc.text)


def test_load_source_hashes_the_bytes_it_read(tmp_path: Path) -> None:
    path = write(tmp_path, "salud.txt", "Atención médica gratuita.\n")
    extracted, sha256 = load_source(path)
    assert extracted.text == "Atención médica gratuita."
    assert sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_utf8_with_windows_1252_lines_mixed_in(tmp_path: Path) -> None:
    # Files pasted together from a UTF-8 one and a legacy one: each part decodes as written.
    utf8 = "Información útil sobre la atención médica.\n"
    legacy = "Año nuevo: la señora Muñoz pagó 5 € por la “consulta”.\n"
    raw = (utf8.encode("utf-8") + legacy.encode("cp1252")) * 3
    assert load_file(write(tmp_path, "pegado.txt", raw)).text == ((utf8 + legacy) * 3).rstrip()


def test_text_over_the_character_limit_is_refused(tmp_path: Path) -> None:
    text = "palabra " * 500
    path = write(tmp_path, "largo.md", text)
    assert load_file(path, Limits(max_chars=len(text))).text == text.rstrip()
    message = load_error(path, Limits(max_chars=len(text) - 1))
    assert message == (
        "more than 3,999 characters of text, over the limit (DOCQA_MAX_EXTRACTED_CHARS)"
    )


def test_text_file_certain_to_exceed_the_character_limit_is_refused_undecoded(
    tmp_path: Path,
) -> None:
    # No encoding takes over 4 bytes a character: 4,096 bytes hold over 1,000 characters.
    path = write(tmp_path, "binario.txt", bytes(range(256)) * 16)
    assert load_error(path) == "binary content, not text"
    assert load_error(path, Limits(max_chars=1_000)).startswith("more than 1,000 characters")


def test_pdf_with_thousands_of_pages_is_refused_before_extraction(tmp_path: Path) -> None:
    path = write(tmp_path, "tomo.pdf", flate_pdf([deflated(0)] * 5_000))
    assert load_error(path) == "5,000 pages, over the limit of 2,000 (DOCQA_MAX_PDF_PAGES)"


def test_pdf_page_limit_is_checked_before_any_page_is_read(tmp_path: Path) -> None:
    # Reading any page would hit the inflation limit; the page count is checked first.
    path = write(tmp_path, "bomba.pdf", flate_pdf([deflated(100 * MB)] * 3))
    assert load_error(path, Limits(max_pdf_pages=2)) == (
        "3 pages, over the limit of 2 (DOCQA_MAX_PDF_PAGES)"
    )
    assert "safety limits" in load_error(path, Limits(max_pdf_pages=3))


def test_pdf_stream_that_inflates_enormously_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "bomba.pdf", flate_pdf([deflated(300 * MB)]))
    assert path.stat().st_size < MB
    message = load_error(path)
    assert message.startswith("PDF content over pypdf's safety limits: Limit reached")


def test_pdf_extraction_stops_at_the_character_limit(tmp_path: Path) -> None:
    # Two pages of "Hola mundo" (20 characters), then a page that cannot be read.
    path = write(tmp_path, "bomba.pdf", flate_pdf([deflated(0), deflated(0), deflated(100 * MB)]))
    assert "DOCQA_MAX_EXTRACTED_CHARS" in load_error(path, Limits(max_chars=15))
    assert "safety limits" in load_error(path)


def test_deeply_nested_html_is_refused_before_parsing(tmp_path: Path) -> None:
    page = "<html><body>" + "<div>" * 100_000 + "hondo" + "</div>" * 100_000 + "</body></html>"
    path = write(tmp_path, "nido.html", page)
    assert load_error(path) == f"HTML nested more than {MAX_DEPTH:,} elements deep"


def test_html_nested_to_the_limit_and_unclosed_paragraphs_load(tmp_path: Path) -> None:
    nested = "<div>" * MAX_DEPTH + "hondo" + "</div>" * MAX_DEPTH
    # Thousands of unclosed <p> and <li>: the parser closes each at the next, no nesting.
    items = "".join(f"<p>párrafo {i}<li>elemento {i}<br>" for i in range(5_000))
    doc = load_file(write(tmp_path, "ok.html", f"<html><body>{nested}{items}</body></html>"))
    assert doc.text.startswith("hondo\n")
    assert doc.text.endswith("párrafo 4999\n\nelemento 4999")


# Characters of text files: all but surrogates, the byte-order mark, and the control
# characters that mark a file as binary.
BINARY_CONTROLS = "".join(map(chr, [*range(0x09), *range(0x0E, 0x20), 0x7F]))
TEXT_CHARS = st.characters(
    blacklist_categories=["Cs"], blacklist_characters=BINARY_CONTROLS + "\ufeff"
)


def canonical(text: str) -> str:
    """What a loader makes of text: "\\n" newlines, NFC, no trailing whitespace."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).rstrip()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(TEXT_CHARS, max_size=400),
    suffix=st.sampled_from([".txt", ".md", ".markdown"]),
    encoding=st.sampled_from(["utf-8", "utf-16"]),
)
def test_random_unicode_text_files_read_back_exactly(
    tmp_path: Path, text: str, suffix: str, encoding: str
) -> None:
    path = write(tmp_path, f"random{suffix}", text, encoding)
    if not canonical(text):
        assert load_error(path) == "no text"
    else:
        assert load_file(path).text == canonical(text)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(TEXT_CHARS, max_size=400))
def test_random_unicode_in_html_reads_as_its_visible_words(tmp_path: Path, text: str) -> None:
    page = (
        f"<html><head><meta charset='utf-8'><title>{html.escape(text)}</title></head>"
        f"<body><p>{html.escape(text)}</p><script>{html.escape(text)}</script></body></html>"
    )
    path = write(tmp_path, "random.html", page)
    visible = unicodedata.normalize("NFC", " ".join(text.split()))
    if not visible:
        assert load_error(path) == "no text"
    else:
        assert load_file(path).text == visible


# Latin-1 text fpdf2's core fonts can write; the soft hyphen is a line-break hint to fpdf2.
PDF_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f\xad"),
    max_size=300,
).filter(lambda text: all(unicodedata.category(ch) != "Cc" for ch in text))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pages=st.lists(PDF_TEXT, min_size=1, max_size=3))
def test_random_text_in_real_pdfs_is_extracted_page_by_page(
    tmp_path: Path, pages: list[str]
) -> None:
    path = write(tmp_path, "random.pdf", text_pdf(pages))
    # Line breaks and spaces depend on the layout; the characters and pages must not.
    expected = ["".join(page.split()) for page in pages]
    if not any(expected):
        assert "no extractable text" in load_error(path)
        return
    doc = load_file(path)
    assert ["".join(doc.text[p.start : p.end].split()) for p in doc.pages] == expected
