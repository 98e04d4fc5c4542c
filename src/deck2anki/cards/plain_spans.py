"""What in a plain-text field is not prose: Anki's math and the code the text names.

Its own module because finding these spans is one job, apart from turning text into HTML
or Markdown: ``render`` and ``unrender`` both cut text at them, and each scan here is kept
linear by hand (issue 13).
"""

from __future__ import annotations

import re

# Anki's MathJax reads \( \) and \[ \]; CommonMark would turn "\(" into "(" (ANKI-FACTS 11).
MATH_DELIMITERS = {"\\(": "\\)", "\\[": "\\]"}


_MATH_OPENING = re.compile(r"\\[(\[]")


def split_math(text: str) -> list[str]:
    """``text`` cut at Anki's math: odd parts are ``\\(...\\)`` or ``\\[...\\]`` spans.

    What ``re.split`` with ``\\(.*?\\)|\\[.*?\\]`` gives, in linear time: that pattern reads
    to the end of the text from every ``\\(`` that is never closed (issue 13). Here the first
    delimiter found unclosed is not looked for again: no later one is closed either.
    """
    parts = []
    done = 0  # the end of the last span
    position = 0
    unclosed: set[str] = set()
    while len(unclosed) < 2 and (opening := _MATH_OPENING.search(text, position)) is not None:
        start = opening.start()
        closing = MATH_DELIMITERS[opening.group()]
        end = -1 if closing in unclosed else text.find(closing, start + 2)
        if end < 0:
            unclosed.add(closing)
            position = start + 1
            continue
        parts += [text[done:start], text[start : end + 2]]
        done = position = end + 2
    parts.append(text[done:])
    return parts


_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
# Code in prose: dotted names (keras.layers.RandAugment), method calls (.map()), calls
# (preprocess_input()) and chains of them (ds.map().prefetch()), never touching a letter,
# digit, dot or closing parenthesis on the left or a letter, digit or "(" on the right.
_CODE = re.compile(
    rf"(?<![\w.)])(?:\.{_IDENTIFIER}\(\)|{_IDENTIFIER}(?:\.{_IDENTIFIER})*\(\)"
    rf"|{_IDENTIFIER}\.{_IDENTIFIER})(?:\.{_IDENTIFIER}(?:\(\))?)*(?![\w(])"
)
_INITIALS = re.compile(r"[A-Za-z](?:\.[A-Za-z])+")
# Every piece of code _CODE finds has a dot before a letter or "_", or a "()": looking for
# them first is cheap. Apart, not as one alternation: a pattern that starts with a literal
# is searched for by that character, three times faster over a lecture's answers.
_DOT_NAME = re.compile(r"\.[A-Za-z_]")


def may_name_code(text: str) -> bool:
    """Whether ``text`` has what every piece of code ``_CODE`` finds has."""
    return "()" in text or _DOT_NAME.search(text) is not None


def code_in_prose(text: str) -> list[tuple[int, int]]:
    """Where plain text names code, as (start, end) spans: shown as inline code on cards.

    ``keras.utils.image_dataset_from_directory``, ``.map()``, ``preprocess_input()`` and
    ``keras.applications.Xception.preprocess_input()`` are code; ``e.g.``, ``i.e.``,
    ``U.S.``, ``0.5`` and the dot that ends a sentence are prose.
    """
    if not may_name_code(text):  # most prose: no dot before a letter, no "()"
        return []
    return [
        match.span()
        for match in _CODE.finditer(text)
        if not _INITIALS.fullmatch(match.group().removesuffix("()"))
    ]


# Anki's sound tag: its file name ("x.mp3") is no code, and Anki must see the tag whole.
_SOUND = re.compile(r"\[sound:[^\[\]]*\]")


def code_parts(line: str) -> list[tuple[bool, str]]:
    """A line cut into (is code, text) parts; Anki's math and sound tags are never code."""
    parts: list[tuple[bool, str]] = []
    for index, piece in enumerate(split_math(line)):
        if index % 2:
            parts.append((False, piece))
            continue
        position = 0
        for start, end in _code_outside_sounds(piece):
            parts += [(False, piece[position:start]), (True, piece[start:end])]
            position = end
        parts.append((False, piece[position:]))
    return [part for part in parts if part[1]]


def _code_outside_sounds(text: str) -> list[tuple[int, int]]:
    """``code_in_prose`` of ``text``, but for what lies inside a ``[sound:...]`` tag."""
    if "[sound:" not in text:
        return code_in_prose(text)
    spans = []
    position = 0
    for sound in _SOUND.finditer(text):
        piece = text[position : sound.start()]
        spans += [(position + s, position + e) for s, e in code_in_prose(piece)]
        position = sound.end()
    spans += [(position + s, position + e) for s, e in code_in_prose(text[position:])]
    return spans
