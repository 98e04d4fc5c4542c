"""A lock file from a git merge that did not resolve: read as the union of both sides.

Two branches that each edited cards of one deck both change that deck's ``inputs``,
``package`` and ``seal`` lines, and git stops with conflict markers in ``deck2anki.lock``.
Nothing in it is lost: every note is one line, and each side of a conflict is whole lines.
So the lock is read line by line, both sides of every conflict kept (the common ancestor's
side of a ``diff3`` conflict left out): every note either side knows, and for a note both
sides have, the line with the later ``mod`` (its content changed there; ``mod`` only grows).
What is per deck (its hashes and seal) cannot be merged and is not needed: it is worked out
again, so every deck of a merged lock is rebuilt, and the build writes a whole lock.

The same reading takes a lock holding both sides' lines without markers (``merge=union``, or
both sides kept in an editor): JSON then breaks on the commas, or has a GUID twice.
"""

from __future__ import annotations

import json
import re
from typing import Any

_KEY = re.compile(r'("(?:[^"\\]|\\.)*"): \{')
"""A deck's first line: its name, a JSON string, then its entry's opening brace."""
_STRUCTURE = frozenset({"{", "}", "},", "]", "],", '"decks": {', '"notes": ['})
_PER_DECK = ('"inputs": ', '"package": ', '"context": ', '"seal": ', '"media": ')
"""A deck entry's lines that a merged lock works out again rather than read."""


def conflicted(text: str) -> bool:
    """Whether ``text`` holds git's conflict markers (a line starting ``<<<<<<<``)."""
    return text.startswith("<<<<<<<") or "\n<<<<<<<" in text


def duplicated(data: Any) -> bool:
    """Whether a lock read as JSON lists one GUID twice in a deck: both sides' lines kept."""
    try:
        for deck in data["decks"].values():
            guids = [note["guid"] for note in deck["notes"]]
            if len(set(guids)) != len(guids):
                return True
    except (AttributeError, KeyError, TypeError):
        return False  # not a lock's shape: the loader says what is wrong with it
    return False


def repeats_keys(text: str) -> bool:
    """Whether some JSON object in ``text`` names a key twice. deck2anki never writes that;
    both sides' lines of a deck both edited do (two ``"inputs"`` lines, say). A GUID twice
    without it is a damaged lock, not a merge."""
    repeated = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        keys = [key for key, _ in items]
        repeated = repeated or len(set(keys)) != len(keys)
        return dict(items)

    try:
        json.loads(text, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return False
    return repeated


def union(text: str) -> dict[str, Any]:
    """The lock ``text`` (conflict markers, or both sides' lines) as one lock's JSON data:
    every deck and note of either side, each deck's hashes and seal left empty (so each is
    rebuilt). A line that is neither a marker nor a line of a lock file is a ValueError, and
    so is a file without markers that does not end as a lock ends (one cut short)."""
    if not conflicted(text) and not text.rstrip().endswith("\n  }\n}"):
        raise ValueError("the file ends before the lock does")
    version: Any = None
    notetypes: list[dict[str, Any]] = []
    clozes: list[dict[str, Any]] = []
    decks: dict[str, dict[str, dict[str, Any]]] = {}
    tags: dict[str, Any] = {}
    deck: str | None = None
    before: str | None = None  # the deck a conflict started in: each side starts there
    ancestor = False  # in a diff3 conflict's common-ancestor side, which neither side kept
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if raw.startswith("<<<<<<<"):
            before, ancestor = deck, False
        elif raw.startswith("|||||||"):
            ancestor = True
        elif raw.startswith("=======") and line == "=======":
            deck, ancestor = before, False
        elif raw.startswith(">>>>>>>"):
            ancestor = False
        elif ancestor:
            continue
        elif raw.startswith('    "') and (match := _KEY.fullmatch(line)):
            deck = str(json.loads(match.group(1)))
            decks.setdefault(deck, {})
        elif not line or line in _STRUCTURE or line.startswith(_PER_DECK):
            continue
        elif line.startswith('{"guid": '):
            if deck is None:
                raise ValueError(f"line {number}: a note outside any deck")
            note = json.loads(line.removesuffix(","))
            if not isinstance(note, dict):
                raise ValueError(f"line {number}: not a note")
            notes = decks[deck]
            known = notes.get(str(note.get("guid")))
            if known is None or _later(note, known):
                notes[str(note.get("guid"))] = note
        elif line.startswith('"deck2anki-lock": '):
            version = json.loads(line.removeprefix('"deck2anki-lock": ').removesuffix(","))
        elif line.startswith('"notetype": '):
            notetype = json.loads(line.removeprefix('"notetype": ').removesuffix(","))
            if not isinstance(notetype, dict):
                raise ValueError(f"line {number}: not a note type")
            notetypes.append(notetype)
        elif line.startswith('"tag": ') and deck is not None:
            # A renamed source's tag: per deck, but no hash: both sides carry the same one.
            tags[deck] = json.loads(line.removeprefix('"tag": ').removesuffix(","))
        elif line.startswith('"cloze": '):
            cloze = json.loads(line.removeprefix('"cloze": ').removesuffix(","))
            if not isinstance(cloze, dict):
                raise ValueError(f"line {number}: not a note type")
            clozes.append(cloze)
        else:
            raise ValueError(f"line {number}: not a line of a lock file: {line[:60]!r}")
    data: dict[str, Any] = {"deck2anki-lock": version, "decks": {}}
    if notetypes:
        # The later version, then the later change of the look: one side changed it.
        data["notetype"] = _newest(notetypes)
    if clozes:  # the same rule for the cloze note type
        data["cloze"] = _newest(clozes)
    for key, notes in decks.items():
        data["decks"][key] = {"inputs": "", "package": "", "notes": list(notes.values())}
        if key in tags:
            data["decks"][key]["tag"] = tags[key]
    return data


def _newest(notetypes: list[dict[str, Any]]) -> dict[str, Any]:
    """The side's note type to keep: the later version, then the later change of the look
    (one side changed it); a side whose version or time is not a number, so that the
    loader says what is wrong with it."""
    damaged = [n for n in notetypes if _number(n, "version") < 0 or _number(n, "mod") < 0]
    if damaged:
        return damaged[0]
    return max(notetypes, key=lambda n: (_number(n, "version"), _number(n, "mod")))


def _number(entry: dict[str, Any], key: str) -> int:
    """``entry[key]`` if it is a whole number, else -1: a side whose value is not one is the
    side kept, so that the loader's checks say what is wrong with it (never dropped silently)."""
    value = entry.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _later(note: dict[str, Any], known: dict[str, Any]) -> bool:
    """Whether one side's line of a note is the later one: its ``mod`` is greater (the same
    ``mod``: the same content, so either does; the line that carries more is kept)."""
    mod, other = note.get("mod"), known.get("mod")
    if not isinstance(other, int) or isinstance(other, bool):
        return False  # the line kept is damaged: the loader says so
    if not isinstance(mod, int) or isinstance(mod, bool):
        return True  # this one is: keep it, so that the loader says so (never drop it silently)
    return (mod, len(note)) > (other, len(known))
