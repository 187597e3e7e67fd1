"""Plain-text files."""

from docqa.ingest.base import Extracted
from docqa.ingest.loaders.base import Loader, decode_plain_text, finish
from docqa.model import Limits


class TextLoader(Loader):
    suffixes = (".txt",)

    def load(self, raw: bytes, limits: Limits) -> Extracted:
        return finish(decode_plain_text(raw, limits), limits)
