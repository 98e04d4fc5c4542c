"""Math in a Markdown source: ``$...$`` and ``$$...$$`` as Anki's MathJax delimiters."""

from __future__ import annotations

import re

from ..cards.split import code_span_ranges

# \$ stays a dollar; $$..$$ and $..$ become Anki's MathJax (code spans are cut out first).
_DOLLARS = re.compile(
    r"(?P<escaped>\\\$)|\$\$(?P<display>.+?)\$\$"
    r"|\$(?=\S)(?P<inline>(?:[^$\\\n]|\\.)+?)(?<=\S)\$(?!\d)",
    re.S,
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def dollars(text: str) -> str:
    """``$...$`` and ``$$...$$`` as Anki's ``\\(...\\)`` and ``\\[...\\]``, code left alone."""
    if "$" not in text:
        return text
    out: list[str] = []
    chunk: list[str] = []
    fence = ""
    for line in text.split("\n"):
        opening = _FENCE.match(line)
        if fence:
            out.append(line)
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
        elif opening:
            out.append(_convert("\n".join(chunk))) if chunk else None
            chunk = []
            out.append(line)
            fence = opening.group(1)
        else:
            chunk.append(line)
    if chunk:
        out.append(_convert("\n".join(chunk)))
    return "\n".join(out)


def _convert(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("display") is not None:
            return f"\\[{match.group('display')}\\]"
        if match.group("inline") is not None:
            return f"\\({match.group('inline')}\\)"
        return match.group(0)

    # Code spans pass through untouched: convert only the text between them.
    out = []
    position = 0
    for start, end in code_span_ranges(text):
        out += [_DOLLARS.sub(replace, text[position:start]), text[start:end]]
        position = end
    out.append(_DOLLARS.sub(replace, text[position:]))
    return "".join(out)
