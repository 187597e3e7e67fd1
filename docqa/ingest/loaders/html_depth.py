"""How deep an HTML parser nests a page's elements, found in one linear scan before parsing.

lexbor's parsing time grows with the number of tags times their nesting depth, so a page is
measured before it is parsed. The scan follows the tokenizer of the HTML standard (comments,
raw text such as <script>, attribute values) and the parts of tree building that decide
depth: an end tag closes only an element that is open and reachable, a start tag closes what
the parser closes for it (<li> an open <li>, <div> an open <p>), formatting elements are
re-opened as the parser re-opens them, SVG and MathML content is read as such. Where the scan
cannot tell what the parser will do, it keeps elements open rather than closing them: it may
count deeper than the parser (a page refused that would have parsed), never shallower by more
than a fixed factor (a table's implied <tbody>, <tr> and <td> make 4 levels of 1 counted).
tests/ingest/test_html_depth.py checks this against lexbor on pages made of random tags.
"""

import re
import string
from collections import defaultdict
from typing import NamedTuple

# Whitespace of the HTML tokenizer; Python's \s also matches \v and Unicode spaces, which the
# tokenizer reads as part of a name ("</div\v>" closes nothing).
_WS = "\t\n\f\r "
# A start or end tag from "<" to its ">": name, attributes where a quote opens a value only after
# "=" and a value in quotes may hold ">", then the "/" of a self-closing tag (one that is part of
# an unquoted value, as in <a href=x/>, is not). Possessive: linear, and a tag with no ">" fails
# at once.
_TAG = re.compile(
    rf"<(/?)([A-Za-z][^{_WS}/>]*+)"
    rf"((?:[{_WS}]++|/(?!>)|[^{_WS}/>][^{_WS}/>=]*+"
    rf"(?:[{_WS}]*+=[{_WS}]*+(?:\"[^\"]*+\"|'[^']*+'|[^{_WS}>]*+))?+)*+)(/?)>"
)
_FONT_BREAKS_OUT = re.compile(rf"(?:^|[{_WS}/])(?:color|face|size)(?:[{_WS}/=]|$)", re.IGNORECASE)
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

# Empty elements, the page's frame, and the parts of a table, which nest only as deep as the
# tables they are in.
_NOT_NESTING = frozenset(
    [
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
        "image", "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
        "html", "head", "body", "colgroup", "caption", "thead", "tbody", "tfoot", "tr", "td",
        "th",
    ]
)  # fmt: skip
# Start tags that end an open <p> (one "in button scope"), as the parser does.
_CLOSE_P = frozenset(
    [
        "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div",
        "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "main", "menu",
        "nav", "ol", "p", "search", "section", "summary", "ul", "h1", "h2", "h3", "h4", "h5",
        "h6", "pre", "listing", "li", "dd", "dt", "plaintext", "hr", "xmp",
    ]
)  # fmt: skip
# <li> ends an open <li>, <dd> or <dt> an open <dd> or <dt>, unless a special element other than
# these is open inside it.
_LIST_ITEMS = {"li": ("li",), "dd": ("dd", "dt"), "dt": ("dd", "dt")}
# Elements whose end the parser implies ("generate implied end tags"), as a ruby's <rb>, <rtc>,
# <rp> and <rt> do (the last two leave an <rtc> open).
_IMPLIED_END = frozenset(["dd", "dt", "li", "optgroup", "option", "p", "rb", "rp", "rt", "rtc"])
_RUBY = {"rb": _IMPLIED_END, "rtc": _IMPLIED_END, "rp": _IMPLIED_END - {"rtc"}}
_RUBY["rt"] = _RUBY["rp"]
# Elements whose content is text up to their end tag. Inside SVG or MathML they are ordinary
# elements, and <noscript> is text only when scripting is on: there the content counts as
# markup whose end tags close nothing (see _Scan.opaque_until).
_RAW_TEXT = frozenset(
    ["script", "style", "xmp", "iframe", "noembed", "noframes", "textarea", "title"]
)
_FOREIGN_ROOTS = frozenset(["svg", "math"])
# Foreign elements whose children are HTML again, by namespace (<annotation-xml> only when its
# encoding is HTML).
_INTEGRATION_POINTS = {
    "svg": frozenset(["foreignobject", "desc", "title"]),
    "math": frozenset(["mi", "mo", "mn", "ms", "mtext"]),
}
_HTML_ENCODING = re.compile(
    rf"(?:^|[{_WS}/])encoding[{_WS}]*=[{_WS}]*([\"']?)(?:text/html|application/xhtml\+xml)\1"
    rf"(?:[{_WS}/]|$)",
    re.IGNORECASE,
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
# Any other end tag stops at these (the standard's "special" elements, and a few more).
_SPECIAL = _SCOPED | _SCOPE_BOUNDARIES | _NOT_NESTING | _RAW_TEXT | {
    "frameset", "noscript", "plaintext", "select", "p", "li", "dd", "dt",
}  # fmt: skip
_LIST_ITEM_STOPS = _SPECIAL - {"address", "div", "p"}
_FOREIGN_SPECIAL = frozenset(
    [*_INTEGRATION_POINTS["svg"], *_INTEGRATION_POINTS["math"], "annotation-xml"]
)
# Inside a <select> the parser ignores end tags of elements outside it: it stops every search.
_STOPS_ALL = frozenset(["select"])
# Stands for the HTML content that follows SVG or MathML ended by an HTML tag.
_HTML_AGAIN = "#html"
# A formatting element closed by something else is re-opened, up to this many alike, before
# text and before start tags other than these.
_REOPENED_ALIKE = 3
_NOT_REOPENING = _CLOSE_P - {"xmp"} | {
    "table", "form", "textarea", "iframe", "noembed", "frameset", "html", "body",
    "head", "base", "basefont", "bgsound", "link", "meta", "script", "style", "template",
    "title", "noframes", "param", "source", "track", "rb", "rtc", "rp", "rt", "caption", "col",
    "colgroup", "frame", "tbody", "td", "tfoot", "th", "thead", "tr",
}  # fmt: skip


class _Open(NamedTuple):
    """An open element, and the nearest ones at or below it that an end tag's search stops at."""

    name: str
    space: str  # "" for HTML, "svg" or "math"
    special: int  # for most end tags
    boundary: int  # for end tags that close their element only "in scope" (_SCOPED)
    button: int  # for the <p> that a block ends ("button scope")
    list_item: int  # for the <li>, <dd> or <dt> that a new one ends
    html: int  # the nearest HTML element or integration point, where foreign content ends
    attributes: str  # of a formatting element, which is re-opened with them


_BOTTOM = _Open("", "", -1, -1, -1, -1, -1, "")


class _Scan:
    """The open elements of one page, and the deepest they went.

    Each entry knows the stops below it, so an end tag is matched in constant time: a page of
    end tags that search a deep stack in vain costs no more than any other.
    """

    def __init__(self) -> None:
        self.stack: list[_Open] = []
        # (name, foreign) -> the stack positions of the open elements so named, in order.
        self.where: defaultdict[tuple[str, bool], list[int]] = defaultdict(list)
        # Formatting elements closed by another element's end, which the parser re-opens
        # ("reconstructs") before what comes next: <div><b></div><x> nests <x> in a new <b>.
        self.reopen: list[tuple[str, str]] = []
        self.deepest = 0
        # End tags before this offset close nothing: the parser may read them as text.
        self.opaque_until = 0
        # What a search for an end mark ("</style", "]]>") found, to search each stretch once.
        self.found: dict[str, int] = {}
        # After a <frameset> the parser may ignore the tags that start raw text.
        self.frameset = False

    def in_foreign(self) -> bool:
        """Whether a start tag here makes an SVG or MathML element (not an HTML one)."""
        return bool(self.stack) and self.stack[-1].html != len(self.stack) - 1

    def push(self, name: str, space: str = "", attributes: str = "") -> None:
        at = len(self.stack)
        below = self.stack[-1] if self.stack else _BOTTOM
        special, boundary, button, list_item = below[2:6]
        kept = ""
        if space:
            if name in _FOREIGN_SPECIAL:
                special = boundary = button = list_item = at
            integration = name in _INTEGRATION_POINTS[space] or (
                space == "math"
                and name == "annotation-xml"
                and _HTML_ENCODING.search(attributes) is not None
            )
            html = at if integration else below.html
        else:
            html = at
            if name in _SPECIAL:
                special = at
                if name in _SCOPE_BOUNDARIES or name in _STOPS_ALL:
                    special = boundary = button = list_item = at
                elif name == "button":
                    button = at
                if name in _LIST_ITEM_STOPS:
                    list_item = at
            elif name in _FORMATTING:
                kept = attributes
        self.stack.append(_Open(name, space, special, boundary, button, list_item, html, kept))
        self.where[name, bool(space)].append(at)
        self.deepest = max(self.deepest, len(self.stack))

    def pop_to(self, index: int, closing: str = "") -> None:
        """Close the elements from `index` up; `closing` names the one an end tag closes."""
        while len(self.stack) > index:
            closed = self.stack.pop()
            self.where[closed.name, bool(closed.space)].pop()
            explicit = len(self.stack) == index and closed.name == closing
            if closed.name in _FORMATTING and not closed.space and not explicit:
                self._keep_for_reopening(closed.name, closed.attributes)

    def _keep_for_reopening(self, name: str, attributes: str) -> None:
        alike = [i for i, entry in enumerate(self.reopen) if entry == (name, attributes)]
        # The parser keeps the last few alike ("Noah's Ark"); keeping fewer would count short.
        if len(alike) >= _REOPENED_ALIKE:
            del self.reopen[alike[0]]
        self.reopen.append((name, attributes))

    def start(self, name: str, attributes: str, self_closing: bool, opaque: bool) -> bool:
        """Open `name`; True if its content is raw text the caller must skip.

        In opaque text (see opaque_until) the tag may be no tag at all: it closes nothing.
        """
        if self.frameset:
            # The parser may be in a frameset, where start tags close nothing.
            if name not in _NOT_NESTING and not self_closing:
                self.push(name, "", attributes)
            return name in _RAW_TEXT
        if self.in_foreign():
            breaks_out = name in _BREAK_OUT or (
                name == "font" and _FONT_BREAKS_OUT.search(attributes) is not None
            )
            if not breaks_out:
                if not self_closing:
                    self.push(name, self.stack[-1].space, attributes)
                return False
            # The parser closes the SVG or MathML elements; they are kept open here, which may
            # count deeper but never shallower, under a mark that what follows is HTML.
            self.push(_HTML_AGAIN, "")
        if self.stack and not opaque:
            self._close_implied(name)
        if name == "a":
            # A new <a> ends the one still to be re-opened.
            self.reopen = [entry for entry in self.reopen if entry[0] != "a"]
        if self.reopen and name not in _NOT_REOPENING:
            self.reopen_now()
        self.frameset = self.frameset or name == "frameset"
        if name in _FOREIGN_ROOTS:
            if not self_closing:
                self.push(name, name, attributes)
            return False
        if name in _NOT_NESTING:
            return False
        self.push(name, "", attributes)
        return name in _RAW_TEXT

    def _close_implied(self, name: str) -> None:
        """Close what the start tag `name` ends: an item before the next, a paragraph, ..."""
        top = self.stack[-1]
        ruby = self.where["ruby", False]
        if name in _RUBY and ruby and ruby[-1] >= top.boundary:
            while self.stack[-1].name in _RUBY[name] and not self.stack[-1].space:
                self.pop_to(len(self.stack) - 1)
        if name in _LIST_ITEMS:
            # The nearest open item of those kinds, if nothing that stops the search is above it.
            item = max((self.where[kind, False][-1:] or [-1])[0] for kind in _LIST_ITEMS[name])
            if item >= 0 and item == top.list_item:
                self.pop_to(item)
        button = self.where["button", False]
        if name == "button" and button and button[-1] >= top.boundary:
            self.pop_to(button[-1])
        if name in {"option", "optgroup"} and self.stack and self.stack[-1].name == "option":
            self.pop_to(len(self.stack) - 1)
        paragraph = self.where["p", False]
        if name in _CLOSE_P and paragraph and self.stack and self.stack[-1].button <= paragraph[-1]:
            self.pop_to(paragraph[-1])

    def _end_form(self) -> None:
        """</form> ends what it implies, then takes the form out of the stack and leaves what
        is open inside it: here the form is closed only when nothing is."""
        form = self.where["form", False]
        if not form or form[-1] < self.stack[-1].boundary:
            return
        while self.stack[-1].name in _IMPLIED_END and not self.stack[-1].space:
            self.pop_to(len(self.stack) - 1)
        if self.stack[-1].name == "form" and not self.stack[-1].space:
            self.pop_to(len(self.stack) - 1)

    def reopen_now(self) -> None:
        """Re-open the formatting elements closed early, as the parser does before text."""
        if not self.in_foreign():
            for name, attributes in self.reopen:
                self.push(name, "", attributes)
            self.reopen.clear()

    def end(self, name: str) -> None:
        if not self.stack:
            return
        if name == "form":
            self._end_form()
            return
        if name in {"p", "br"} and self.in_foreign():
            # These end SVG or MathML content too, as HTML start tags do (see start).
            self.push(_HTML_AGAIN, "")
            return
        top = self.stack[-1]
        foreign = self.where[name, True]
        if top.space and foreign and foreign[-1] > top.html:
            # In foreign content an end tag closes the nearest foreign element of its name.
            self.pop_to(foreign[-1])
            return
        # Any heading's end tag closes the innermost heading, whatever its level.
        kinds = _HEADINGS if name in _HEADINGS else (name,)
        html = max((self.where[kind, False] for kind in kinds), key=lambda at: at[-1:] or [-1])
        if not html:
            if name in _FORMATTING:
                # Closed before its end tag: no longer re-opened.
                kept = [i for i, entry in enumerate(self.reopen) if entry[0] == name]
                if kept:
                    del self.reopen[kept[-1]]
            return
        index = html[-1]
        # Closed unless an element that stops the search is open inside it; an element closed
        # by the adoption agency algorithm only when it is the innermost.
        stop = top.boundary if name in _SCOPED else top.special
        if stop <= index and (name not in _FORMATTING or index == len(self.stack) - 1):
            self.pop_to(index, closing=self.stack[index].name)

    def next_mark(self, html: str, mark: re.Pattern[str], start: int) -> int:
        """Where `mark` next occurs from `start` (the end of `html` if it does not)."""
        found = self.found.get(mark.pattern, -1)
        # The first match from an earlier start is still the first from a later one before it.
        if found < start:
            match = mark.search(html, start)
            found = self.found[mark.pattern] = len(html) if match is None else match.start()
        return found


def nesting_depth(html: str, limit: int) -> int:
    """The deepest nesting of elements in `html`, counted up to just past `limit`."""
    scan = _Scan()
    position = 0
    while scan.deepest <= limit:
        markup = _MARKUP.search(html, position)
        if markup is None:
            break
        if scan.reopen and markup.start() > position:
            scan.reopen_now()
        position = markup.start()
        after = html[position + 1 : position + 3]
        if html.startswith("<!--", position):
            position = _comment_end(html, position)
        elif html.startswith("<![CDATA[", position) and scan.in_foreign():
            # Text up to "]]>" in SVG or MathML, a bogus comment up to ">" in HTML: which one
            # depends on where the parser is, so what follows "<![CDATA[" closes nothing.
            end = scan.next_mark(html, _CDATA_END, position)
            scan.opaque_until = max(scan.opaque_until, end)
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
_CDATA_END = re.compile(re.escape("]]>"))
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
    closing, name, attributes, self_closing = tag[1], tag[2].translate(_LOWER), tag[3], tag[4]
    if closing:
        # In a frameset every end tag but </frameset> is ignored.
        if tag.start() >= scan.opaque_until and (name == "frameset" or not scan.frameset):
            scan.end(name)
        return tag.end()
    foreign_context = scan.in_foreign()
    if name == "plaintext" and not foreign_context:
        # The rest is text, unless the parser ignores <plaintext> (in a <frameset>).
        scan.opaque_until = len(html)
    raw = scan.start(name, attributes, bool(self_closing), tag.start() < scan.opaque_until)
    if not (raw or name == "noscript" or (foreign_context and name in _RAW_TEXT)):
        return tag.end()
    if raw and name == "script":
        stop = _script_end(html, tag.end())
    else:
        stop = scan.next_mark(html, _end_tag(name), tag.end())
    if raw and not scan.frameset and tag.start() >= scan.opaque_until:
        return stop
    # Text to the parser or markup, depending on what it knows (scripting, the namespace):
    # count what it would open, close nothing before the end tag.
    scan.opaque_until = max(scan.opaque_until, stop)
    return tag.end()


def _end_tag(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{re.escape(name)}[{_WS}/>]", re.IGNORECASE)


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
