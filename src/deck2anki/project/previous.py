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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import files
from ..cards import cloze, notetype
from ..cards.cloze import is_cloze_fields
from ..identity.lock import LockedNote
from ..identity.relink import content_hash, fingerprint
from ..model import Note
from ..readers import ankidb

MAX_DATABASE = 1 << 30
"""The largest collection a previous package may unpack to (1 GiB): a 100,000-note deck is
about 60 MB; anything larger is not one of ours, and is not read."""

REMOVED_TAG = "deck2anki::removed"
"""A tag that marks a note, not the source it came from."""

REMOVED_SUBDECK = "Removed"
"""The subdeck (``DECK::Removed``) that holds the cards of notes removed from the source."""

_REMOVED = f"::{REMOVED_SUBDECK}"

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


def read_previous(
    package: Path, notes: bool = True, budget: int | None = None
) -> PreviousPackage | None:
    """The deck in ``package``, written by an earlier build (with ``notes=False``, its name
    alone); None when there is no such file or it is not a package deck2anki could have
    written (damaged, too large, foreign). build/ comes with a pull request as much as
    sources/ do: its packages are read within the package reader's limits (``ankidb``), and
    their notes' fields and tags within ``budget`` characters (``previous_budget``)."""
    try:
        with _collection(package) as database:
            row = next(database.rows("col", "SELECT decks, models FROM col"), None)
            decks = ankidb.json_object(row[0] if row else None, "col.decks")
            names = [
                ankidb.text(str(deck.get("name", "")), "col.decks: name")
                for key, deck in sorted(decks.items())
                if key != "1" and isinstance(deck, dict)  # Anki's "Default", in every collection
            ]
            held = _notes(database, row[1] if row else None, budget) if notes else ()
    except (OSError, ValueError, zipfile.BadZipFile, sqlite3.Error, ankidb.Damaged):
        return None
    if held is None:
        return None
    # The cards of removed notes are in a subdeck NAME::Removed: the deck is its parent,
    # whichever of the two Anki's ids put first.
    own = [n for n in names if not (n.endswith(_REMOVED) and n[: -len(_REMOVED)] in names)]
    return PreviousPackage(own[0] if own else "", held)


def previous_budget(source_size: int) -> int:
    """How many characters of fields and tags the previous package of a source of
    ``source_size`` bytes may hold: its notes as rendered (HTML a few times the Markdown),
    the removed notes it still carries, with a wide margin; past it, it is not ours."""
    return PREVIOUS_FLOOR + PREVIOUS_MARGIN * source_size


PREVIOUS_FLOOR = 32 * 1024**2
"""Characters of fields and tags any previous package may hold, whatever its source's size."""

PREVIOUS_MARGIN = 16
"""Characters of fields and tags a previous package may hold per byte of its source."""


def _notes(
    database: ankidb.Collection, models: object, budget: int | None
) -> tuple[PreviousNote, ...] | None:
    """The notes of a previous package; None where one does not fit deck2anki's note type
    (another model, or another number of fields: the writer would fail on it), or they hold
    more than ``budget`` characters: the package is not one of ours."""
    known = (list(notetype.FIELDS), list(cloze.FIELDS))  # deck2anki's note types, and theirs
    ours = {
        key: len(names)
        for key, model in ankidb.json_object(models, "col.models").items()
        if isinstance(model, dict)
        and isinstance(model.get("flds"), list)
        and (names := [f.get("name") if isinstance(f, dict) else None for f in model["flds"]])
        in known
    }
    left = budget if budget is not None else -1
    held = []
    query = "SELECT guid, flds, tags, mod, mid FROM notes ORDER BY id"
    for guid, flds, tags, m, mid in database.rows("notes", query):
        if not (
            isinstance(m, int)
            and isinstance(tags, str)
            and isinstance(guid, str)
            and isinstance(flds, str)
        ):
            continue
        if str(mid) not in ours or flds.count("\x1f") != ours[str(mid)] - 1:
            return None
        if budget is not None:
            left -= len(flds) + len(tags)
            if left < 0:
                return None
        held.append(PreviousNote(guid, tuple(flds.split("\x1f")), tuple(tags.split()), m))
    return tuple(held)


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

    cloze: PreviousNoteType | None = None
    """The cloze note type beside it, if the package has cloze notes."""


_CLOZE_KIND = 1  # a note type's "type" in Anki: 0 standard, 1 cloze


def read_notetype(package: Path) -> PreviousNoteType | None:
    """The note type of the notes of ``package`` (an earlier build's), with the cloze note
    type beside it if it has cloze notes, or None where there is no such file, or it is not a
    package deck2anki could have written."""
    try:
        with _collection(package) as database:
            # A package of ours has at most two note types: its notes name one or both.
            rows = list(database.rows("notes", "SELECT DISTINCT mid FROM notes LIMIT 3"))
            col = next(database.rows("col", "SELECT models FROM col"), None)
            if not rows or col is None:
                return None
            models = ankidb.json_object(col[0], "col.models")
        used = [models[str(row[0])] for row in rows]
        clozes = [m for m in used if m.get("type") == _CLOZE_KIND]
        # A deck of cloze notes alone still carries the note type beside them (unused).
        main = [m for m in used if m not in clozes] or [
            m for m in models.values() if isinstance(m, dict) and m.get("type") != _CLOZE_KIND
        ]
        # Not ours (another model where deck2anki's belongs): a build would take it for a
        # change of the note type's schema.
        if not main or tuple(str(f["name"]) for f in main[0]["flds"]) != notetype.FIELDS:
            return None
        return replace(_previous(main[0]), cloze=_previous(clozes[0]) if clozes else None)
    except (OSError, KeyError, ValueError, TypeError, AttributeError, zipfile.BadZipFile):
        return None
    except (sqlite3.Error, ankidb.Damaged):
        return None


def _previous(model: dict[str, Any]) -> PreviousNoteType:
    return PreviousNoteType(
        int(model["id"]),
        str(model["name"]),
        int(model["mod"]),
        tuple(str(f["name"]) for f in model["flds"]),
        tuple((str(t["name"]), str(t["qfmt"]), str(t["afmt"])) for t in model["tmpls"]),
        str(model["css"]),
    )


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
    cloze = is_cloze_fields(note.fields)
    return LockedNote(note.guid, question, shown, print_, note.mod, cloze=cloze)


def _text(field: str) -> str:
    from ..cards.unrender import to_markdown  # here: only a package read back needs it

    return to_markdown(field) or _TAG.sub(" ", field)
