"""Markdown in the forms most card fields take, as HTML without markdown-it (issue 17).

Rendering each field with markdown-it was half the time of a Markdown build: its Python
works token by token, and most fields are a few paragraphs or a list of plain text with
emphasis, code, links and math. ``simple_html`` gives such a field the HTML markdown-it
gives it, byte for byte, and None for anything else (markdown-it renders that): the forms
taken are those whose CommonMark reading leaves no choice, each written out below. A
differential test holds the two to the same bytes on generated Markdown.

Blocks: paragraphs and lists of ``- `` items, one blank line apart, no two lists in a row
(those make one loose list); no line starts with white space or with what can start a
block (``#``, ``-``, ``+``, ``=``, a number and ``.`` or ``)``; ``>``, a fence and the rest
fail the inline scan) or ends with a space (a hard break).

Inline: text without ``& < > | ~``; a ``_`` only inside a word (then no emphasis);
``*a*`` and ``**a**`` around text without delimiters that starts with a letter or digit
and ends with one, or with ASCII punctuation before a space, a line break, ASCII
punctuation or the end (``**Note:** x``): markdown-it's flanking rules give them no other
reading, in every version (ASCII punctuation has always been punctuation to it); code
spans of one backtick on one line; Anki's math ``\\(...\\)`` and ``\\[...\\]`` on one line, as the
renderer's math rule takes them; ``[text](url)`` with plain text and a url without spaces,
parentheses, ``\\``, ``&``, ``<>`` or control characters (markdown-it reads a bracket in it as
any other character), that the renderer's link check allows; ``!`` but before ``[`` (an image).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable

# What ends plain text: every character an inline rule of markdown-it starts at.
_PLAIN = re.compile(r"[^\\`*_\[\]<>&|~!\n]+")
OTHER_SPACES = "\t\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    map(chr, range(0x2000, 0x200B))
)
"""White space but spaces and line breaks: what ``[^\\S \\n]`` matches (``str.isspace``), the
first eight the ASCII ones. Written out, so that a pattern looks for them as one set of
characters: a pattern with alternatives tries each at every character, four times slower
on a card's field (issue 17)."""
# Refused anywhere: NUL (markdown-it makes it U+FFFD), white space but spaces and line
# breaks (CR is a line break to it; the rest is trimmed at a line's ends), and ``|`` even
# in code: a table's rows are split at it before any inline rule runs.
_REFUSED = re.compile(f"[|\x00{OTHER_SPACES}]")
# A line that starts a block other than a paragraph (or continues one as a setext heading's
# underline, or is indented); a quote, a fence, ``*``, ``_``, ``<``, ``|`` and ``~`` fail
# the inline scan or are refused anyway.
_LINE_START = re.compile(r"[ #\-+=]|\d+[.)]")
_CODE = re.compile(r"`([^`\n]+)`(?!`)")
_EMPHASIS = re.compile(r"(\*\*?)([^\W_][^\\`*_\[\]<>&|~!\n]*?)\1(?!\*)")
_LINK = re.compile(r"\[([^\\`*_\[\]<>&|~!\n]+)\]\(([^\s()\\&<>\x00-\x1f\x7f]+)\)")
_MATH = {"(": "\\)", "[": "\\]"}
_ASCII_PUNCTUATION = frozenset(string.punctuation)
# What may follow a closing run after punctuation: white space (no other kind gets this
# far), ASCII punctuation, or nothing ("" at the end of the text).
_CLOSES_AFTER_PUNCTUATION = frozenset({"", " ", "\n", *string.punctuation})


def escape(text: str) -> str:
    """markdown-it's ``escapeHtml``."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def simple_html(
    text: str, link: Callable[[str], str], allowed: Callable[[str], bool]
) -> str | None:
    """What markdown-it renders ``text`` as, for the forms above; None for any other.

    ``link`` and ``allowed`` are the renderer's link normalisation and check."""
    if _REFUSED.search(text) is not None:
        return None
    out: list[str] = []
    was_list = False
    for block in text.split("\n\n"):
        lines = block.split("\n")
        is_list = lines[0].startswith("- ")
        if is_list:
            if was_list or not all(line.startswith("- ") for line in lines):
                return None
            out.append("<ul>\n")
            for line in lines:
                item = _inline(line[2:], link, allowed)
                if item is None:
                    return None
                out += ["<li>", item, "</li>\n"]
            out.append("</ul>\n")
        else:
            inline = _inline(block, link, allowed)
            if inline is None:
                return None
            out += ["<p>", inline, "</p>\n"]
        was_list = is_list
    return "".join(out)


def _inline(text: str, link: Callable[[str], str], allowed: Callable[[str], bool]) -> str | None:
    """The HTML of a paragraph's (or list item's) text, or None if it is not simple."""
    for line in text.split("\n"):
        if not line or line[-1] == " " or _LINE_START.match(line):
            return None
    out: list[str] = []
    position, end = 0, len(text)
    while position < end:
        plain = _PLAIN.match(text, position)
        if plain is not None:
            out.append(escape(plain.group()))
            position = plain.end()
            continue
        char = text[position]
        if char == "\n":
            out.append("\n")
            position += 1
        elif char == "!":
            if text.startswith("![", position):
                return None  # an image
            out.append("!")
            position += 1
        elif char == "_":
            # Inside a word a run of underscores neither opens nor closes emphasis.
            run = position
            while run < end and text[run] == "_":
                run += 1
            if position == 0 or run == end or not _is_word(text[position - 1] + text[run]):
                return None
            out.append(text[position:run])
            position = run
        elif char == "`":
            code = _CODE.match(text, position)
            if code is None:
                return None
            content = code.group(1)
            if content[0] == " " and content[-1] == " " and content.strip(" "):
                content = content[1:-1]
            out += ["<code>", escape(content), "</code>"]
            position = code.end()
        elif char == "*":
            emphasis = _EMPHASIS.match(text, position)
            if emphasis is None:
                return None
            inner = emphasis.group(2)
            # A letter or digit inside each end: the first run can open, the second close,
            # whatever stands outside them (a ``*`` may open inside a word). Punctuation
            # before the second closes only before white space or punctuation (or the end).
            if not _is_word(inner[-1]) and not (
                inner[-1] in _ASCII_PUNCTUATION
                and text[emphasis.end() : emphasis.end() + 1] in _CLOSES_AFTER_PUNCTUATION
            ):
                return None
            tag = "strong" if len(emphasis.group(1)) == 2 else "em"
            out += [f"<{tag}>", escape(inner), f"</{tag}>"]
            position = emphasis.end()
        elif char == "\\":
            closing = _MATH.get(text[position + 1 : position + 2])
            close = text.find(closing, position + 2) if closing else -1
            if close < 0 or text.find("\n", position, close) >= 0:
                return None  # on one line: a line's start is never inside (a block may begin)
            out.append(escape(text[position : close + 2]))
            position = close + 2
        elif char == "[":
            found = _LINK.match(text, position)
            if found is None:
                return None
            href = link(found.group(2))
            if not allowed(href):
                return None
            out += ['<a href="', escape(href), '">', escape(found.group(1)), "</a>"]
            position = found.end()
        else:
            return None
    return "".join(out)


def _is_word(text: str) -> bool:
    """Letters and digits only: no white space, no punctuation in markdown-it's sense."""
    return text.isalnum()
