"""JSON: the Deck model itself, lossless, for scripts. The README documents the schema."""

from __future__ import annotations

import base64
import json
import re
import sys
from dataclasses import replace
from typing import Any

from ..errors import Report
from ..model import Deck, Location, Markup, Media, Note, NoteType
from . import ReadOptions
from .notetype_json import Invalid, from_json
from .notetypes import fingerprint, foreign_note

FORMAT = 1
"""The schema version written in ``"deck2anki"``."""


class _Invalid(Exception):
    pass


# Half of a UTF-16 surrogate pair: JSON may write one alone (\ud800), yet it is no
# character, and no file or package can hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")
_DIGITS = re.compile(r"(?<![0-9])[0-9]+")
_MAX_ORD = 10_000  # more cards than a note can have
_LATEST = 253402300799  # the last second of the year 9999


def lone_surrogate(value: str) -> str | None:
    """The first lone surrogate in ``value``, as its JSON escape; None when it has none."""
    found = None if value.isascii() else _SURROGATE.search(value)
    return f"\\u{ord(found.group()):04x}" if found else None


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"{where} must be a string")
    if (surrogate := lone_surrogate(value)) is not None:
        raise _Invalid(
            f"{where} holds {surrogate}, half of a surrogate pair: no character on its own"
        )
    return value


def _long_number(text: str, path: str) -> Location:
    """Where the first number too long for Python to read as an integer starts."""
    limit = sys.get_int_max_str_digits()
    for digits in _DIGITS.finditer(text):
        if limit and len(digits.group()) > limit:
            before = text.count("\n", 0, digits.start())
            return Location(path, before + 1, digits.start() - text.rfind("\n", 0, digits.start()))
    return Location(path)


def _markup(value: Any, where: str) -> Markup:
    try:
        return Markup(value)
    except ValueError:
        raise _Invalid(f"{where} must be one of: text, markdown, html") from None


def _list(raw: dict[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise _Invalid(f"{where}.{key} must be a list")
    return value


def _decks(raw: dict[str, Any], where: str) -> tuple[tuple[int, str], ...]:
    """Where a note's cards are: ``card_decks``, pairs of a card's ord and its deck's name."""
    placed = []
    for index, pair in enumerate(_list(raw, "card_decks", where)):
        at = f"{where}.card_decks[{index}]"
        if not (isinstance(pair, list) and len(pair) == 2 and type(pair[0]) is int):
            raise _Invalid(f"{at} must be a pair: a card's ord and its deck's name")
        if not 0 <= pair[0] < _MAX_ORD:
            raise _Invalid(f"{at}: the ord must be from 0 to {_MAX_ORD - 1}")
        placed.append((pair[0], _string(pair[1], f"{at}[1]")))
    return tuple(placed)


def _dated(note: Note, raw: dict[str, Any], where: str) -> Note:
    """The note with the ``mod`` it carries, unless its ``fingerprint`` says it was edited
    since (then it has none, and the output's time makes it newer: Anki updates it)."""
    mod = raw.get("mod")
    if mod is None:
        return note
    if type(mod) is not int or not 0 <= mod <= _LATEST:
        raise _Invalid(f"{where}.mod must be whole seconds since 1970, up to the year 9999")
    seal = raw.get("fingerprint")
    if seal is not None and _string(seal, f"{where}.fingerprint") != fingerprint(note):
        return note
    return replace(note, mod=mod)


def _foreign(raw: dict[str, Any], where: str, notetypes: dict[int, NoteType], path: str) -> Note:
    """A note of a note type the deck carries (``notetypes``), its fields by name."""
    notetype = notetypes.get(raw["notetype"]) if type(raw["notetype"]) is int else None
    if notetype is None:
        raise _Invalid(f"{where}.notetype must be the id of one of the deck's notetypes")
    values = raw.get("fields")
    if not isinstance(values, dict):
        raise _Invalid(f"{where}.fields must be an object: each field's name and value")
    names = notetype.field_names
    for name, value in values.items():
        if name not in names:
            raise _Invalid(f"{where}.fields: note type {notetype.name!r} has no field {name!r}")
        _string(value, f"{where}.fields.{name}")
    fields = tuple(values.get(name, "") for name in names)
    tags = raw.get("tags", [])
    if not isinstance(tags, list):
        raise _Invalid(f"{where}.tags must be a list of strings")
    guid = raw.get("guid")
    guid = None if guid is None else _string(guid, f"{where}.guid")
    tagged = tuple(_string(tag, f"{where}.tags[]") for tag in tags)
    note = foreign_note(notetype, fields, tagged, guid, Location(path), decks=_decks(raw, where))
    return _dated(note, raw, where)


def parse(text: str, path: str, report: Report, options: ReadOptions | None = None) -> Deck:
    """Read a deck from its JSON form; problems go to ``report``."""
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except RecursionError:
        report.error(
            Location(path),
            "not a deck: JSON nested too deeply",
            "bad-json",
            "see the JSON schema in deck2anki's README",
        )
        return Deck(name="")
    except json.JSONDecodeError as error:
        report.error(
            Location(path, error.lineno, error.colno),
            f"not valid JSON: {error.msg}",
            "bad-json",
            "fix the syntax at this place",
        )
        return Deck(name="")
    except ValueError:  # the only other: an integer of more digits than Python converts
        report.error(
            _long_number(text, path),
            f"not a deck: a number of more than {sys.get_int_max_str_digits():,} digits",
            "bad-json",
            "a deck2anki deck holds no such number: remove it",
        )
        return Deck(name="")
    try:
        if not isinstance(data, dict) or data.get("deck2anki") != FORMAT:
            raise _Invalid(f'not a deck2anki deck: expected {{"deck2anki": {FORMAT}, ...}}')
        notetypes: dict[int, NoteType] = {}
        for index, raw in enumerate(_list(data, "notetypes", "deck")):
            notetype = from_json(raw, f"notetypes[{index}]")
            if notetype.id in notetypes:
                # Anki matches note types by id: two under one id are one, and it would be
                # the last that counted.
                raise _Invalid(
                    f"notetypes[{index}] has the id {notetype.id} of an earlier note type"
                    f" ({notetypes[notetype.id].name!r}); give each note type its own id"
                )
            notetypes[notetype.id] = notetype
        tree = []
        for index, raw in enumerate(_list(data, "decks", "deck")):
            if not isinstance(raw, dict):
                raise _Invalid(f"decks[{index}] must be an object")
            tree.append(
                (
                    _string(raw.get("name"), f"decks[{index}].name"),
                    _string(raw.get("description", ""), f"decks[{index}].description"),
                )
            )
        notes = []
        raw_notes = data.get("notes", [])
        if not isinstance(raw_notes, list):
            raise _Invalid("notes must be a list")
        for index, raw in enumerate(raw_notes):
            where = f"notes[{index}]"
            if not isinstance(raw, dict):
                raise _Invalid(f"{where} must be an object")
            tags = raw.get("tags", [])
            if not isinstance(tags, list):
                raise _Invalid(f"{where}.tags must be a list of strings")
            guid = raw.get("guid")
            if "notetype" in raw:
                notes.append(_foreign(raw, where, notetypes, path))
                continue
            notes.append(
                Note(
                    question=_string(raw.get("question"), f"{where}.question"),
                    answer=_string(raw.get("answer"), f"{where}.answer"),
                    analogy=_string(raw.get("analogy", ""), f"{where}.analogy"),
                    tags=tuple(_string(tag, f"{where}.tags[]") for tag in tags),
                    guid=None if guid is None else _string(guid, f"{where}.guid"),
                    markup=_markup(raw.get("format", "markdown"), f"{where}.format"),
                    location=Location(path),
                    cards=frozenset(
                        _string(card, f"{where}.cards[]") for card in _list(raw, "cards", where)
                    ),
                    decks=_decks(raw, where),
                )
            )
            notes[-1] = _dated(notes[-1], raw, where)
        media = []
        for index, raw in enumerate(data.get("media", [])):
            where = f"media[{index}]"
            if not isinstance(raw, dict):
                raise _Invalid(f"{where} must be an object")
            try:
                blob = base64.b64decode(_string(raw.get("data"), f"{where}.data"), validate=True)
            except ValueError as error:  # binascii.Error, or a character that is not ASCII
                raise _Invalid(f"{where}.data is not base64: {error}") from None
            media.append(
                Media(
                    _string(raw.get("name"), f"{where}.name"),
                    blob,
                    _string(raw.get("reference", ""), f"{where}.reference"),
                )
            )
        return Deck(
            name=_string(data.get("name", ""), "name"),
            notes=tuple(notes),
            description=_string(data.get("description", ""), "description"),
            media=tuple(media),
            notetypes=tuple(notetypes[key] for key in sorted(notetypes)),
            tree=tuple(tree),
        )
    except (_Invalid, Invalid) as problem:
        report.error(
            Location(path), str(problem), "bad-json", "see the JSON schema in deck2anki's README"
        )
        return Deck(name="")
