"""What the previous build left in build/, read back where the lock cannot say it.

Students' collections hold what the packages held, so a package in build/ knows everything
identity needs: each note's GUID, its fields and tags as students got them, and its ``mod``.
When the lock is lost (a bad merge, a clone of a branch without it) the next build reads them
from there, and students see nothing change. The deck's name in the package tells a deck
renamed in the configuration, whose cards Anki leaves where students have them.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..cards.unrender import to_markdown
from ..identity.guids import content_hash, fingerprint
from ..identity.lock import LockedNote
from ..model import Note

MAX_DATABASE = 1 << 30
"""The largest collection a previous package may unpack to (1 GiB): a 100,000-note deck is
about 60 MB; anything larger is not one of ours, and is not read."""

REMOVED_TAG = "deck2anki::removed"
"""A tag that marks a note, not the source it came from."""

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class PreviousNote:
    """One note as a previous package holds it."""

    guid: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    mod: int


@dataclass(frozen=True, slots=True)
class PreviousPackage:
    """The deck a previous build wrote: its name in Anki and its notes."""

    deck_name: str
    notes: tuple[PreviousNote, ...]

    @property
    def source_tag(self) -> str:
        """The ``deck2anki::`` tag every note carries ("" if none does): the source's tag."""
        common: set[str] | None = None
        for note in self.notes:
            own = {t for t in note.tags if t.startswith("deck2anki::") and t != REMOVED_TAG}
            common = own if common is None else common & own
        return sorted(common)[0] if common else ""


def read_previous(package: Path, notes: bool = True) -> PreviousPackage | None:
    """The deck in ``package``, written by an earlier build (with ``notes=False``, its name
    alone); None when there is no such file or it is not a package deck2anki could have
    written (damaged, too large, foreign)."""
    try:
        with tempfile.TemporaryDirectory(prefix="deck2anki-") as folder:
            database = _unpacked(package, Path(folder))
            if database is None:
                return None
            connection = sqlite3.connect(database)
            try:
                (decks,) = connection.execute("SELECT decks FROM col").fetchone()
                names = [
                    str(deck["name"])
                    for key, deck in sorted(json.loads(decks).items())
                    if key != "1"  # Anki's "Default", in every collection
                ]
                query = "SELECT guid, flds, tags, mod FROM notes ORDER BY id"
                rows = connection.execute(query) if notes else []
                held = tuple(
                    PreviousNote(str(guid), tuple(str(flds).split("\x1f")), tuple(tags.split()), m)
                    for guid, flds, tags, m in rows
                    if isinstance(m, int) and isinstance(tags, str)
                )
            finally:
                connection.close()
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, sqlite3.Error):
        return None
    return PreviousPackage(names[0] if names else "", held)


@dataclass(frozen=True, slots=True)
class PreviousNoteType:
    """The note type a previous package's notes have, as students got it."""

    id: int
    name: str
    mod: int
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]
    """(name, front, back) per card template."""
    css: str


def read_notetype(package: Path) -> PreviousNoteType | None:
    """The note type of the notes of ``package`` (an earlier build's), or None where there is
    no such file, or it is not a package deck2anki could have written."""
    try:
        with tempfile.TemporaryDirectory(prefix="deck2anki-") as folder:
            database = _unpacked(package, Path(folder))
            if database is None:
                return None
            connection = sqlite3.connect(database)
            try:
                row = connection.execute("SELECT mid FROM notes LIMIT 1").fetchone()
                (models,) = connection.execute("SELECT models FROM col").fetchone()
            finally:
                connection.close()
        if row is None:
            return None
        model = json.loads(models)[str(row[0])]
        return PreviousNoteType(
            int(model["id"]),
            str(model["name"]),
            int(model["mod"]),
            tuple(str(f["name"]) for f in model["flds"]),
            tuple((str(t["name"]), str(t["qfmt"]), str(t["afmt"])) for t in model["tmpls"]),
            str(model["css"]),
        )
    except (OSError, KeyError, ValueError, TypeError, RecursionError, zipfile.BadZipFile):
        return None
    except sqlite3.Error:
        return None


def _unpacked(package: Path, folder: Path) -> Path | None:
    """The collection of ``package`` copied into ``folder`` (None: larger than a deck of ours
    can be); a bounded copy, since the size in the zip's directory can lie."""
    database = folder / "collection.anki2"
    with zipfile.ZipFile(package) as archive:
        if archive.getinfo("collection.anki2").file_size > MAX_DATABASE:
            return None
        with archive.open("collection.anki2") as stream, database.open("wb") as out:
            copied = 0
            while chunk := stream.read(1 << 20):
                copied += len(chunk)
                if copied > MAX_DATABASE:
                    return None
                out.write(chunk)
    return database


def recovered_entry(note: PreviousNote, question: str | None, content: str) -> LockedNote:
    """The lock entry a previous package's note stands for.

    ``question`` is the source's question whose field the note shows (None: no note of the
    source shows it), and ``content`` that note's content hash: while the package shows the
    note as the source makes it now, the note keeps its ``mod`` and students see no update.
    """
    shown = content if question is not None else content_hash(note.fields, note.tags)
    if question is None:  # gone from the source, or reworded: its text as well as can be
        question = _text(note.fields[0])
    answer = _text(note.fields[1]) if len(note.fields) > 1 else ""
    analogy = _text(note.fields[2]) if len(note.fields) > 2 else ""
    print_ = fingerprint(Note(question, answer, analogy))
    return LockedNote(note.guid, question, shown, print_, note.mod)


def _text(field: str) -> str:
    return to_markdown(field) or _TAG.sub(" ", field)
