"""Markdown sources in the form most decks take, read without markdown-it (issue 17).

markdown-it's block parse was a third of a Markdown build once fields were rendered without
it (``cards.simple_markdown``), and importing it a tenth of a small one. Most sources are
``## `` questions, each followed by paragraphs and ``- `` lists of plain lines, and maybe
``<!-- key: value -->`` comments: ``read_simple`` hands such a source's cards on as
``markdown_blocks.read_cards`` does, with the few tokens the reader reads, and refuses
(False, nothing handed on) any other source, which markdown-it then reads. A differential
test holds the notes read both ways equal. The tokens hold less than markdown-it's: each
top-level block's type and first line, a heading's text and a paragraph's, a comment's line
(without its line break); a paragraph's or a list's map ends after its first line, and a
``- `` item after a blank line opens a list of its own (markdown-it: one loose list). The
reader reads where each block starts, and where a heading or a comment ends, no more.

A source is taken when every line after its front matter is one of: empty; ``## `` and a
question (``# `` and a title before the first), ending in neither ``#`` nor white space;
``- `` and a plain line; a line that starts with ``<!--`` and holds ``-->``; or a plain line,
which starts with a letter, a digit not starting a numbered item, ``*`` or ``**`` opening
emphasis on a letter or digit, a single backtick or one of ``( " ' \\ $ % & @ / : ; , . ? !
{ } ^ [``, and ends in no white space. No ``|`` (tables), ``![`` (images) or ``]:`` (link
definitions), no white space but spaces and line breaks, no NUL. In such a source nothing is
indented, nothing is fenced, quoted or a table, each comment line is an HTML block of its
own, a heading or a ``- `` item interrupts a paragraph (the item is never empty), and an
item's list goes on through the plain lines right after it (lazily), ending at a blank line
that a plain line follows: so a top-level paragraph starts at each plain line after an empty
line, a heading or a comment, and runs to the next line of another kind.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from ..cards.simple_markdown import OTHER_SPACES

if TYPE_CHECKING:
    from markdown_it.token import Token

    from .markdown_blocks import Cards

_SAFE = (
    r"(?:[^\W\d_]|\d(?!\d*[.)])|\*\*?(?=[^\W_])|`(?!`)"
    r"|[(\"'\\$%&@/:;,.?!{}^\[])"
)
# A line that is none of the lines above (the most common first: a plain line): the first
# line, then one after a line break. Not one pattern starting ``^``, which the regular
# expression engine tries at every character: it looks for a line break, then tries the
# rest (0.24 s for 100,000 cards, now 0.05 s).
_OTHER = rf"(?!{_SAFE}|- {_SAFE}|##? (?=[^\n]*[^\s#]$)|<!--[^\n]*-->)[^\n]"
_OTHER_FIRST_LINE = re.compile(_OTHER, re.M)
_OTHER_LINE = re.compile(rf"\n{_OTHER}", re.M)
# Refused anywhere (looked for one by one: one pattern of them all reads 13 times slower).
_REFUSED = ("|", "\x00", "![", "]:", " \n")


class Part:
    """The parts of a markdown-it token that the reader reads."""

    __slots__ = ("children", "content", "info", "level", "map", "nesting", "tag", "type")

    def __init__(
        self, kind: str, tag: str, lines: list[int] | None, level: int, nesting: int, content: str
    ) -> None:
        self.type = kind
        self.tag = tag
        self.map = lines
        self.level = level
        self.nesting = nesting
        self.content = content
        self.info = ""
        self.children = None


def read_simple(text: str, first_line: int, cards: Cards) -> bool:
    """Hand ``cards`` what ``read_cards`` would if ``text`` (from line ``first_line`` on) is
    in the form above; False, and nothing handed on, if it is not."""
    start = _start(text, first_line)
    if start < 0 or text.endswith(" "):
        return False
    if _OTHER_FIRST_LINE.match(text, start) or _OTHER_LINE.search(text, start):
        return False
    spaces = OTHER_SPACES[:8] if text.isascii() else OTHER_SPACES
    if any(text.find(refused, start) >= 0 for refused in (*_REFUSED, *spaces)):
        return False
    first_card = _line_starting(text, "## ", start)
    body_end = first_card if first_card >= 0 else len(text)
    if first_card >= 0 and _line_starting(text, "# ", first_card) >= 0:
        return False  # a level-1 heading inside a card
    title = _line_starting(text, "# ", start, body_end)
    preamble: list[Part] = []
    if title >= 0:
        line = first_line + text.count("\n", start, title)
        end = text.find("\n", title)
        content = text[title + 2 : end if end >= 0 else len(text)]
        preamble = [Part("heading_open", "h1", [line, line + 1], 0, 1, ""), _inline(content, line)]
    cards.preamble(_tokens(preamble))
    if first_card < 0:
        return True
    number = first_line + text.count("\n", start, first_card)
    total = text.count("\n") + 1
    begin = first_card
    while begin >= 0:
        following = _line_starting(text, "## ", begin + 1)
        end = following if following >= 0 else len(text)
        chunk = text[begin:end]
        lines = (chunk[:-1] if following >= 0 else chunk).split("\n")
        stop = number + len(lines) if following >= 0 else total
        card, first = _card(lines, number), number

        def joined(a: int, b: int, lines: list[str] = lines, first: int = first) -> str:
            return "\n".join(lines[a - first : b - first])

        cards.card(_tokens(card), stop, joined, {})
        number, begin = stop, following
    return True


def _line_starting(text: str, prefix: str, start: int, end: int | None = None) -> int:
    """Where the first line of ``text`` from ``start`` (a line's start, or inside a line) to
    ``end`` that begins with ``prefix`` begins; -1 if none. A search for a line break and the
    prefix: a pattern ``^## `` read every character (a third of the reader's time)."""
    end = len(text) if end is None else end
    if text.startswith(prefix, start, end) and (start == 0 or text[start - 1] == "\n"):
        return start
    found = text.find("\n" + prefix, start, end)
    return found + 1 if found >= 0 else -1


def _start(text: str, line: int) -> int:
    """Where line ``line`` of ``text`` starts (-1: past its end)."""
    position = 0
    for _ in range(line):
        position = text.find("\n", position) + 1
        if position == 0:
            return -1
    return position


def _inline(content: str, line: int) -> Part:
    return Part("inline", "", [line, line + 1], 1, 0, content)


def _card(lines: list[str], number: int) -> list[Part]:
    """The tokens of a card's lines (the first its heading) that the reader reads."""
    parts = [
        Part("heading_open", "h2", [number, number + 1], 0, 1, ""),
        _inline(lines[0][3:].strip(), number),
        Part("heading_close", "h2", None, 0, -1, ""),
    ]
    previous = "heading"
    paragraph: list[str] = []  # the lines of the top-level paragraph going on
    for index, line in enumerate(lines[1:], start=number + 1):
        if previous == "plain" and (not line or line.startswith(("<!--", "- "))):
            parts[-2].content = "\n".join(paragraph)  # its inline token: the text it holds
        if not line:
            previous = "blank"
        elif line.startswith("<!--"):
            previous = "comment"
            parts.append(Part("html_block", "", [index, index + 1], 0, 0, line))
        elif line.startswith("- "):
            if previous not in ("item", "lazy"):
                # After a blank line this is one loose list to markdown-it; nothing reads how
                # many lists there are, nor where one ends (see the module's docstring).
                parts.append(Part("bullet_list_open", "ul", [index, index + 1], 0, 1, ""))
            previous = "item"
        elif previous in ("item", "lazy"):
            previous = "lazy"  # the item's paragraph goes on
        elif previous == "plain":
            paragraph.append(line)
        else:
            previous = "plain"
            paragraph = [line]
            parts.append(Part("paragraph_open", "p", [index, index + 1], 0, 1, ""))
            parts.append(_inline("", index))
            parts.append(Part("paragraph_close", "p", None, 0, -1, ""))
    if previous == "plain":
        parts[-2].content = "\n".join(paragraph)
    return parts


def _tokens(parts: list[Part]) -> list[Token]:
    # The reader reads these parts of its tokens alone, and only these parts are made.
    return cast("list[Token]", parts)
