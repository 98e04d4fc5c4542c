"""Anki packages (.apkg): genanki writes the collection, we make the package around it.

genanki's own ``write_to_file`` stamps the zip entries with the time of writing, gives every
note the same ``mod`` and leaves its temporary SQLite file behind (ANKI-FACTS 3 and 8). So we
let it fill an in-memory database, set each note's ``mod`` and the note type's ourselves, and
zip the result with fixed entry metadata: the same notes and times give the same bytes.
"""

from __future__ import annotations

import errno
import html
import io
import itertools
import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

from ..cards import cloze, notetype
from ..cards.notetype import card_ords, card_templates, note_fields
from ..cards.render import media_names
from ..errors import Report
from ..identity.guids import deck_id, stable_id
from ..model import Deck, Location, Markup, Media, Note, NoteType
from ..readers.apkg import MAX_CARDS
from . import WriteOptions, clozes, each_note, foreign
from .packing import write_zip

_PAGE_SIZE = 16384


class PackageNote(NamedTuple):
    """One note as it goes into a package: fields already HTML, identity and time settled.

    A named tuple, not a dataclass: one is made for every note, at a third of the cost.
    """

    guid: str
    """The note's GUID."""

    fields: tuple[str, ...]
    """Field values, one per field of the note type, in order."""

    tags: tuple[str, ...]
    """The note's tags."""

    mod: int
    """The note's modification time, seconds since the epoch."""

    cards: tuple[int, ...] | None = None
    """The ords of the card templates that make a card of it (``card_ords``); None: worked
    out from the fields when the package is written."""

    notetype: int | None = None
    """The id of its note type when that is not deck2anki's (one of ``PackageOptions``'s
    ``notetypes``); None: deck2anki's own."""

    decks: tuple[str, ...] = ()
    """The deck of each of its ``cards``, by name; (): the package's deck."""


@dataclass(frozen=True, slots=True)
class PackageOptions:
    """What an .apkg needs beyond the deck itself."""

    timestamp: int
    """The time recorded where no other is known: new notes, the note type by default."""

    notetype_id: int = notetype.ID
    """The note type's id (a new schema version has a new one)."""

    notetype_name: str = notetype.NAME
    """The note type's name."""

    notetype_mod: int | None = None
    """The note type's modification time; None means ``timestamp``."""

    style: notetype.Style = notetype.STOCK
    """The project's own look, on top of deck2anki's."""

    cloze_mod: int | None = None
    """The cloze note type's modification time, if the package has cloze notes; None means
    ``timestamp``. Its id and name come from the note type's (``cloze.identity``)."""

    @property
    def cloze(self) -> tuple[int, str]:
        """The id and name of the cloze note type beside this package's note type."""
        return cloze.identity(self.notetype_id, self.notetype_name)

    notetypes: tuple[NoteType, ...] = ()
    """Note types other than deck2anki's that notes have, written as they are."""

    tree: tuple[tuple[str, str], ...] = ()
    """Decks the cards are in beside the package's deck: (name, description as HTML)."""


def package_notes(
    deck: Deck,
    mod: int,
    *,
    reverse: bool = False,
    type_in: bool = False,
    code: bool = True,
    each: Iterable[Note] | None = None,
) -> list[PackageNote]:
    """The deck's notes rendered for a package, all with modification time ``mod``.

    ``reverse`` and ``type_in`` fill the switch fields that give every note those cards;
    ``code`` shows the code plain text names as code. ``each`` goes over the notes (one that
    reports progress); by default, the deck's notes.
    """
    media = media_names(deck)
    notes = []
    for note in deck.notes if each is None else each:
        if note.guid is None:
            raise ValueError("a package needs notes with GUIDs; identify the deck first")
        fields = note_fields(note, media, reverse=reverse, type_in=type_in, code=code)
        notes.append(PackageNote(note.guid, fields, note.tags, mod))
    return notes


def write_package(
    name: str,
    description: str,
    notes: Sequence[PackageNote],
    options: PackageOptions,
    media: Sequence[Media] = (),
) -> bytes:
    """The .apkg bytes of a deck called ``name`` holding ``notes`` and ``media``."""
    buffer = io.BytesIO()
    write_package_to(buffer, name, description, notes, options, media)
    return buffer.getvalue()


def write_package_to(
    target: IO[bytes],
    name: str,
    description: str,
    notes: Sequence[PackageNote],
    options: PackageOptions,
    media: Sequence[Media] = (),
    rows_written: Callable[[], None] | None = None,
    removed: Sequence[PackageNote] = (),
    removed_deck: str = "",
) -> None:
    """Write to ``target`` the .apkg of a deck called ``name`` holding ``notes`` and ``media``;
    ``rows_written`` is called once the notes are in (what is left runs in C: SQLite builds
    the indexes, zlib deflates, and Python's lock is free for other work); ``notes`` and
    ``removed`` are not read after it, so the caller may empty them then. ``removed`` are
    notes removed from the source and still carried, their cards in the subdeck
    ``removed_deck`` (with a description that says so); none: the package has no subdeck.

    genanki writes the collection: its schema, our note type and the deck. The note and card
    rows we insert in bulk, with the values genanki's own ``Note.write_to_db`` gives them
    (its per-note path re-validates every field and runs two statements a note); the test
    suite imports both into Anki and compares what Anki sees.
    """
    import genanki

    model = notetype.genanki_model(options.notetype_id, options.notetype_name, options.style)
    package_deck = genanki.Deck(deck_id(name), name, html.escape(description))
    package_deck.add_model(model)
    # The cloze note type only in a package with cloze notes: one without stays as it was.
    with_cloze = any(cloze.is_cloze_fields(n.fields) for n in itertools.chain(notes, removed))
    if with_cloze:
        package_deck.add_model(notetype.genanki_cloze_model(*options.cloze, options.style))
    decks = [package_deck]
    if removed:
        decks.append(genanki.Deck(deck_id(removed_deck), removed_deck, html.escape(REMOVED_NOTE)))
    with tempfile.TemporaryDirectory(prefix="deck2anki-") as folder:
        # On disk, not in memory: a 100,000-note collection is about 100 MB of SQLite.
        database = Path(folder) / "collection.anki2"
        connection = sqlite3.connect(database)
        try:
            ids = itertools.count(options.timestamp * 1000)
            # A scratch file: nothing needs to survive a crash, so SQLite need not journal or
            # wait for the disk. Pages of 16 KiB (SQLite's default is 4): a fifth less time
            # inserting 100,000 notes, and a smaller file; every SQLite since 2010 reads them.
            connection.execute(f"PRAGMA page_size = {_PAGE_SIZE}")
            connection.execute("PRAGMA journal_mode = OFF")
            connection.execute("PRAGMA synchronous = OFF")
            genanki.Package(decks).write_to_db(connection.cursor(), options.timestamp, ids)
            indexes = _drop_indexes(connection)
            every = [*notes, *removed] if removed else notes
            carried = (len(notes), decks[-1].deck_id)
            own = any(note.notetype is None for note in every)
            _insert_notes(connection, every, options, package_deck.deck_id, ids, carried)
            del every  # the notes are not read again: the caller may let them go now
            if rows_written is not None:
                rows_written()
            # Built once over all rows: faster than keeping them current row by row.
            for statement in indexes:
                connection.execute(statement)
            _settle_notetype(connection, options, with_cloze)
            if options.notetypes or options.tree:
                foreign.add(connection, options.notetypes, options.tree, own, options.notetype_id)
            connection.commit()
        except sqlite3.Error as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_FULL:
                raise
            # An OSError, so that the caller says which package could not be written.
            raise OSError(
                errno.ENOSPC,
                f"no room for the collection in the temporary folder {tempfile.gettempdir()};"
                " free some space there, or point TMPDIR at a folder with more",
            ) from None
        finally:
            connection.close()
        files = sorted(media, key=lambda item: item.name)
        # Anki's legacy layout: media files as "0", "1", ... and a JSON map to their names.
        media_map = {str(index): item.name for index, item in enumerate(files)}
        others = [("media", json.dumps(media_map, ensure_ascii=False).encode())]
        others += [(str(index), item.data) for index, item in enumerate(files)]
        with database.open("rb") as stream:
            write_zip(target, stream, "collection.anki2", others)


REMOVED_NOTE = (
    "Notes removed from this deck's source, still carried so that students who have them can"
    " find them: search tag:deck2anki::removed. If you are new to the deck, delete this deck"
    " (its cards go with it): you need not study them."
)
"""The description of the subdeck that holds the removed notes a package carries."""


def _insert_notes(
    connection: sqlite3.Connection,
    notes: Sequence[PackageNote],
    options: PackageOptions,
    deck: int,
    ids: Iterator[int],
    carried: tuple[int, int] = (-1, 0),
) -> None:
    """Insert the rows of ``notes`` and their cards into deck ``deck``; ``carried`` is
    (index, deck): the cards of the notes from that index on go into that deck."""
    model = notetype.genanki_model(options.notetype_id, options.notetype_name, options.style)
    templates = card_templates(model)
    first = next(ids)
    cloze_id = options.cloze[0]

    own, size = options.notetype_id, len(cloze.FIELDS)  # a cloze note has as many fields
    carried_from, carried_deck = carried

    def numbered() -> Iterator[tuple[PackageNote, int, tuple[int, ...]]]:
        """Each note, its id and its cards' ords, numbered as genanki numbers them: a note,
        then its cards. Twice over, rather than 100,000 card rows kept for the second table."""
        note_id = first
        for note in notes:
            ords = card_ords(note.fields, templates) if note.cards is None else note.cards
            yield note, note_id, ords
            note_id += 1 + len(ords)

    def note_rows() -> Iterator[tuple[object, ...]]:
        # Columns: id guid mid mod usn tags flds sfld (then csum flags data: 0, 0, "").
        for note, note_id, _ in numbered():
            fields = note.fields
            kind = (
                note.notetype
                if note.notetype is not None
                else cloze_id
                if len(fields) == size  # ``cloze.is_cloze_fields``
                else own
            )
            tags = " " + " ".join(note.tags) + " "
            yield (note_id, note.guid, kind, note.mod, -1, tags, "\x1f".join(fields), fields[0])

    def card_rows() -> Iterator[tuple[int, int, int, int]]:
        # Columns: id nid did ord (then mod usn type queue due ivl factor reps lapses left
        # odue odid flags data: a new card, as genanki writes it).
        into = deck
        for index, (note, note_id, ords) in enumerate(numbered()):
            if index == carried_from:  # the carried notes' cards, from there on
                into = carried_deck
            if not note.decks:
                for n, o in enumerate(ords, 1):
                    yield note_id + n, note_id, into, o
                continue
            for n, o in enumerate(ords, 1):
                to = deck_id(note.decks[n - 1]) if len(note.decks) >= n else into
                yield note_id + n, note_id, to, o

    connection.executemany(
        "INSERT INTO notes VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '')", note_rows()
    )
    constants = f"{int(options.timestamp)}, -1, {', '.join('0' * 11)}, ''"
    connection.executemany(f"INSERT INTO cards VALUES (?, ?, ?, ?, {constants})", card_rows())


def _drop_indexes(connection: sqlite3.Connection) -> list[str]:
    """Drop the indexes of the notes and cards tables; the statements that make them again."""
    rows = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('notes', 'cards') ORDER BY name"
    ).fetchall()
    for name, _ in rows:
        connection.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


def _settle_notetype(
    connection: sqlite3.Connection, options: PackageOptions, with_cloze: bool = False
) -> None:
    """Give the note type (and the cloze one, ``with_cloze``) its own ``mod`` and stable field
    and template ids.

    genanki stamps the note type with the build's time, which would re-apply the templates on
    every import; Anki (2.1.67+) compares field and template ids when both sides have them,
    so fixed ids keep later versions of our note type matching the one students have.
    """
    (models_json,) = connection.execute("SELECT models FROM col").fetchone()
    models = json.loads(models_json)
    model = models[str(options.notetype_id)]
    model["mod"] = options.timestamp if options.notetype_mod is None else options.notetype_mod
    for named in model["flds"]:
        named["id"] = stable_id("field", named["name"])
    for template in model["tmpls"]:
        template["id"] = stable_id("template", template["name"])
    if with_cloze:
        model = models[str(options.cloze[0])]
        model["mod"] = options.timestamp if options.cloze_mod is None else options.cloze_mod
        for named in model["flds"]:
            named["id"] = stable_id("cloze field", named["name"])
        for template in model["tmpls"]:
            template["id"] = stable_id("cloze template", template["name"])
    connection.execute("UPDATE col SET models = ?", (json.dumps(models, sort_keys=True),))


def write(deck: Deck, options: WriteOptions, report: Report) -> bytes:
    """The registry's writer: the deck as an .apkg. A note keeps the time it came with (else
    it gets ``options.timestamp``), its note type and the decks of its cards."""
    notes = package_notes(deck, options.timestamp, each=each_note(deck, options))
    notes = [foreign.placed(note, n) for note, n in zip(notes, deck.notes, strict=True)]
    # HTML passed through as written names its images as the source does (a path, maybe
    # percent-encoded): the package holds them under their flat names.
    renamed = {ref: name for ref, name in media_names(deck).items() if ref != name}
    if renamed:
        notes = [
            note._replace(fields=foreign.media_named(note.fields, renamed))
            if n.notetype is not None or n.markup is Markup.HTML
            else note
            for note, n in zip(notes, deck.notes, strict=True)
        ]
    tree = foreign.full_tree(deck.tree, {name for note in notes for name in note.decks})
    settings = PackageOptions(options.timestamp, notetypes=deck.notetypes, tree=tree)
    clash = foreign.clashes(notes, deck.notetypes, settings.notetype_id, settings.cloze[0])
    if clash is not None:
        cloze_note = cloze.is_cloze_fields(notes[clash].fields)
        ours = settings.cloze[0] if cloze_note else settings.notetype_id
        theirs = next(n for n in deck.notetypes if n.id == ours)
        report.error(
            deck.notes[clash].location or Location(deck.name),
            f"note type {theirs.name!r} has the id {theirs.id} of deck2anki's own, with other"
            " fields (changed in Anki), and the deck also holds notes of deck2anki's own note"
            " type: one package cannot hold both under one id",
            "notetype-clash",
            "convert the notes of each note type to a package of their own",
        )
    # Bounded before any is written: a note type of many templates makes that many cards of
    # every note. (A note of deck2anki's own counts one: it has a few at most.)
    cards = sum(len(note.cards) if note.cards is not None else 1 for note in notes)
    if cards > MAX_CARDS:
        report.error(
            deck.notes[0].location or Location(deck.name),
            f"the deck makes {cards:,} cards, more than the {MAX_CARDS:,} deck2anki writes"
            " to one package",
            "package-too-large",
            "split the deck, or give its note types fewer card templates",
        )
    report.raise_if_errors()
    clozes.say_unasked(deck, Location(options.target), report)
    return write_package(deck.name, deck.description, notes, settings, deck.media)
