"""Real PDF files for tests: ordinary ones, and hostile ones (many pages, inflating streams)."""

import io
import zlib
from collections.abc import Sequence

from fpdf import FPDF
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

# Page content that shows "Hola mundo" in Helvetica, as the start of every content stream below.
HELLO = b"BT /F1 12 Tf 72 712 Td (Hola mundo) Tj ET\n"
# An inline image: pypdf skips its bytes quickly, yet keeps them with the inflated stream.
IMAGE_START, IMAGE_END = b"BI /W 100 /H 100 /BPC 8 /CS /G ID ", b"\nEI\n"
MB = 2**20


def text_pdf(pages: Sequence[str], title: str | None = None) -> bytes:
    """One page per string, written with fpdf2 in Helvetica (Latin-1 text)."""
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def deflated(size: int, filler: bytes = b" ", head: bytes = HELLO, tail: bytes = b"") -> bytes:
    """`head`, `size` bytes of `filler`, `tail`, compressed without holding them all in memory."""
    compressor = zlib.compressobj(9)
    block = filler * (MB // len(filler))
    parts = [compressor.compress(head)]
    parts += [compressor.compress(block) for _ in range(size // len(block))]
    parts += [compressor.compress(filler * (size % len(block) // len(filler)) + tail)]
    return b"".join([*parts, compressor.flush()])


def flate_pdf(contents: Sequence[bytes]) -> bytes:
    """One page per content stream in `contents` (Flate-compressed bytes, see `deflated`)."""
    font = {
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }
    resources = {NameObject("/Font"): DictionaryObject({NameObject("/F1"): DictionaryObject(font)})}
    writer = PdfWriter()
    for content in contents:
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject(resources)
        stream = {NameObject("/Filter"): NameObject("/FlateDecode"), "__streamdata__": content}
        page.replace_contents(StreamObject.initialize_from_dictionary(stream))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
