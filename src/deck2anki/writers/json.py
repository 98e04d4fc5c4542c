"""JSON: the Deck model itself, with media as base64; what ``readers.json`` reads back."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

from ..errors import Report
from ..model import Deck, Note
from ..readers.json import FORMAT
from ..readers.notetype_json import to_json
from ..readers.notetypes import fingerprint
from . import WriteOptions, each_note


def write(deck: Deck, options: WriteOptions, report: Report) -> Iterator[bytes]:
    """The JSON text of ``deck``, in pieces to be written one after another: nothing is lost.

    Made a note at a time, as ``json.dumps(document, ensure_ascii=False, indent=2)`` writes
    the whole: its indented encoder is Python's, which makes a list of every piece of the
    document before joining it (a 100,000-note package's JSON took 300 MB that way). The
    pieces go to the output as they are made, so the document is never held whole beside
    the notes (75 MB more at 100,000 notes).
    """
    data: dict[str, Any] = {
        "deck2anki": FORMAT,
        "name": deck.name,
        "description": deck.description,
        "notes": [],
    }
    if deck.notetypes:
        data["notetypes"] = [to_json(notetype) for notetype in deck.notetypes]
    if deck.tree:
        data["decks"] = [{"name": name, "description": text} for name, text in deck.tree]
    if deck.media:
        data["media"] = [
            {"name": m.name, "reference": m.reference, "data": base64.b64encode(m.data).decode()}
            for m in sorted(deck.media, key=lambda m: m.name)
        ]
    head, empty, tail = _dumped(data).partition(_NO_NOTES)
    assert empty, "the document has its notes list, at the first level"
    yield head.encode()
    separator = '\n  "notes": [\n    '
    written = False
    for note in each_note(deck, options):
        # Nested two levels deep: each line of the note's JSON indented four spaces more
        # (a string in JSON never holds a raw newline, so every newline starts a line).
        text = _dumped(_entry(note, deck.name)).replace("\n", "\n    ")
        yield (separator + text).encode()
        separator = ",\n    "
        written = True
    yield (("\n  ]" if written else _NO_NOTES) + tail + "\n").encode()


_NO_NOTES = '\n  "notes": []'
"""How ``json.dumps(indent=2)`` writes the document's empty notes list: where notes go."""


def _dumped(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _entry(note: Note, deck_name: str) -> dict[str, Any]:
    """One note as the JSON document holds it."""
    entry: dict[str, Any]
    if note.notetype is not None:
        # A note of another note type: its fields by name, as Anki holds them.
        names = note.notetype.field_names
        entry = {
            "notetype": note.notetype.id,
            "fields": dict(zip(names, note.fields, strict=True)),
            "tags": list(note.tags),
            "guid": note.guid,
        }
    else:
        entry = {
            "question": note.question,
            "answer": note.answer,
            "analogy": note.analogy,
            "tags": list(note.tags),
            "guid": note.guid,
            "format": note.markup.value,
        }
        if note.cards:
            entry["cards"] = sorted(note.cards)
    if note.mod is not None:
        # With what the note held then: one edited here is known as changed.
        entry["mod"] = note.mod
        entry["fingerprint"] = fingerprint(note)
    # Cards all in the deck itself need not say so: that is where a package puts them.
    if note.decks and any(name != deck_name for _, name in note.decks):
        entry["card_decks"] = [list(card) for card in note.decks]
    return entry
