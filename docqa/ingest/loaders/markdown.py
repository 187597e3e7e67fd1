"""Markdown files, kept as written so citations index into the source."""

import re

from docqa.ingest.base import Extracted
from docqa.ingest.loaders.base import Loader, decode_plain_text, finish
from docqa.model import Limits

_ATX_HEADING = re.compile(r" {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")
_FENCE = re.compile(r" {0,3}(```|~~~)")


class MarkdownLoader(Loader):
    suffixes = (".md", ".markdown")

    def load(self, raw: bytes, limits: Limits) -> Extracted:
        text = decode_plain_text(raw, limits)
        return finish(text, limits, first_heading(text))


def first_heading(text: str) -> str | None:
    """The first ATX heading's text, ignoring "#" lines inside fenced code (shell comments)."""
    in_code = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_code = not in_code
        elif not in_code and (heading := _ATX_HEADING.fullmatch(line)) and heading[1]:
            return heading[1]
    return None
