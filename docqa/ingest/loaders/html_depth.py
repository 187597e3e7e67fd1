"""How deep an HTML parser nests a page's elements, found in one linear scan before parsing.

lexbor's parsing time grows with the number of tags times their nesting depth, so a page is
measured before it is parsed. The scan follows the tokenizer of the HTML standard (comments,
raw text such as <script>, attribute values) and the parts of tree building that decide
depth: an end tag closes only an element that is open and reachable, formatting and foreign
(SVG, MathML) elements are closed as the parser closes them. Where the scan cannot tell what the
parser will do, it keeps elements open rather than closing them: it may count deeper than the
parser (a page refused that would have parsed), never much shallower.
"""

import re
import string
from collections import Counter

# Whitespace of the HTML tokenizer; Python's \s also matches \v and Unicode spaces, which the
# tokenizer reads as part of a name ("</div\v>" closes nothing).
_WS = "\t\n\f\r "
# A start or end tag from "<" to its ">": name, then attributes, where a quote opens a value only
# after "=" and a value in quotes may hold ">". Possessive, so a tag with no ">" fails at once.
_TAG = re.compile(
    rf"<(/?)([A-Za-z][^{_WS}/>]*+)"
    rf"((?:[{_WS}/]++|[^{_WS}/>][^{_WS}/>=]*+"
    rf"(?:[{_WS}]*+=[{_WS}]*+(?:\"[^\"]*+\"|'[^']*+'|[^{_WS}>]*+))?+)*+)>"
)
# A "/" before ">" that belongs to an unquoted attribute value does not close the element.
_UNQUOTED_TAIL = re.compile(rf"=[{_WS}]*+[^{_WS}\"'>][^{_WS}>]*+$")
_FONT_BREAKS_OUT = re.compile(rf"(?:^|[{_WS}/])(?:color|face|size)(?:[{_WS}/=]|$)", re.IGNORECASE)
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

# Empty elements, and elements whose end tag the parser implies: a page of unclosed <p> or <li>
# does not nest.
_NOT_NESTING = frozenset(
    [
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
        "image", "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
        "html", "head", "body", "p", "li", "dt", "dd", "rb", "rp", "rt", "rtc", "optgroup",
        "option", "colgroup", "caption", "thead", "tbody", "tfoot", "tr", "td", "th",
    ]
)  # fmt: skip
# Elements whose content is text up to their end tag. Inside SVG or MathML they are ordinary
# elements, and <noscript> is text only when scripting is on: there the content counts as
# markup whose end tags close nothing (see _Scan.opaque_until).
_RAW_TEXT = frozenset(
    ["script", "style", "xmp", "iframe", "noembed", "noframes", "textarea", "title"]
)
_FOREIGN_ROOTS = frozenset(["svg", "math"])
# Foreign elements whose children are HTML again.
_INTEGRATION_POINTS = frozenset(
    ["foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"]
)
# HTML start tags that end SVG or MathML content (<font> only with color, face or size).
_BREAK_OUT = frozenset(
    [
        "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em",
        "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing",
        "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong",
        "strike", "sub", "sup", "table", "tt", "u", "ul", "var",
    ]
)  # fmt: skip
# Closed by the adoption agency algorithm, which may re-open them elsewhere: closed here only
# when they are the innermost element.
_FORMATTING = frozenset(
    [
        "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong",
        "tt", "u",
    ]
)  # fmt: skip
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
# End tags that close their element when it is "in scope": scope stops at these elements.
_SCOPED = frozenset(
    [
        "address", "article", "aside", "blockquote", "button", "center", "details", "dialog",
        "dir", "div", "dl", "fieldset", "figcaption", "figure", "footer", "form", "header",
        "hgroup", "listing", "main", "menu", "nav", "ol", "pre", "search", "section", "summary",
        "ul", "applet", "marquee", "object", "table", "template", *_HEADINGS,
    ]
)  # fmt: skip
_SCOPE_BOUNDARIES = frozenset(
    ["applet", "caption", "html", "table", "td", "th", "marquee", "object", "template"]
)
# Any other end tag stops at these (the standard's "special" elements).
_SPECIAL = _SCOPED | _SCOPE_BOUNDARIES | _NOT_NESTING | _RAW_TEXT | {
    "frameset", "noscript", "plaintext", "select",
}  # fmt: skip
_FOREIGN_SPECIAL = _INTEGRATION_POINTS


class _Scan:
    """The open elements of one page as (name, foreign), and the deepest they went."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, bool]] = []
        self.open = Counter[str]()
        self.deepest = 0
        # End tags before this offset close nothing: the parser may read them as text.
        self.opaque_until = 0

    def in_foreign(self) -> bool:
        """Whether a start tag here makes an SVG or MathML element (not an HTML one)."""
        if not self.stack:
            return False
        name, foreign = self.stack[-1]
        return foreign and name not in _INTEGRATION_POINTS

    def push(self, name: str, foreign: bool) -> None:
        self.stack.append((name, foreign))
        self.open[name] += 1
        self.deepest = max(self.deepest, len(self.stack))

    def pop_to(self, index: int) -> None:
        for name, _ in self.stack[index:]:
            self.open[name] -= 1
        del self.stack[index:]

    def start(self, name: str, attributes: str, self_closing: bool) -> bool:
        """Open `name`; True if its content is raw text the caller must skip."""
        if self.in_foreign():
            breaks_out = name in _BREAK_OUT or (
                name == "font" and _FONT_BREAKS_OUT.search(attributes) is not None
            )
            if not breaks_out:
                if not self_closing:
                    self.push(name, True)
                return False
            while self.in_foreign():
                self.pop_to(len(self.stack) - 1)
        if name in _FOREIGN_ROOTS:
            if not self_closing:
                self.push(name, True)
            return False
        # A heading ends the heading it is in; <a> and <nobr> the one they are directly in.
        top = self.stack[-1][0] if self.stack else ""
        if (name in _HEADINGS and top in _HEADINGS) or (name in {"a", "nobr"} and top == name):
            self.pop_to(len(self.stack) - 1)
        if name in _NOT_NESTING:
            return False
        self.push(name, False)
        return name in _RAW_TEXT

    def end(self, name: str) -> None:
        if not self.open[name]:
            return
        top = len(self.stack) - 1
        if self.stack[top][1]:
            # In foreign content an end tag closes the nearest foreign element of its name.
            for index in range(top, -1, -1):
                found, foreign = self.stack[index]
                if not foreign:
                    break
                if found == name:
                    self.pop_to(index)
                    return
        stops = _SCOPE_BOUNDARIES if name in _SCOPED else _SPECIAL
        for index in range(top, -1, -1):
            found, foreign = self.stack[index]
            if found == name and not foreign:
                if name not in _FORMATTING or index == top:
                    self.pop_to(index)
                return
            if found in (_FOREIGN_SPECIAL if foreign else stops):
                return


def nesting_depth(html: str, limit: int) -> int:
    """The deepest nesting of elements in `html`, counted up to just past `limit`."""
    scan = _Scan()
    position = 0
    while scan.deepest <= limit:
        markup = _MARKUP.search(html, position)
        if markup is None:
            break
        position = markup.start()
        after = html[position + 1 : position + 3]
        if html.startswith("<!--", position):
            position = _comment_end(html, position)
        elif html.startswith("<![CDATA[", position) and scan.in_foreign():
            # Text up to "]]>" in SVG or MathML, a bogus comment up to ">" in HTML: which one
            # depends on where the parser is, so what follows "<![CDATA[" closes nothing.
            end = html.find("]]>", position)
            scan.opaque_until = max(scan.opaque_until, len(html) if end < 0 else end)
            position += 9
        elif after[:1] in {"!", "?"} or (after[:1] == "/" and not _is_letter(after[1:])):
            if after == "/>" or after == "/":
                position += len(after) + 1
                continue
            # Bogus comments (<!DOCTYPE>, <![CDATA[ ]]> outside SVG, <?xml?>) end at the first >.
            end = html.find(">", position + 2)
            position = len(html) if end < 0 else end + 1
        else:
            position = _tag(html, position, scan)
    return scan.deepest


def _is_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


_COMMENT_END = re.compile(r"--!?>")
# Where markup may start: "<" before a letter, "/", "!" or "?"; any other "<" is text.
_MARKUP = re.compile(r"<[A-Za-z/!?]")


def _comment_end(html: str, start: int) -> int:
    """Where the comment at `start` ends: "<!-->" and "<!--->" end at once, else --> or --!>."""
    if html.startswith(">", start + 4):
        return start + 5
    if html.startswith("->", start + 4):
        return start + 6
    end = _COMMENT_END.search(html, start + 4)
    return len(html) if end is None else end.end()


def _tag(html: str, position: int, scan: _Scan) -> int:
    """Read the tag at `position` into `scan`; returns where reading goes on."""
    tag = _TAG.match(html, position)
    if tag is None:
        # A tag without ">": the parser drops it and everything after it.
        return len(html)
    closing, name, attributes = tag[1], tag[2].translate(_LOWER), tag[3]
    if closing:
        if tag.start() >= scan.opaque_until:
            scan.end(name)
        return tag.end()
    self_closing = attributes.endswith("/") and _UNQUOTED_TAIL.search(attributes) is None
    foreign_context = scan.in_foreign()
    if name == "plaintext" and not foreign_context:
        return len(html)
    raw = scan.start(name, attributes, self_closing)
    if not (raw or name == "noscript" or (foreign_context and name in _RAW_TEXT)):
        return tag.end()
    if raw and name == "script":
        stop = _script_end(html, tag.end())
    else:
        stop = _text_end(html, tag.end(), name)
    if raw:
        return stop
    # Text to the parser or markup, depending on what it knows (scripting, the namespace):
    # count what it would open, close nothing before the end tag.
    scan.opaque_until = max(scan.opaque_until, stop)
    return tag.end()


def _end_tag(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{re.escape(name)}[{_WS}/>]", re.IGNORECASE)


def _text_end(html: str, start: int, name: str) -> int:
    """Where the end tag of raw text `name` from `start` begins (the end of `html` if none)."""
    end = _end_tag(name).search(html, start)
    return len(html) if end is None else end.start()


# What moves a script between its states: "<!--" escapes, a nested "<script" double-escapes,
# "-->" ends both. Only "<!" is consumed, so that "<!-->" also ends at once.
_SCRIPT_MARKS = re.compile(rf"<!(?=--)|-->|<(/?)script[{_WS}/>]", re.IGNORECASE)


def _script_end(html: str, start: int) -> int:
    """Where a <script>'s end tag begins: "<!--" and a nested "<script" can hide "</script>"."""
    escaped = double = False
    for mark in _SCRIPT_MARKS.finditer(html, start):
        if mark[0] == "<!":
            escaped = True
        elif mark[0] == "-->":
            escaped = double = False
        elif mark[1]:
            if not double:
                return mark.start()
            double = False
        elif escaped:
            double = True
    return len(html)
