"""HTML pages: the visible text, one line per block element."""

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from docqa.ingest.base import Extracted, LoadError
from docqa.ingest.loaders.base import Loader, decode_text, finish
from docqa.ingest.loaders.html_depth import nesting_depth
from docqa.model import Limits

_INVISIBLE = frozenset(
    {"head", "script", "style", "noscript", "template", "svg", "math", "iframe", "object"}
)
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "legend",
        "li",
        "main",
        "nav",
        "ol",
        "option",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    ]
)
# Table cells are often written back to back in the source; a space keeps their words apart.
_CELLS = frozenset({"td", "th"})
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Browsers stop nesting at 512 levels (Blink); real pages stay far below that, so a deeper file
# is refused before lexbor, whose time grows with tags times depth, parses it.
MAX_DEPTH = 1_000


class HtmlLoader(Loader):
    suffixes = (".html", ".htm")

    def load(self, raw: bytes, limits: Limits) -> Extracted:
        # The HTML standard only honours a <meta charset> within the first 1024 bytes.
        declared = _META_CHARSET.search(raw[:1024])
        html = decode_text(raw, declared and declared[1].decode("ascii"))
        check_depth(html)
        tree = LexborHTMLParser(html)
        return finish(visible_text(tree), limits, _title(tree))


def check_depth(html: str) -> None:
    """Refuse markup that an HTML parser would nest deeper than MAX_DEPTH."""
    if nesting_depth(html, MAX_DEPTH) > MAX_DEPTH:
        raise LoadError(f"HTML nested more than {MAX_DEPTH:,} elements deep")


def visible_text(tree: LexborHTMLParser) -> str:
    # An explicit stack rather than recursion: nesting depth in real pages is unbounded.
    parts: list[str] = []
    stack: list[tuple[LexborNode, bool] | str] = [] if tree.root is None else [(tree.root, False)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        node, in_pre = item
        if node.is_text_node:
            text = node.text_content or ""
            # Outside <pre>, source line breaks are just spaces when rendered.
            parts.append(text if in_pre else _WHITESPACE.sub(" ", text))
        elif node.tag == "br":
            parts.append("\n")
        elif node.is_element_node and not _is_hidden(node):
            separator = "\n" if node.tag in _BLOCKS else " " if node.tag in _CELLS else ""
            in_pre = in_pre or node.tag == "pre"
            stack.append(separator)
            stack.extend((child, in_pre) for child in reversed(list(node.iter(include_text=True))))
            stack.append(separator)
    lines = (line.strip() for line in _SPACES.sub(" ", "".join(parts)).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _is_hidden(node: LexborNode) -> bool:
    attributes = node.attributes
    return (
        node.tag in _INVISIBLE
        or "hidden" in attributes
        or bool(_HIDING_STYLE.search(attributes.get("style") or ""))
    )


def _title(tree: LexborHTMLParser) -> str | None:
    # "head > title" so that an <svg> icon's <title> never names the page.
    for selector in ("head > title", "h1"):
        node = tree.css_first(selector)
        if node is not None and (text := node.text(separator=" ").strip()):
            return text
    return None
