"""JSON: the Deck model itself, with media as base64; what ``readers.json`` reads back."""

from __future__ import annotations

import base64
import json
from typing import Any

from ..errors import Report
from ..model import Deck
from ..readers.json import FORMAT
from . import WriteOptions, each_note


def write(deck: Deck, options: WriteOptions, report: Report) -> bytes:
    """The JSON text of ``deck``: nothing is lost."""
    notes: list[dict[str, Any]] = []
    for note in each_note(deck, options):
        entry: dict[str, Any] = {
            "question": note.question,
            "answer": note.answer,
            "analogy": note.analogy,
            "tags": list(note.tags),
            "guid": note.guid,
            "format": note.markup.value,
        }
        if note.cards:
            entry["cards"] = sorted(note.cards)
        notes.append(entry)
    data: dict[str, Any] = {
        "deck2anki": FORMAT,
        "name": deck.name,
        "description": deck.description,
        "notes": notes,
    }
    if deck.media:
        data["media"] = [
            {"name": m.name, "reference": m.reference, "data": base64.b64encode(m.data).decode()}
            for m in sorted(deck.media, key=lambda m: m.name)
        ]
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
