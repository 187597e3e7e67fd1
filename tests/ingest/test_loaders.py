"""Loaders read real files of every supported kind, and reject bad ones with a plain reason."""

import io
import os
import random
import unicodedata
from pathlib import Path

import pytest
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from docqa.ingest.base import LoadError
from docqa.ingest.loaders import SUPPORTED_SUFFIXES, load_file

PDF_SENTENCES = (
    "Atención médica gratuita para todos los niños.",
    "The clinic opens at nine on weekdays.",
    "La vacunación se realiza en el centro de salud.",
)


def write(tmp_path: Path, name: str, content: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def make_pdf(pages: tuple[str, ...] = PDF_SENTENCES, title: str | None = "Guía de salud") -> bytes:
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=12)
    for sentence in pages:
        pdf.add_page()
        if sentence:
            pdf.multi_cell(0, 10, sentence)
    return bytes(pdf.output())


def encrypt(pdf: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password, owner_password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def load_error(path: Path, **kwargs: int) -> str:
    with pytest.raises(LoadError) as info:
        load_file(path, **kwargs)
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
    doc = load_file(write(tmp_path, "guia.pdf", make_pdf()))
    assert doc.title == "Guía de salud"
    assert [page.number for page in doc.pages] == [1, 2, 3]
    for page, sentence in zip(doc.pages, PDF_SENTENCES, strict=True):
        assert doc.text[page.start : page.end] == sentence
    assert doc.text == "\n\n".join(PDF_SENTENCES)


def test_pdf_title_falls_back_to_first_line(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "untitled.pdf", make_pdf(title=None)))
    assert doc.title == PDF_SENTENCES[0]


def test_pdf_blank_page_keeps_numbering(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "gap.pdf", make_pdf(("Página uno.", "", "Página tres."))))
    assert doc.text == "Página uno.\n\nPágina tres."
    spans = [(page.number, doc.text[page.start : page.end]) for page in doc.pages]
    assert spans == [(1, "Página uno."), (2, ""), (3, "Página tres.")]


def test_truncated_pdf(tmp_path: Path) -> None:
    pdf = make_pdf()
    assert "corrupt PDF" in load_error(write(tmp_path, "half.pdf", pdf[: len(pdf) // 2]))


def test_encrypted_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.pdf", encrypt(make_pdf(), "secret"))
    assert load_error(path) == "encrypted PDF (password required)"


def test_pdf_with_empty_user_password(tmp_path: Path) -> None:
    path = write(tmp_path, "restricted.pdf", encrypt(make_pdf(), "", owner_password="owner"))
    doc = load_file(path)
    assert doc.title == "Guía de salud"
    assert doc.text[doc.pages[0].start : doc.pages[0].end] == PDF_SENTENCES[0]


def test_pdf_without_text(tmp_path: Path) -> None:
    assert "no extractable text" in load_error(write(tmp_path, "scan.pdf", make_pdf(("",))))


def test_unsupported_suffix(tmp_path: Path) -> None:
    assert load_error(write(tmp_path, "report.docx", b"PK")) == "unsupported file type '.docx'"
    assert load_error(write(tmp_path, "README", "hola")) == "no file extension"


def test_file_over_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "a" * 2000)
    message = load_error(path, max_bytes=1000)
    assert "2,000 bytes" in message
    assert "1,000" in message
    assert load_file(path, max_bytes=2000).text == "a" * 2000


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
