"""What the previous build left in build/, read back where the lock cannot say it.

Students' collections hold what the packages held, so a package in build/ knows everything
identity needs: each note's GUID, its fields and tags as students got them, and its ``mod``.
When the lock is lost (a bad merge, a clone of a branch without it) the next build reads them
from there, and students see nothing change. The deck's name in the package tells a deck
renamed in the configuration, whose cards Anki leaves where students have them.
"""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .. import files
from ..identity.lock import LockedNote
from ..identity.relink import content_hash, fingerprint
from ..model import Note
from ..readers import ankidb

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
    written (damaged, too large, foreign). build/ comes with a pull request as much as
    sources/ do: its packages are read within the package reader's limits (``ankidb``)."""
    try:
        with _collection(package) as database:
            row = next(database.rows("col", "SELECT decks FROM col"), None)
            decks = ankidb.json_object(row[0] if row else None, "col.decks")
            names = [
                ankidb.text(str(deck.get("name", "")), "col.decks: name")
                for key, deck in sorted(decks.items())
                if key != "1" and isinstance(deck, dict)  # Anki's "Default", in every collection
            ]
            query = "SELECT guid, flds, tags, mod FROM notes ORDER BY id"
            rows = database.rows("notes", query) if notes else iter(())
            held = tuple(
                PreviousNote(guid, tuple(flds.split("\x1f")), tuple(tags.split()), m)
                for guid, flds, tags, m in rows
                if isinstance(m, int)
                and isinstance(tags, str)
                and isinstance(guid, str)
                and isinstance(flds, str)
            )
    except (OSError, ValueError, zipfile.BadZipFile, sqlite3.Error, ankidb.Damaged):
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
        with _collection(package) as database:
            row = next(database.rows("notes", "SELECT mid FROM notes LIMIT 1"), None)
            col = next(database.rows("col", "SELECT models FROM col"), None)
            if row is None or col is None:
                return None
            model = ankidb.json_object(col[0], "col.models")[str(row[0])]
        return PreviousNoteType(
            int(model["id"]),
            str(model["name"]),
            int(model["mod"]),
            tuple(str(f["name"]) for f in model["flds"]),
            tuple((str(t["name"]), str(t["qfmt"]), str(t["afmt"])) for t in model["tmpls"]),
            str(model["css"]),
        )
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, sqlite3.Error):
        return None
    except ankidb.Damaged:
        return None


@contextmanager
def _collection(package: Path) -> Iterator[ankidb.Collection]:
    """The collection of ``package``, unpacked within MAX_DATABASE (the size in the zip's
    directory can lie, so the copy is bounded too) and read through ``ankidb``."""
    # Through files: a FIFO or a link out of the project in build/ is never opened as one.
    with zipfile.ZipFile(io.BytesIO(files.read_regular(package))) as archive:
        if archive.getinfo("collection.anki2").file_size > MAX_DATABASE:
            raise ValueError("larger than a deck of ours")
        with archive.open("collection.anki2") as stream:
            data = stream.read(MAX_DATABASE + 1)
    if len(data) > MAX_DATABASE:
        raise ValueError("larger than a deck of ours")
    database = ankidb.Collection(data)
    del data
    try:
        yield database
    finally:
        database.close()


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
    from ..cards.unrender import to_markdown  # here: only a package read back needs it

    return to_markdown(field) or _TAG.sub(" ", field)
