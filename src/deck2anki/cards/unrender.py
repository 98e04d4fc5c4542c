"""Anki HTML back to Markdown source, exactly or not at all.

A package's fields are HTML. To write them to a text format (Markdown, CSV, lecture text) as
source a person can edit, we turn the HTML our renderer makes back into Markdown, and keep the
result only when rendering it gives the very same HTML. Anything else (HTML from other tools,
``<div>``, ``<span style>``, ...) is reported as not convertible, and the caller keeps the HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser

from ..model import Markup, Note
from .plain_spans import split_math
from .render import render_field, text_to_markdown

_VOID = {"br", "img", "hr"}
# "span" only as Pygments writes it inside a code block, whose text is read as a whole.
_INLINE = {"em", "strong", "code", "a", "img", "br", "del", "s", "span"}
_BLOCK = {"p", "ul", "ol", "li", "pre", "blockquote", "hr", "table", "h1", "h3", "h4", "h5", "h6"}
_TABLE = {"thead", "tbody", "tr", "th", "td"}
_KNOWN = _INLINE | _BLOCK | _TABLE
_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    children: list[_Element | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """Builds a small element tree; any tag outside what our renderer writes stops it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("root", {})
        self.stack = [self.root]
        self.unknown = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _KNOWN:
            self.unknown = True
            return
        element = _Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if len(self.stack) > 1 and self.stack[-1].tag == tag:
            self.stack.pop()
        else:
            self.unknown = True

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def handle_comment(self, data: str) -> None:
        self.unknown = True


# The character references our renderer writes: markdown-it's escapes, and Pygments' "&#39;".
_REFERENCES = ("&amp;", "&lt;", "&gt;", "&quot;", "&#39;")
_NAME_END = re.compile(r"[^a-zA-Z0-9]")


def _plainly_tagged(html: str) -> bool:
    """Whether every ``<`` opens a tag (a letter or ``/`` after it) that ``>`` closes before
    the next ``<``, of a name our renderer writes (a void one as ``<br />``), and every ``&``
    starts a reference it writes, and a line break (or the end) follows every block's end tag:
    all our renderer writes (it escapes any other ``<``, ``>`` and ``&``).

    Asked first, in linear time: Python's HTML parser reads to the end of the text again
    for every ``<`` of a tag or comment that never closes (issue 13). And it rules out, before
    any parsing or rendering, what Anki's editor writes (``<b>``, ``<div>``, ``<br>``,
    ``&nbsp;``), which most notes of a deck made in Anki hold (issue 16).
    """
    position = html.find("<")
    while position >= 0:
        following = html.find("<", position + 1)
        close = html.find(">", position, None if following < 0 else following)
        opening = html[position + 1 : position + 2]
        if close < 0 or not ((opening.isascii() and opening.isalpha()) or opening == "/"):
            return False
        start = position + 1 + (opening == "/")
        end = _NAME_END.search(html, start, close)
        name = html[start : end.start() if end else close].lower()
        if name not in _KNOWN or (name in _VOID and html[close - 1] != "/"):
            return False
        # markdown-it ends every block it closes with a line break: Anki's editor does not.
        if opening == "/" and name not in _INLINE and html[close + 1 : close + 2] not in "\n":
            return False
        position = following
    position = html.find("&")
    while position >= 0:
        if not html.startswith(_REFERENCES, position):
            return False
        position = html.find("&", position + 1)
    return True


class _Unconvertible(Exception):
    pass


def to_markdown(html: str) -> str | None:
    """Markdown that renders to exactly ``html``, or None when there is none we can find."""
    if not html:
        return ""
    if not _plainly_tagged(html):
        return None
    if "<" in html or "&" in html:
        builder = _TreeBuilder()
        try:
            builder.feed(html)
            builder.close()
        except (AssertionError, ValueError):  # html.parser on declarations it cannot parse
            return None
        if builder.unknown or len(builder.stack) != 1:
            return None
        nodes = builder.root.children
    else:  # text alone, as most fields are: no tree to build
        nodes = [html]
    for escape in (False, True):
        try:
            markdown = _Writer(escape).blocks(nodes).strip("\n")
        except _Unconvertible:
            return None
        if render_field(markdown) == html:
            return markdown
    return None


class _Writer:
    """Writes an element tree as Markdown; ``escape`` backslash-escapes text punctuation."""

    def __init__(self, escape: bool) -> None:
        self.escape = escape

    def text(self, value: str) -> str:
        if not self.escape:
            return value
        parts = split_math(value)
        # Odd parts are Anki math, which the renderer keeps verbatim: never escape inside.
        return "".join(
            part if index % 2 else _PUNCTUATION.sub(r"\\\1", part)
            for index, part in enumerate(parts)
        )

    def inline(self, nodes: list[_Element | str]) -> str:
        out = []
        for node in nodes:
            if isinstance(node, str):
                out.append(self.text(node))
            elif node.tag in ("em",):
                out.append(f"*{self.inline(node.children)}*")
            elif node.tag == "strong":
                out.append(f"**{self.inline(node.children)}**")
            elif node.tag in ("del", "s"):
                out.append(f"~~{self.inline(node.children)}~~")
            elif node.tag == "code":
                out.append(_code_span(_plain(node)))
            elif node.tag == "a":
                target = _destination(node.attrs.get("href", ""), node.attrs.get("title"))
                out.append(f"[{self.inline(node.children)}]({target})")
            elif node.tag == "img":
                target = _destination(node.attrs.get("src", ""), node.attrs.get("title"))
                out.append(f"![{self.text(node.attrs.get('alt', ''))}]({target})")
            elif node.tag == "br":
                out.append("\\")
            else:
                raise _Unconvertible(node.tag)
        return "".join(out)

    def blocks(self, nodes: list[_Element | str]) -> str:
        if all(isinstance(n, str) or n.tag in _INLINE for n in nodes):
            return self.inline(nodes)  # a lone paragraph, unwrapped by the renderer
        out = []
        for node in nodes:
            if isinstance(node, str):
                if node.strip():
                    raise _Unconvertible("text between blocks")
                continue
            out.append(self.block(node))
        return "\n\n".join(out)

    def block(self, node: _Element) -> str:
        if node.tag == "p":
            return self.inline(node.children)
        if node.tag in ("h1", "h3", "h4", "h5", "h6"):
            return "#" * int(node.tag[1]) + " " + self.inline(node.children)
        if node.tag == "hr":
            return "***"
        if node.tag == "pre":
            inner = [n for n in node.children if isinstance(n, _Element)]
            if len(inner) != 1 or inner[0].tag != "code":
                raise _Unconvertible("pre")
            code = inner[0]
            language = code.attrs.get("class", "").removeprefix("language-")
            body = _plain(code)
            fence = "`" * max(3, _longest_run(body, "`") + 1)
            return f"{fence}{language}\n{body}{fence}"
        if node.tag == "blockquote":
            quoted = self.blocks(node.children)
            return "\n".join(f"> {line}" if line else ">" for line in quoted.split("\n"))
        if node.tag in ("ul", "ol"):
            return self.listing(node)
        if node.tag == "table":
            return self.table(node)
        raise _Unconvertible(node.tag)

    def listing(self, node: _Element) -> str:
        start = int(node.attrs.get("start", "1") or "1")
        items = [n for n in node.children if isinstance(n, _Element)]
        loose = any(
            isinstance(c, _Element) and c.tag == "p" for item in items for c in item.children
        )
        out = []
        for number, item in enumerate(items, start=start):
            marker = "- " if node.tag == "ul" else f"{number}. "
            body = self.blocks(
                [c for c in item.children if not (isinstance(c, str) and not c.strip())]
                if loose
                else item.children
            )
            lines = body.split("\n")
            indent = " " * len(marker)
            rest = [indent + line if line else line for line in lines[1:]]
            out.append(marker + "\n".join([lines[0], *rest]))
        return ("\n\n" if loose else "\n").join(out)

    def table(self, node: _Element) -> str:
        rows: list[list[_Element]] = []
        for section in node.children:
            if isinstance(section, _Element):
                for row in section.children:
                    if isinstance(row, _Element):
                        rows.append([c for c in row.children if isinstance(c, _Element)])
        if not rows:
            raise _Unconvertible("empty table")
        aligns = []
        for cell in rows[0]:
            style = cell.attrs.get("style", "")
            align = style.removeprefix("text-align:").strip()
            aligns.append({"left": ":---", "center": ":---:", "right": "---:"}.get(align, "---"))
        lines = [
            "| " + " | ".join(self.inline(c.children).replace("|", "\\|") for c in row) + " |"
            for row in rows
        ]
        lines.insert(1, "| " + " | ".join(aligns) + " |")
        return "\n".join(lines)


def _destination(url: str, title: str | None) -> str:
    """A link destination, in angle brackets when spaces or brackets would end it early."""
    target = f"<{url}>" if not url or any(c in url for c in " ()<>") else url
    return target + (f' "{title}"' if title is not None else "")


def _plain(node: _Element) -> str:
    return "".join(c if isinstance(c, str) else _plain(c) for c in node.children)


def _longest_run(text: str, char: str) -> int:
    runs = re.findall(f"{re.escape(char)}+", text)
    return max((len(run) for run in runs), default=0)


def _code_span(text: str) -> str:
    fence = "`" * (_longest_run(text, "`") + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def as_markdown(note: Note) -> Note | None:
    """The note in Markdown that renders exactly as it does now; None when there is none."""
    if note.markup is Markup.MARKDOWN:
        return note
    values = (note.question, note.answer, note.analogy)
    if note.markup is Markup.TEXT:
        fields: list[str | None] = [_text_as_markdown(value) for value in values]
    else:
        fields = [to_markdown(value) for value in values]
    if any(value is None for value in fields):
        return None
    question, answer, analogy = (value or "" for value in fields)
    return replace(note, question=question, answer=answer, analogy=analogy, markup=Markup.MARKDOWN)


def as_text(note: Note) -> Note | None:
    """The note as plain text that renders exactly as it does now; None if formatting is lost."""
    if note.markup is Markup.TEXT:
        return note
    markdown = as_markdown(note)
    if markdown is None:
        return None
    fields = (markdown.question, markdown.answer, markdown.analogy)
    if any(render_field(value) != render_field(text_to_markdown(value)) for value in fields):
        return None
    return replace(markdown, markup=Markup.TEXT)


def _text_as_markdown(text: str) -> str:
    """Plain text as Markdown: as it is when that already shows the same, escaped otherwise."""
    escaped = text_to_markdown(text)
    return text if render_field(text) == render_field(escaped) else escaped
