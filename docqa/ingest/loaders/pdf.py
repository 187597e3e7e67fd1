"""PDF files: text per page, with each page's span in the document text."""

import io
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError

from docqa.ingest.base import Extracted, LoadError, Page
from docqa.ingest.loaders.base import Loader, finish, normalize_text, read_bytes

PAGE_SEPARATOR = "\n\n"


class PdfLoader(Loader):
    suffixes = (".pdf",)

    def load(self, path: Path) -> Extracted:
        raw = read_bytes(path)
        try:
            reader = PdfReader(io.BytesIO(raw))
            # Many PDFs are encrypted only to restrict printing or copying; their user password
            # is empty and the text is readable.
            if reader.is_encrypted and not reader.decrypt(""):
                raise LoadError("encrypted PDF (password required)")
            page_texts = [page.extract_text() for page in reader.pages]
            title = reader.metadata.title if reader.metadata else None
        except LoadError:
            raise
        except DependencyError as exc:
            raise LoadError(f"encrypted PDF with a cipher this installation lacks: {exc}") from exc
        except Exception as exc:
            # pypdf raises many error types (and plain ValueError, KeyError...) on damaged files.
            raise LoadError(f"corrupt PDF: {str(exc) or type(exc).__name__}") from exc
        text, pages = join_pages(page_texts)
        if not text:
            raise LoadError("no extractable text (scanned or empty PDF?)")
        # A damaged info dictionary can hold a number or an array where the title belongs.
        return finish(text, title if isinstance(title, str) else None, pages)


def join_pages(page_texts: list[str]) -> tuple[str, tuple[Page, ...]]:
    """Join normalised page texts; a page without text keeps its number with an empty span."""
    text = ""
    pages = []
    for number, page_text in enumerate(page_texts, start=1):
        page_text = normalize_text(page_text).strip()
        if page_text and text:
            text += PAGE_SEPARATOR
        start = len(text)
        text += page_text
        pages.append(Page(number=number, start=start, end=len(text)))
    return text, tuple(pages)
