"""Anki packages (.apkg): genanki writes the collection, we make the package around it.

genanki's own ``write_to_file`` stamps the zip entries with the time of writing and leaves
its temporary SQLite file behind (ANKI-FACTS 8), so we let it fill an in-memory database and
zip that ourselves with fixed entry metadata: the same deck gives the same bytes.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import sqlite3
import zipfile
from dataclasses import dataclass

from ..identity import deck_id
from ..model import Deck
from ..notetype import FIELDS, genanki_model
from ..render import render_note

# Every entry carries this date: zip's own epoch, so nothing depends on when the build ran.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_UNIX = 3  # "made by" a Unix system, whatever system makes it, so the bytes do not vary


@dataclass(frozen=True, slots=True)
class PackageOptions:
    """What an .apkg needs beyond the deck itself."""

    timestamp: int
    """Seconds since the epoch recorded as the notes' and note type's modification time."""


def _zip_entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = _UNIX
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def write_apkg(deck: Deck, options: PackageOptions) -> bytes:
    """The .apkg bytes of ``deck``; every note must already carry its GUID."""
    import genanki

    model = genanki_model()
    package_deck = genanki.Deck(deck_id(deck.name), deck.name, html.escape(deck.description))
    empty_switches = [""] * (len(FIELDS) - 3)
    for note in deck.notes:
        if note.guid is None:
            raise ValueError("write_apkg needs notes with GUIDs; resolve identity first")
        rendered = render_note(note)
        package_deck.add_note(
            genanki.Note(
                model=model,
                fields=[rendered.question, rendered.answer, rendered.analogy, *empty_switches],
                tags=list(note.tags),
                guid=note.guid,
            )
        )
    connection = sqlite3.connect(":memory:")
    try:
        ids = itertools.count(options.timestamp * 1000)
        genanki.Package(package_deck).write_to_db(connection.cursor(), options.timestamp, ids)
        connection.commit()
        collection = connection.serialize()
    finally:
        connection.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _zip_entry(archive, "collection.anki2", collection)
        _zip_entry(archive, "media", json.dumps({}).encode())
    return buffer.getvalue()
