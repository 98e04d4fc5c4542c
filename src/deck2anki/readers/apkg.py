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
import json
import posixpath
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
from ..model import Deck, Location, Media, Note, NoteType
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
_CHUNK = 1024**2
"""Bytes decompressed at a time: large enough to cost nothing, small enough to stop early."""


class _Damaged(Exception):
    pass


def parse(data: bytes, path: str, report: Report, options: ReadOptions | None = None) -> Deck:
    """Read the notes and media of an Anki package into a Deck; problems go to ``report``."""
    where = Location(path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            declared = sum(info.file_size for info in infos.values())
            if any(info.compress_size > len(data) for info in infos.values()):
                raise _Damaged("a member claims to be larger than the whole file")
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
            budget = _Budget()  # one limit for everything unpacked, not one per member
            collection = _unpack(_read(archive, member, budget), compressed, budget, member)
            media = _media(archive, infos, compressed, budget)
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
        _Damaged,
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
        deck = _read_collection(collection, where, report, keeping)
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


class _Budget:
    """How many more bytes this package may unpack to, across all its members."""

    def __init__(self) -> None:
        self.left = MAX_UNPACKED

    def take(self, data: bytes) -> bytes:
        if len(data) > self.left:
            raise _Damaged(f"it unpacks to more than the {MAX_UNPACKED:,} bytes deck2anki accepts")
        self.left -= len(data)
        return data


def _read(archive: zipfile.ZipFile, member: str, budget: _Budget) -> bytes:
    """A member's bytes, read no further than the budget whatever its header declares."""
    with archive.open(member) as stream:
        return budget.take(stream.read(budget.left + 1))


def _unpack(data: bytes, compressed: bool, budget: _Budget, member: str) -> bytes:
    """A member's bytes, zstd frames decompressed, within the budget."""
    if not compressed:
        return data
    import zstandard

    # Anki writes frames without a content size, so decompress as a stream, a chunk at a time:
    # the budget is spent as the data arrives, and no buffer of the whole budget is asked for.
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
    chunks = []
    try:
        while chunk := reader.read(_CHUNK):
            chunks.append(budget.take(chunk))
    except zstandard.ZstdError as error:
        raise _Damaged(f"{member} is not zstd data, or damaged zstd data ({error})") from None
    return b"".join(chunks)


def _media(
    archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], compressed: bool, budget: _Budget
) -> tuple[Media, ...]:
    if "media" not in infos:
        return ()
    raw = _unpack(_read(archive, "media", budget), compressed, budget, "media")
    if len(raw) > ankidb.MAX_VALUE_BYTES:
        raise _Damaged(
            f"the media map is larger than the {ankidb.MAX_VALUE_BYTES:,} bytes deck2anki reads"
        )
    if compressed:
        names = {str(index): name for index, name in enumerate(_media_entries(raw))}
    else:
        try:
            mapping = json.loads(raw.decode("utf-8") or "{}")
        except RecursionError:
            raise _Damaged("the media map is JSON nested too deeply") from None
        if not isinstance(mapping, dict):
            raise _Damaged("the media map is not a JSON object")
        names = {str(k): str(v) for k, v in mapping.items()}
    files = []
    for member, name in names.items():
        # A media name is a flat file name; one that climbs or is absolute is refused.
        if not name or name != posixpath.basename(name) or name in (".", "..") or "\\" in name:
            raise _Damaged(f"media file name {name!r} is not a plain file name")
        if member in infos:
            data = _unpack(_read(archive, member, budget), compressed, budget, member)
            files.append(Media(name, data))
    return tuple(sorted(files, key=lambda media: media.name))


def _media_entries(data: bytes) -> list[str]:
    """Names from Anki's MediaEntries message: repeated MediaEntry (name = field 1) = 1."""
    names = []
    for number, _, entry in varints(data):
        if number == 1 and isinstance(entry, bytes):
            name = next((v for n, _, v in varints(entry) if n == 1 and isinstance(v, bytes)), b"")
            names.append(name.decode("utf-8"))
    return names


def _description(kind: bytes) -> str:
    """A deck's description from its DeckKindContainer blob: normal (1) -> description (4)."""
    for number, _, normal in varints(kind):
        if number == 1 and isinstance(normal, bytes):
            for field, _, value in varints(normal):
                if field == 4 and isinstance(value, bytes):
                    return value.decode("utf-8")
    return ""


def _read_collection(collection: bytes, where: Location, report: Report, keeping: bool) -> Deck:
    if not collection.startswith(b"SQLite format 3\x00") or len(collection) < 512:
        raise ValueError("the collection is not an SQLite database")
    # Anki keeps its collection in WAL mode (header bytes 18 and 19 are 2), which an
    # in-memory copy cannot open; as a rollback-journal database (1) it reads the same.
    if len(collection) > 19 and collection[18:20] == b"\x02\x02":
        collection = collection[:18] + b"\x01\x01" + collection[20:]
    database = ankidb.Collection(collection)
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
        for note_id, guid, model_id, tags, fields, mod in database.rows("notes", query):
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
                (order, decks.get(did, ("Default", ""))[0])
                for order, did in placed.get(note_id, ())
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
            used_decks[deck_of_note.get(note_id, 1)] += 1
            used_notetypes[model_id] += 1
            kind = notetype.name
            lost.count_fields(kind, field_names, values, {note.question, note.answer, note.analogy})
            if _CLOZE.search(note.question):
                if field_names != _CLOZE_FIELDS:  # deck2anki's own: nothing changes
                    lost.clozes[kind] += 1
            elif note_id in later_cards:
                lost.cards[kind] += losses.beyond(later_cards[note_id], note, field_names)
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
