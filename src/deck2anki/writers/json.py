"""JSON: the Deck model itself, with media as base64; what ``readers.json`` reads back."""

from __future__ import annotations

import base64
import json
from typing import Any

from ..errors import Report
from ..model import Deck
from ..readers.json import FORMAT
from ..readers.notetypes import fingerprint, to_json
from . import WriteOptions, each_note


def write(deck: Deck, options: WriteOptions, report: Report) -> bytes:
    """The JSON text of ``deck``: nothing is lost."""
    notes: list[dict[str, Any]] = []
    for note in each_note(deck, options):
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
        if note.decks and any(name != deck.name for _, name in note.decks):
            entry["card_decks"] = [list(card) for card in note.decks]
        notes.append(entry)
    data: dict[str, Any] = {
        "deck2anki": FORMAT,
        "name": deck.name,
        "description": deck.description,
        "notes": notes,
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
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
