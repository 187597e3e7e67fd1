"""PDF files: text per page, with each page's span in the document text."""

import io

from pypdf import PdfReader
from pypdf.errors import DependencyError, LimitReachedError

from docqa.ingest.base import Extracted, LoadError
from docqa.ingest.loaders.base import Loader, check_chars, finish, normalize_text
from docqa.model import Limits, Page

PAGE_SEPARATOR = "\n\n"


class PdfLoader(Loader):
    suffixes = (".pdf",)

    def load(self, raw: bytes, limits: Limits) -> Extracted:
        try:
            reader = PdfReader(io.BytesIO(raw))
            # Many PDFs are encrypted only to restrict printing or copying; their user password
            # is empty and the text is readable.
            if reader.is_encrypted and not reader.decrypt(""):
                raise LoadError("encrypted PDF (password required)")
            page_texts = _page_texts(reader, limits)
            title = reader.metadata.title if reader.metadata else None
        except (LoadError, MemoryError):
            raise
        except DependencyError as exc:
            raise LoadError(f"encrypted PDF with a cipher this installation lacks: {exc}") from exc
        except LimitReachedError as exc:
            # pypdf's own guard against decompression bombs and oversized structures.
            raise LoadError(f"PDF content over pypdf's safety limits: {exc}") from exc
        except Exception as exc:
            # pypdf raises many error types (and plain ValueError, KeyError...) on damaged files.
            raise LoadError(f"corrupt PDF: {str(exc) or type(exc).__name__}") from exc
        text, pages = join_pages(page_texts)
        if not text:
            raise LoadError("no extractable text (scanned or empty PDF?)")
        # A damaged info dictionary can hold a number or an array where the title belongs.
        return finish(text, limits, title if isinstance(title, str) else None, pages)


def _page_texts(reader: PdfReader, limits: Limits) -> list[str]:
    """Each page's text; too many pages are refused before any is read, too much text at once."""
    count = len(reader.pages)
    if count > limits.max_pdf_pages:
        raise LoadError(
            f"{count:,} pages, over the limit of {limits.max_pdf_pages:,} (DOCQA_MAX_PDF_PAGES)"
        )
    texts: list[str] = []
    total = 0
    for page in reader.pages:
        texts.append(page.extract_text())
        total += len(texts[-1])
        check_chars(total, limits)
    return texts


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
