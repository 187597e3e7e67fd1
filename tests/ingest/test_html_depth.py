"""The nesting guard counts depth as lexbor builds it: markup that fools a tag count is refused."""

import time
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from docqa.ingest.base import LoadError
from docqa.ingest.loaders import load_file
from docqa.ingest.loaders.html import MAX_DEPTH
from docqa.ingest.loaders.html_depth import nesting_depth

# Each repeated N times; lexbor nests every one of them ever deeper.
DEEPENING = {
    "unmatched end tags": "<div></x>",
    "end tags in comments": "<div><!--</div>-->",
    "tags after an empty comment": "<!--><div>-->",
    "end tags in a script's escaped text": "<div><script><!--<script></script></div>--></script>",
    "end tags in textarea": "<div><textarea></div></textarea>",
    "end tags in title": "<div><title></div></title>",
    "end tags in a quoted attribute": "<div title='</div>'>",
    "self-closing HTML elements": "<div/>",
    "end tags past an object": "<div><object></div>",
    "end tags past a block": "<span><div></span>",
    "formatting end tags": "<b><div></b>",
    "end tags with a vertical tab": "<div></div\v>",
    "end tags in SVG CDATA": "<svg><g><![CDATA[></g>]]>",
    "SVG left by a <b>": "<svg><b><span></svg>",
    "SVG end tag inside foreignObject": "<svg><foreignObject><span></svg>",
    "unclosed elements in SVG": "<svg><td>",
}
# Real markup that does not nest: must not be refused however long the page.
FLAT = {
    "unclosed paragraphs and items": "<p>párrafo<li>elemento<br>",
    "unclosed anchors": "<a name=x>ancla ",
    "SVG shapes": "<svg><path d='M0 0'/><rect width=1 /></svg>",
    "markup inside scripts": "<div><script>if (a<b) document.write('<div>')</script></div>",
    "comments": "<div><!-- <div> --></div>",
    "headings left open": "<h2>título<h3>sub",
}


def lexbor_depth(html: str) -> int:
    """The depth of the deepest element lexbor builds from `html`."""
    tree = LexborHTMLParser(html)
    deepest, stack = 0, [(tree.root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter())
    return deepest


@pytest.mark.parametrize("unit", DEEPENING.values(), ids=DEEPENING.keys())
def test_markup_lexbor_nests_counts_as_deep(unit: str) -> None:
    page = unit * 300
    # Never shallower than lexbor by more than a few levels (<html>, <body>, a table's rows).
    assert nesting_depth(page, MAX_DEPTH) >= lexbor_depth(page) - 4 >= 290


@pytest.mark.parametrize("unit", FLAT.values(), ids=FLAT.keys())
def test_markup_that_does_not_nest_counts_as_flat(unit: str) -> None:
    page = unit * 5_000
    assert lexbor_depth(page) < 20
    assert nesting_depth(page, MAX_DEPTH) < 20


@pytest.mark.parametrize(
    "page",
    ["<div></x>" * 100_000 + "walrus", "<div><!--</div>-->" * 100_000],
    ids=["unmatched end tags", "end tags in comments"],
)
def test_the_reported_pages_are_refused_at_once(tmp_path: Path, page: str) -> None:
    path = tmp_path / "x.html"
    path.write_text(page, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(LoadError, match=f"HTML nested more than {MAX_DEPTH:,} elements deep"):
        load_file(path)
    # lexbor took about 100 s over each of these; the scan stops at the limit.
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "page",
    ["<!--" * 100_000, "<" * 1_000_000, "<a href='" * 100_000, "<script><!--" * 100_000],
    ids=["unclosed comments", "lone <", "unclosed attribute", "unclosed scripts"],
)
def test_malformed_markup_is_scanned_in_linear_time(page: str) -> None:
    started = time.perf_counter()
    nesting_depth(page, MAX_DEPTH)
    assert time.perf_counter() - started < 5
