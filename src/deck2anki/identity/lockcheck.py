"""The checks a lock file's values must pass before a build trusts them, and where in the
file a value that fails one is.

The lock comes from a pull request like any source: its seal is a plain hash anyone can
recompute, so it proves no origin. Every value is checked for its type and range on load,
and a failure names the entry and its line: a GUID that is empty or holds Anki's field
separator would change a note's identity, a time of 10**30 would overflow SQLite, a media
path of /dev/zero would be read forever.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from ..model import has_control

Where = tuple[str | int, ...]
"""A value's place in the lock's JSON: ``("decks", "lecture", "notes", 3, "guid")``."""

LATEST_TIME = 253_402_300_799
"""The last second of the year 9999: later times do not fit Anki's or zip's fields."""

LARGEST_ID = 2**53 - 1
"""Ids stay below 2**53 so that JavaScript (Anki's web views, AnkiDroid) holds them exactly."""

MAX_GUID = 64
"""The longest GUID a lock may hold: Anki's are 10 characters, a UUID 36, a SHA-256 64."""

MAX_NAME = 4096
"""The longest media path or note type, field or template name a lock may hold."""
MAX_KEY = 255
"""The longest deck key: a file name, which no common file system lets grow past 255."""


class Damaged(ValueError):
    """A value of the lock that fails its check: where it is, and what is wrong with it."""

    def __init__(self, where: Where, detail: str) -> None:
        super().__init__(detail)
        self.where = where
        self.detail = detail


def entry(where: Where) -> str:
    """The entry at ``where`` in words: ``deck 'lecture', note 4: "guid"``."""
    words: list[str] = []
    rest = list(where)
    if rest[:1] == ["decks"] and len(rest) >= 2:
        words.append(f"deck {str(rest[1])!r}")
        rest = rest[2:]
        if rest[:1] == ["notes"] and len(rest) >= 2:
            words.append(f"note {int(rest[1]) + 1}")
            rest = rest[2:]
        elif rest[:1] == ["media"] and len(rest) >= 2:
            words.append(f"media {str(rest[1])!r}")
            rest = rest[2:]
    elif rest[:1] == ["notetype"]:
        words.append("the note type")
        rest = rest[1:]
    elif rest[:1] == ["cloze"]:
        words.append("the cloze note type")
        rest = rest[1:]
    words += [json.dumps(part) if isinstance(part, str) else f"item {part + 1}" for part in rest]
    return ", ".join(words)


def table(value: Any, where: Where) -> dict[str, Any]:
    """``value`` if it is a JSON object."""
    if not isinstance(value, dict):
        raise Damaged(where, f"must be an object {{...}}, not {_kind(value)}")
    return value


def listed(value: Any, where: Where) -> list[Any]:
    """``value`` if it is a JSON array."""
    if not isinstance(value, list):
        raise Damaged(where, f"must be a list [...], not {_kind(value)}")
    return value


def field(data: dict[str, Any], key: str, where: Where, default: Any = None) -> Any:
    """``data[key]``; a missing key is ``default``, or damage when there is no default."""
    if key in data:
        return data[key]
    if default is None:
        raise Damaged((*where, key), "is missing")
    return default


def integer(value: Any, where: Where, low: int, high: int) -> int:
    """``value`` if it is a whole number from ``low`` to ``high`` (not true, 1.0 or 1e999)."""
    if type(value) is not int:
        raise Damaged(where, f"must be a whole number, not {_kind(value)}")
    if not low <= value <= high:
        raise Damaged(where, f"{_short(value)} is out of range: give {low} to {high}")
    return value


def time(value: Any, where: Where) -> int:
    """``value`` if it is a time deck2anki can write: whole seconds since 1970, to 9999."""
    return integer(value, where, 0, LATEST_TIME)


def flag(value: Any, where: Where) -> bool:
    """``value`` if it is true or false."""
    if not isinstance(value, bool):
        raise Damaged(where, f"must be true or false, not {_kind(value)}")
    return value


def text(value: Any, where: Where, longest: int | None = None, empty: bool = True) -> str:
    """``value`` if it is a string that can be written back as UTF-8 (no lone surrogate),
    of at most ``longest`` characters and free of control characters when ``longest`` is
    given (a name), and not empty unless ``empty``."""
    if not isinstance(value, str):
        raise Damaged(where, f"must be a string, not {_kind(value)}")
    if not value and not empty:
        raise Damaged(where, "is empty")
    if longest is not None:
        if len(value) > longest:
            raise Damaged(where, f"has {len(value):,} characters, more than {longest:,}")
        if has_control(value):
            raise Damaged(where, f"{value!r} holds a control character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Damaged(where, f"{value!r} holds a lone surrogate, not text") from None
    return value


_HEX = re.compile("[0-9a-f]*")


def hexdigits(value: Any, where: Where, size: int, step: int | None = None) -> str:
    """``value`` if it is ``size`` hex digits (or, with ``step``, up to ``size`` in steps)."""
    if not isinstance(value, str):
        raise Damaged(where, f"must be a string of hex digits, not {_kind(value)}")
    fits = len(value) % step == 0 and len(value) <= size if step else len(value) == size
    if not fits or not _HEX.fullmatch(value):
        raise Damaged(where, f"{_short(value)} is not a hash of {size} hex digits")
    return value


def guid(value: Any, where: Where) -> str:
    """``value`` if it is a GUID Anki can hold: 1 to ``MAX_GUID`` characters, no control
    character (a NUL, a newline, Anki's field separator \\x1f)."""
    guid = text(value, where, MAX_GUID, empty=False)
    if not guid.isprintable():  # an unassigned or formatting code point: no GUID of Anki's
        raise Damaged(where, f"{guid!r} holds a character that is not printable")
    return guid


def field_value(value: Any, where: Where) -> str:
    """``value`` if it can be a field of a note in a package: text without Anki's field
    separator \\x1f (it would split one field into two) or other control characters but for
    line breaks and tabs, which field HTML may hold."""
    field = text(value, where)
    if has_control(field.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise Damaged(where, f"{_short(field)} holds a control character")
    return field


def tag(value: Any, where: Where) -> str:
    """``value`` if it can be one Anki tag: not empty, no white space (which would make it
    two) and no control character."""
    name = text(value, where, MAX_NAME, empty=False)
    if any(c.isspace() for c in name):
        raise Damaged(where, f"{name!r} holds white space: a tag is one word")
    return name


def deck_key(value: Any, where: Where) -> str:
    """``value`` if it can be a deck's key: a source file's name without its suffix. Nothing
    else: the build names the deck's package ``build/KEY.apkg``, writes and deletes it, so a
    key with a separator or ``..`` (or an absolute one) would reach files anywhere."""
    key = text(value, where, MAX_KEY, empty=False)
    if "/" in key or "\\" in key or key in (".", "..") or key.startswith("."):
        raise Damaged(where, f"{key!r} is not the name of a source file")
    return key


def media_path(value: str, where: Where) -> str:
    """``value`` if it can be a media reference of a source: a relative path, not a device
    (``/dev/zero``) or a path from a drive (``C:\\``); where it leads is checked on use."""
    text(value, where, MAX_NAME, empty=False)
    if PurePosixPath(value).is_absolute() or PureWindowsPath(value).anchor:
        raise Damaged(where, f"{value!r} is not a relative path")
    return value


def _kind(value: Any) -> str:
    """``value``'s JSON type in words, with a short sample."""
    names = {bool: "true or false", int: "a number", float: "a number", str: "a string"}
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "a list"
    return f"{names.get(type(value), type(value).__name__)} ({_short(value)})"


def _short(value: Any) -> str:
    """``value`` cut to a readable length (a 5,000-digit number, a 100 KB GUID)."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 32 else f"{value[:32]!r}... ({len(value):,} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a number of {len(str(abs(value))):,} digits"
    return json.dumps(value)


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SPACE = re.compile(r"[ \t\r\n]*")
_SCALAR = re.compile(r"[^,\]}\s]*")


def line_of(source: str, where: Where) -> int:
    """The line of the lock's text ``source`` on which the value at ``where`` starts, or
    the value holding it when it is missing (a note without a GUID: the note's line).

    ``source`` is known to be valid JSON (it was parsed), so a scan of its brackets, commas
    and strings, one pass, finds it: no positions are kept while the lock loads.
    """
    stack: list[list[Any]] = []  # per open container: its key or index, and "key next"
    best, depth, index = 0, -1, 0
    while index < len(source):
        index = _SPACE.match(source, index).end()  # type: ignore[union-attr]
        if index >= len(source):
            break
        char = source[index]
        frame = stack[-1] if stack else None
        if char in "]}":
            stack.pop()
            index += 1
            continue
        if char == ",":
            if frame is not None:
                if isinstance(frame[0], int):
                    frame[0] += 1
                else:
                    frame[1] = True
            index += 1
            continue
        if char == ":":
            if frame is not None:
                frame[1] = False
            index += 1
            continue
        if char == '"' and frame is not None and frame[1]:  # a key
            end = _STRING.match(source, index).end()  # type: ignore[union-attr]
            frame[0] = json.loads(source[index:end])
            index = end
            continue
        # A value starts here: how much of ``where`` does its place match?
        path = [item[0] for item in stack]
        matched = _common(path, where)
        if matched == len(path) and matched > depth:
            best, depth = index, matched
            if matched == len(where):
                break
        if char == "{":
            stack.append(["", True])
            index += 1
        elif char == "[":
            stack.append([0, False])
            index += 1
        elif char == '"':
            index = _STRING.match(source, index).end()  # type: ignore[union-attr]
        else:
            index = max(_SCALAR.match(source, index).end(), index + 1)  # type: ignore[union-attr]
    return source.count("\n", 0, best) + 1


def _common(path: Sequence[Any], where: Where) -> int:
    """How many leading parts ``path`` and ``where`` share."""
    count = 0
    for mine, theirs in zip(path, where, strict=False):
        if mine != theirs or type(mine) is not type(theirs):
            break
        count += 1
    return count
