"""The nesting guard counts depth as lexbor builds it: markup that fools a tag count is refused."""

import random
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
    "headings in list items": "<li><h1>",
    "headings around options": "<h1><option>",
    "ruby text outside ruby": "<rb>",
    "option groups outside a select": "<optgroup>",
    "list items in definitions": "<li><dd>",
    "elements left open by </form>": "<path/><form><path/><p></dd></form>",
    "buttons in unclosed noscript": "</button><noscript><button>",
    "HTML after SVG left by <body>": "<body></span><path/></svg></svg><svg>",
    "MathML title is no raw text": "<math><title><</select></select><iframe>",
    "end tags inside a select": "</object><object><select>",
    "formatting re-opened": "</x><x><b></button>",
    "raw text inside SVG CDATA": "]]><SVG><![CDATA[<div/><style><template>",
    "annotation-xml stops a <dt>": "<g></template><<dt><math><annotation-xml encoding='text/html'>",
}
# Real markup that does not nest: must not be refused however long the page.
FLAT = {
    "unclosed paragraphs and items": "<p>párrafo<li>elemento<br>",
    "unclosed lists": "<ul><li>uno<li>dos</ul><dl><dt>t<dd>d<dt>t2<dd>d2</dl>",
    "unclosed anchors in paragraphs": "<p><a name=x>ancla <b>negrita",
    "unclosed spans in blocks": "<div><span>texto</div>",
    "SVG shapes": "<svg><path d='M0 0'/><rect width=1 /></svg>",
    "markup inside scripts": "<div><script>if (a<b) document.write('<div>')</script></div>",
    "comments": "<div><!-- <div> --></div>",
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
    depth = lexbor_depth(page)
    assert depth >= 290
    # Never shallower than lexbor by more than a few levels (<html>, <body>, a table's rows);
    # the count stops just past the limit.
    assert nesting_depth(page, MAX_DEPTH) >= min(depth - 4, MAX_DEPTH + 1)


# Tags, comments and stray characters that change how the parser nests, to build pages from.
PIECES = [
    "<div>", "</div>", "<span>", "</span>", "<b>", "</b>", "<a>", "</a>", "<p>", "</p>", "<li>",
    "</li>", "<ul>", "</ul>", "<dl>", "<dd>", "<dt>", "</dd>", "<table>", "</table>", "<tr>",
    "<td>", "<caption>", "<svg>", "</svg>", "<SVG>", "<math>", "</math>", "<mi>", "<mtext>",
    "<g>", "</g>", "<g/>", "<path/>", "<div/>", "<foreignObject>", "</foreignObject>", "<desc>",
    "<title>", "</title>", "<textarea>", "</textarea>", "<script>", "</script>", "<style>",
    "</style>", "<xmp>", "</xmp>", "<iframe>", "<noscript>", "</noscript>", "<plaintext>",
    "<!--", "-->", "--!>", "<!-->", "<![CDATA[", "]]>", "<object>", "</object>", "<select>",
    "</select>", "<option>", "<optgroup>", "<template>", "</template>", "<font>",
    "<font\tcolor=red>", "</font>", "<h1>", "<h2>", "</h1>", "<x>", "</x>", "<button>",
    "</button>", "<form>", "</form>", "<ruby>", "</ruby>", "<rb>", "<rt>", "<marquee>",
    "<nobr>", "<i>", "</i>", "<em>", "<section>", "<frameset>", "<html>", "<body>", "</body>",
    "<hr>", "<br>", "</br>", "<image>", "</DIV>", "</p\t>", ">", "<", "/", "=", "'", '"',
]  # fmt: skip


def test_random_markup_never_counts_much_shallower_than_lexbor() -> None:
    rng = random.Random(17)
    for _ in range(1_500):
        unit = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6)))
        page = unit * 150
        depth = lexbor_depth(page)
        assert nesting_depth(page, MAX_DEPTH) >= min((depth - 3) // 4 - 2, MAX_DEPTH + 1), unit


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


# Pages that would cost a naive scan time quadratic in their length (minutes each).
MALFORMED = {
    "unclosed comments": "<!--" * 100_000,
    "lone <": "<" * 1_000_000,
    "unclosed attribute": "<a href='" * 100_000,
    "unclosed scripts": "<script><!--" * 100_000,
    "end tags searching a deep stack": "<x><div>" + "<span>" * 990 + "</x>" * 300_000,
    "unclosed SVG styles": "<svg>" + "<style>" * 200_000,
    "unclosed CDATA": "<svg>" + "<![CDATA[" * 200_000,
    "a tag of many equals signs": "<a " + "=x" * 500_000 + " />",
}


@pytest.mark.parametrize("page", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_markup_is_scanned_in_linear_time(page: str) -> None:
    started = time.perf_counter()
    nesting_depth(page, MAX_DEPTH)
    assert time.perf_counter() - started < 10
