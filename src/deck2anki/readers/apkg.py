"""Anki packages (.apkg, .colpkg): genanki's, Anki's legacy export, and Anki's current export.

- ``collection.anki2`` / ``collection.anki21``: SQLite, schema 11, note types and decks as
  JSON in the ``col`` table, media map as JSON, media files stored as they are.
- ``collection.anki21b``: zstd-compressed SQLite, schema 18, note types, fields and decks in
  tables of their own; the media map and every media file are zstd frames, the map a protobuf.

Fields arrive as Anki HTML (``Markup.HTML``); the pipeline turns them back into Markdown
where that is exact. Notes of our note type map field by field; others map their first field
to Question, their second to Answer, and a field named Analogy, Extra or Back Extra to Analogy.
"""

from __future__ import annotations

import html
import io
import re
import sqlite3
import struct
import zipfile
import zlib
from collections import Counter
from dataclasses import replace
from typing import Any

from ..cards import cloze
from ..cards.render import replace_tags
from ..errors import Report
from ..model import Deck, Location, Note, NoteType
from . import ReadOptions, ankidb, losses
from .notetypes import (
    basic_view,
    common_parent,
    deck_tree,
    from_schema11,
    from_schema18,
    is_own,
    unfit,
    varints,
    with_source,
)
from .unpacking import Budget, Damaged, collection_bytes, package_media

# Newest first: Anki's exports carry a dummy collection.anki2 beside the real one.
_COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_CLOZE = re.compile(r"\{\{c\d+::")
_CLOZE_FIELDS = list(cloze.FIELDS)  # deck2anki's cloze note type's
# Our note type's switch fields, and the optional card each one asks for.
_SWITCHES = {"add reverse": "Reverse", "add type-in": "Type-in"}
MAX_CARDS = 4 * 500_000
"""Refuse packages of more cards than this (four a note, at the most notes read)."""
MAX_UNPACKED = 1024**3
"""Refuse packages that unpack to more than this many bytes, declared or actual (zip bombs)."""


def parse(data: bytes, path: str, report: Report, options: ReadOptions | None = None) -> Deck:
    """Read the notes and media of an Anki package into a Deck; problems go to ``report``."""
    where = Location(path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            declared = sum(info.file_size for info in infos.values())
            if any(info.compress_size > len(data) for info in infos.values()):
                raise Damaged("a member claims to be larger than the whole file")
            if declared > MAX_UNPACKED:
                report.error(
                    where,
                    f"the package would unpack to {declared:,} bytes, more than"
                    f" the {MAX_UNPACKED:,} deck2anki accepts",
                    "package-too-large",
                )
                return Deck(name="")
            member = next((name for name in _COLLECTIONS if name in infos), None)
            if member is None:
                report.error(
                    where,
                    "no Anki collection inside this zip",
                    "not-a-package",
                    "is it an Anki package (.apkg) at all?",
                )
                return Deck(name="")
            compressed = member.endswith("b")
            budget = Budget(MAX_UNPACKED)  # one limit for everything unpacked, not one per member
            collection = collection_bytes(archive, member, compressed, budget)
            media = package_media(archive, infos, compressed, budget)
    except zipfile.BadZipFile:
        report.error(
            where,
            "not an Anki package: not a zip archive, or a damaged one",
            "not-a-package",
            "download or export the package again",
        )
        return Deck(name="")
    # zipfile and zlib raise all of these on damaged archives; none of them is our bug.
    except (
        Damaged,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,
        KeyError,
        NotImplementedError,
        RuntimeError,
        struct.error,
        zlib.error,
    ) as error:
        report.error(
            where,
            f"the package is damaged: {error}",
            "damaged-package",
            "download or export the package again",
        )
        return Deck(name="")
    try:
        keeping = options is not None and options.keeps_notetypes
        # Handed over in a list the reader empties: once SQLite holds its own copy, this one
        # goes (100,000 notes: 77 MB, held twice while every note was read, issue 17).
        held = [collection]
        del collection
        deck = _read_collection(held, where, report, keeping)
    except ankidb.TooLarge as error:
        report.error(where, str(error), "package-too-large", error.hint)
        return Deck(name="")
    except (ankidb.Damaged, sqlite3.Error, KeyError, ValueError, TypeError, IndexError) as error:
        report.error(
            where,
            f"the collection inside is damaged: {error}",
            "damaged-package",
            "export the deck from Anki again",
        )
        return Deck(name="")
    return replace(deck, media=media)


def _description(kind: bytes) -> str:
    """A deck's description from its DeckKindContainer blob: normal (1) -> description (4)."""
    for number, _, normal in varints(kind):
        if number == 1 and isinstance(normal, bytes):
            for field, _, value in varints(normal):
                if field == 4 and isinstance(value, bytes):
                    return value.decode("utf-8")
    return ""


def _read_collection(held: list[bytearray], where: Location, report: Report, keeping: bool) -> Deck:
    """The deck in the collection ``held`` holds (its only item, taken out: the caller keeps
    no other reference, so the bytes go once SQLite has its copy)."""
    collection = held.pop()
    if not collection.startswith(b"SQLite format 3\x00") or len(collection) < 512:
        raise ValueError("the collection is not an SQLite database")
    # Anki keeps its collection in WAL mode (header bytes 18 and 19 are 2), which an
    # in-memory copy cannot open; as a rollback-journal database (1) it reads the same.
    if len(collection) > 19 and collection[18:20] == b"\x02\x02":
        collection[18:20] = b"\x01\x01"  # in place: the buffer is this reader's own
    database = ankidb.Collection(collection)
    del collection  # SQLite read it into memory of its own
    try:
        if "notetypes" in database.tables():
            notetypes, decks = _schema18(database)
        else:
            notetypes, decks = _schema11(database)
        if (count := database.count("notes")) > ankidb.MAX_NOTES:
            raise ankidb.TooLarge(
                f"notes: {count:,} notes, more than the {ankidb.MAX_NOTES:,} deck2anki reads"
                " from one package",
                "export one deck at a time from Anki",
            )
        if (count := database.count("cards")) > MAX_CARDS:
            raise ankidb.TooLarge(
                f"cards: {count:,} cards, more than the {MAX_CARDS:,} deck2anki reads"
                " from one package",
                "export one deck at a time from Anki",
            )
        used_notetypes: Counter[int] = Counter()
        deck_of_note: dict[Any, Any] = {}
        # Per note, its cards of the second, third and later templates (or cloze numbers).
        later_cards: dict[Any, tuple[int, int, int]] = {}
        # Per note, where each of its cards is: (ord, deck id).
        placed: dict[Any, list[tuple[int, Any]]] = {}
        for nid, order, did in database.rows("cards", "SELECT nid, ord, did FROM cards"):
            # Cards belong to notes: cards of more notes than the notes table holds are a lie.
            if nid not in placed and len(placed) == ankidb.MAX_NOTES:
                raise ankidb.Damaged(f"cards: cards of more than {ankidb.MAX_NOTES:,} notes")
            placed.setdefault(nid, []).append((losses.count(order), did))
        for nid, cards in placed.items():
            if len(cards) > 1:  # the usual note has one card: nothing to sort or count
                cards.sort()
                ords = [order for order, _ in cards]
                later = (ords.count(1), ords.count(2), sum(order > 2 for order in ords))
                if any(later):
                    later_cards[nid] = later
            elif cards[0][0]:
                order = cards[0][0]
                later_cards[nid] = (int(order == 1), int(order == 2), int(order > 2))
            deck_of_note[nid] = min(did for _, did in cards)
        query = "SELECT id, guid, mid, tags, flds, mod FROM notes ORDER BY id"
        notes: list[Note] = []
        used_decks: Counter[Any] = Counter()
        lost = losses.Losses()
        first_with: dict[str, Any] = {}  # each GUID's first note id
        # Each note's cards are taken out of the dictionaries as its note is read, so that
        # the notes take their place (100,000 notes: 30 MB less at the peak, issue 17). The
        # notes come by id, so a repeated id (a damaged table) comes next, and gets the same.
        last_id: Any = object()
        cards_here: list[tuple[int, Any]] = []
        deck_here: Any = 1
        later_here: tuple[int, int, int] | None = None
        for note_id, guid, model_id, tags, fields, mod in database.rows("notes", query):
            if note_id != last_id:
                cards_here = placed.pop(note_id, [])
                deck_here = deck_of_note.pop(note_id, 1)
                later_here = later_cards.pop(note_id, None)
                last_id = note_id
            row = f"notes id {ankidb.label(note_id)}"
            if model_id not in notetypes:
                raise ankidb.Damaged(
                    f"{row}: note type {ankidb.label(model_id)} is not in the collection"
                )
            values = ankidb.text(fields, f"{row}: flds").split("\x1f")
            notetype = notetypes[model_id]
            field_names = list(notetype.field_names)
            note = basic_view(
                field_names,
                values,
                ankidb.text(guid, f"{row}: guid"),
                ankidb.text(tags, f"{row}: tags"),
            )
            placing = tuple(
                (order, decks.get(did, ("Default", ""))[0]) for order, did in cards_here
            )
            note = with_source(note, notetype, values, mod, placing)
            earlier = first_with.setdefault(note.guid or "", note_id)
            if earlier != note_id:
                # Anki matches notes by GUID alone (ANKI-FACTS 1): these two are one to it.
                report.error(
                    where,
                    f"notes id {ankidb.label(earlier)} and notes id {ankidb.label(note_id)}"
                    f" have the same GUID {note.guid!r}",
                    "duplicate-question",
                    f"Anki would take them for one note: remove one in Anki (Browse, search"
                    f" nid:{ankidb.label(note_id)}) and export the deck again",
                )
            notes.append(note)
            used_decks[deck_here] += 1
            used_notetypes[model_id] += 1
            kind = notetype.name
            lost.count_fields(kind, field_names, values, {note.question, note.answer, note.analogy})
            if _CLOZE.search(note.question):
                if field_names != _CLOZE_FIELDS:  # deck2anki's own: nothing changes
                    lost.clozes[kind] += 1
            elif later_here is not None:
                lost.cards[kind] += losses.beyond(later_here, note, field_names)
        scheduling = losses.scheduling(database)
    finally:
        database.close()
    # What a Deck cannot hold is said, once per kind and note type, not silently lost.
    # Going to .apkg or JSON, only the scheduling is lost.
    losses.say(where, report, losses.Losses() if keeping else lost, scheduling)
    if len(used_decks) > 1 and not keeping:
        names = ", ".join(sorted(decks.get(d, (str(d), ""))[0] for d in used_decks))
        report.warning(
            where,
            f"notes of {len(used_decks)} decks are read as one deck: {names}",
            "lossy-conversion",
            "export one deck at a time from Anki",
        )
    main_deck = used_decks.most_common(1)[0][0] if used_decks else 1
    name, description = decks.get(main_deck, ("", ""))
    used = {card[1] for note in notes for card in note.decks}
    tree = deck_tree(decks, used)
    # The deck every card is in or under, when they have one (Course for Course::Week 1
    # and Course::Week 2), so that a note without a deck of its own goes there.
    common = common_parent(sorted(used))
    if common:
        name, description = common, dict(tree)[common]
    # Anki's description is HTML; ours is text, as written (tags dropped, entities decoded).
    text = html.unescape(replace_tags(description, ""))
    main_notetype = used_notetypes.most_common(1)[0][0] if used_notetypes else None
    for mid in sorted(used_notetypes):
        # One Anki would refuse or change could not be written back as it is.
        if not is_own(notetypes[mid]) and (problem := unfit(notetypes[mid])) is not None:
            name = notetypes[mid].name
            raise ankidb.Damaged(f"note type {ankidb.label(mid)} ({name!r}): {problem}")
    return Deck(
        name=name,
        notes=tuple(notes),
        description=text,
        notetype=notetypes[main_notetype].name if main_notetype is not None else "",
        notetypes=tuple(
            notetypes[mid] for mid in sorted(used_notetypes) if not is_own(notetypes[mid])
        ),
        tree=tree,
    )


def _schema11(
    database: ankidb.Collection,
) -> tuple[dict[int, NoteType], dict[int, tuple[str, str]]]:
    """Each note type by id, and each deck's name and description."""
    row = next(database.rows("col", "SELECT models, decks FROM col"), None)
    if row is None:
        raise ankidb.Damaged("col holds no row")
    models = ankidb.json_object(row[0], "col.models")
    decks = ankidb.json_object(row[1], "col.decks")
    notetypes = {
        mid: from_schema11(mid, model)
        for mid, model in ankidb.entries(models, "col.models", "note type")
    }
    named = {
        did: (
            ankidb.text(str(d.get("name", "")), f"col.decks: deck {did}: name"),
            ankidb.text(str(d.get("desc", "")), f"col.decks: deck {did}: desc"),
        )
        for did, d in ankidb.entries(decks, "col.decks", "deck")
    }
    return notetypes, named


def _schema18(
    database: ankidb.Collection,
) -> tuple[dict[int, NoteType], dict[int, tuple[str, str]]]:
    """Each note type by id, and each deck's name and description."""
    decks = {}
    for did, name, kind in database.rows("decks", "SELECT id, name, kind FROM decks"):
        row = f"decks id {ankidb.label(did)}"
        description = _description(ankidb.blob(kind, f"{row}: kind"))
        decks[did] = (ankidb.text(name, f"{row}: name").replace("\x1f", "::"), description)
    return from_schema18(database), decks
