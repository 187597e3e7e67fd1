"""Plain-text files."""

from pathlib import Path

from docqa.ingest.base import Extracted
from docqa.ingest.loaders.base import Loader, decode_text, finish, read_bytes


class TextLoader(Loader):
    suffixes = (".txt",)

    def load(self, path: Path) -> Extracted:
        return finish(decode_text(read_bytes(path)))
