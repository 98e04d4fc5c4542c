"""The front matter of a Markdown source: a few YAML-like ``key: value`` lines between ``---``.

Only what a deck needs (``deck``, ``description``, ``tags``), read without a YAML library:
flat keys, quoted or plain strings, tags as ``[a, b]``, words or a ``- item`` list.
"""

from __future__ import annotations

import json
import re

from ..errors import Report
from ..model import EMPTY_DECK_PART_HINT, Location, empty_deck_part, has_control

_FRONT_KEYS = {"deck", "tags", "description", "decks"}


def front_matter_lines(text: str) -> list[str]:
    """The lines of ``text`` front matter may take: up to the one that closes it, or every
    line if none does, or the first alone if it opens none (the rest is not split: a large
    source would be held twice)."""
    lines: list[str] = []
    start = 0
    while True:
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        lines.append(line)
        closes = len(lines) > 1 and line.strip() in ("---", "...")
        if end < 0 or closes or lines[0].strip() != "---":
            return lines
        start = end + 1


def front_matter(lines: list[str], path: str, report: Report) -> tuple[dict[str, object], int]:
    """The front matter between ``---`` lines at the top, and the line the body starts on."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        report.error(
            Location(path, 1, 1),
            "front matter is not closed",
            "front-matter",
            "end it with a line of three dashes: ---",
        )
        return {}, len(lines)
    meta: dict[str, object] = {}
    key = ""
    for number in range(1, close):
        raw = lines[number]
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        location = Location(path, number + 1, 1)
        item = re.match(r"\s+-\s*(.*)$", raw)
        if item and key == "decks":
            _deck_item(item.group(1), location, meta, report)
            continue
        if item and key == "tags":
            existing = meta.setdefault("tags", [])
            assert isinstance(existing, list)
            existing.append(_scalar(_without_comment(item.group(1))))
            continue
        pair = re.match(r"([A-Za-z_][\w-]*)\s*:\s*(.*)$", raw)
        if pair is None:
            report.error(
                location,
                "front matter line is not 'key: value'",
                "front-matter",
                "write 'deck: Name', 'description: ...' or 'tags: [a, b]'",
            )
            continue
        key, value = pair.group(1).lower(), _without_comment(pair.group(2)).strip()
        if key not in _FRONT_KEYS:
            report.warning(
                location,
                f"unknown front matter key {key!r} is ignored",
                "front-matter-key",
                "known keys: deck, description, tags, decks",
            )
            continue
        if key == "decks":
            meta["decks"] = []
            if value:
                report.error(
                    location,
                    "decks: lists its decks on the lines below it",
                    "front-matter",
                    'write each as \'  - ["Name::Sub", "its description"]\'',
                )
        elif key == "tags":
            meta["tags"] = _tag_list(value) if value else []
        elif key == "deck" and has_control(_scalar(value)):
            report.error(
                location,
                f"the deck name {_scalar(value)!r} holds a control character",
                "control-character",
                "write the name in plain characters: terminals act on control characters",
            )
        elif key == "deck" and (problem := empty_deck_part(_scalar(value))):
            report.error(location, problem, "bad-deck-name", EMPTY_DECK_PART_HINT)
        else:
            meta[key] = _scalar(value)
    tags = meta.get("tags", [])
    assert isinstance(tags, list)
    for tag in tags:
        if not tag or any(c.isspace() for c in tag):
            report.error(
                Location(path, 1, 1),
                f"tag {tag!r} is empty or has a space",
                "bad-tag",
                "Anki tags are single words; use '_' or '::' instead",
            )
    return meta, close + 1


def deck_tree(meta: dict[str, object]) -> tuple[tuple[str, str], ...]:
    """The front matter's ``decks``: each deck's name and description (Anki's HTML)."""
    decks = meta.get("decks", [])
    assert isinstance(decks, list)
    return tuple((str(name), str(text)) for name, text in decks)


def _deck_item(text: str, location: Location, meta: dict[str, object], report: Report) -> None:
    """One deck of ``decks:``: a JSON pair of its name and its description (Anki's HTML)."""
    try:
        pair = json.loads(text)
    except (ValueError, RecursionError):
        pair = None
    if not (
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
    ) or has_control(pair[0]):
        report.error(
            location,
            "a deck of decks: is not a name and a description",
            "front-matter",
            'write it as \'  - ["Name::Sub", "its description"]\', in JSON\'s quotes',
        )
        return
    if problem := empty_deck_part(pair[0]):
        report.error(location, problem, "bad-deck-name", EMPTY_DECK_PART_HINT)
        return
    decks = meta.setdefault("decks", [])
    assert isinstance(decks, list)
    decks.append((pair[0], pair[1]))


def _without_comment(value: str) -> str:
    """A YAML value without its comment: a # after white space, outside quotes, starts one."""
    quote = ""
    for index, char in enumerate(value):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'" and (index == 0 or value[index - 1].isspace()):
            quote = char
        elif char == "#" and (index == 0 or value[index - 1].isspace()):
            return value[:index]
    return value


def _tag_list(value: str) -> list[str]:
    if value.startswith("[") and value.endswith("]"):
        return [_scalar(part) for part in value[1:-1].split(",") if part.strip()]
    return value.split()


def _scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            decoded = json.loads(value)
            return decoded if isinstance(decoded, str) else value
        except ValueError:
            return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value
