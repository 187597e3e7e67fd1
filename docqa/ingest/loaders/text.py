"""Plain-text files."""

from docqa.ingest.base import Extracted, Limits
from docqa.ingest.loaders.base import Loader, decode_plain_text, finish


class TextLoader(Loader):
    suffixes = (".txt",)

    def load(self, raw: bytes, limits: Limits) -> Extracted:
        return finish(decode_plain_text(raw, limits), limits)
