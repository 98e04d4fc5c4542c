"""Anki packages (.apkg, .colpkg) in the SQLite layouts genanki and Anki's legacy export write.

Fields arrive as Anki HTML and stay HTML (``Note.is_html``): a package read and written again
keeps every field, tag and GUID, so the result still updates the original notes in Anki.
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections import Counter
from typing import Any

from ..errors import Report
from ..model import Deck, Location, Note

# Newest first: a package that carries several collections is read at its most recent.
_COLLECTIONS = ("collection.anki21", "collection.anki2")
_ANALOGY_FIELDS = ("analogy", "extra", "back extra")


def parse(data: bytes, path: str, report: Report) -> Deck:
    """Read the notes of an Anki package into a Deck; problems go to ``report``."""
    where = Location(path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            member = next((name for name in _COLLECTIONS if name in names), None)
            if member is None:
                if "collection.anki21b" in names:
                    report.error(
                        where,
                        "this package uses Anki's newest format (collection.anki21b), which this"
                        " version cannot read yet",
                        "unsupported-package",
                        "export it again from Anki with 'Support older Anki versions' ticked",
                    )
                else:
                    report.error(where, "no Anki collection inside this zip", "not-a-package")
                return Deck(name="")
            collection = archive.read(member)
    except zipfile.BadZipFile:
        report.error(where, "not an Anki package: the file is not a zip archive", "not-a-package")
        return Deck(name="")
    try:
        return _read_collection(collection)
    except (sqlite3.Error, KeyError, ValueError, TypeError) as error:
        report.error(where, f"the collection inside is damaged: {error}", "damaged-package")
        return Deck(name="")


def _read_collection(collection: bytes) -> Deck:
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(collection)
        models_json, decks_json = connection.execute("SELECT models, decks FROM col").fetchone()
        models: dict[str, Any] = json.loads(models_json)
        decks: dict[str, Any] = json.loads(decks_json)
        deck_of_note = dict(connection.execute("SELECT nid, MIN(did) FROM cards GROUP BY nid"))
        rows = connection.execute("SELECT id, guid, mid, tags, flds FROM notes ORDER BY id")
        notes: list[Note] = []
        used_decks: Counter[int] = Counter()
        for note_id, guid, model_id, tags, fields in rows:
            names = [field["name"] for field in models[str(model_id)]["flds"]]
            notes.append(_note(names, fields.split("\x1f"), guid, tags))
            used_decks[deck_of_note.get(note_id, 1)] += 1
    finally:
        connection.close()
    main_deck = used_decks.most_common(1)[0][0] if used_decks else 1
    deck = decks.get(str(main_deck), {})
    return Deck(
        name=str(deck.get("name", "")),
        notes=tuple(notes),
        description=str(deck.get("desc", "")),
    )


def _note(names: list[str], values: list[str], guid: str, tags: str) -> Note:
    """Map one note's fields: ours by name; others' first to Question, second to Answer."""
    by_name = {name.lower(): value for name, value in zip(names, values, strict=False)}
    values = [*values, "", ""]
    if "question" in by_name and "answer" in by_name:
        question, answer = by_name["question"], by_name["answer"]
    else:
        question, answer = values[0], values[1]
    analogy = next((by_name[name] for name in _ANALOGY_FIELDS if name in by_name), "")
    return Note(
        question=question,
        answer=answer,
        analogy=analogy,
        tags=tuple(tags.split()),
        guid=guid,
        is_html=True,
    )
