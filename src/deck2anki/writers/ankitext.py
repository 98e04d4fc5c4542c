"""Anki's text format, as Anki's own "Notes in Plain Text" export writes it: the GUID, note
type and deck of every note in columns of their own, then all of its fields (every row as
wide as the widest note type), then its tags.

    #separator:tab
    #html:true
    #guid column:1
    #notetype column:2
    #deck column:3
    #tags column:9

Anki's *File > Import* takes it as it is: the GUID column makes it update the notes it
already has instead of adding copies, each row names its note type and deck (a text import
cannot create a note type: it must be in the collection, as deck2anki's is once any .apkg
it built was imported). A note type that is neither deck2anki's nor one of Anki's stock
ones gets a ``#deck2anki fields:`` line naming its fields (Anki ignores it), so that the file
reads back with them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from ..cards import cloze, notetype
from ..cards.notetype import note_fields
from ..cards.render import media_names
from ..errors import Report
from ..model import Deck, Location, NoteType
from ..readers.ankitext import FIELDS_KEY
from ..readers.ankitext_notes import own_kind
from ..readers.stock_notetypes import is_stock
from . import WriteOptions, clozes, each_note


def write(deck: Deck, options: WriteOptions, report: Report) -> bytes:
    """The deck as Anki's tab-separated text with headers; fields rendered to HTML."""
    media = media_names(deck)
    # The name deck2anki's notes had in the package they were read from (each project has
    # its own); not another note type's, which is the deck's when most of its notes are.
    named = " ".join(deck.notetype.split())
    own = named if own_kind(named) == "basic" else notetype.NAME
    own_cloze = cloze.identity(notetype.ID if own == notetype.NAME else 0, own)[1]
    rows: list[tuple[str, str, str, tuple[str, ...], str]] = []
    foreign: Counter[NoteType] = Counter()
    spread = 0  # notes whose cards are in more than one deck
    for note in each_note(deck, options):
        if note.notetype is not None:
            name, fields = note.notetype.name, note.fields
            foreign[note.notetype] += 1
        else:
            fields = note_fields(note, media)
            name = own_cloze if cloze.is_cloze_fields(fields) else own
        # Anki's text export gives a note one deck: its first card's.
        place = note.decks[0][1] if note.decks else deck.name
        spread += any(name != place for _, name in note.decks)
        rows.append((note.guid or "", name, place, fields, " ".join(note.tags)))
    width = max((len(row[3]) for row in rows), default=2)
    buffer = io.StringIO()
    buffer.write("#separator:tab\n#html:true\n")
    buffer.write(f"#guid column:1\n#notetype column:2\n#deck column:3\n#tags column:{width + 4}\n")
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    # A row whose first cell starts with "#" would read as a comment (Anki's GUIDs may):
    # quoted, it does not.
    quoted = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_ALL)
    for kind in sorted(foreign, key=lambda n: n.id):
        if not is_stock(kind):
            buffer.write(f"#{FIELDS_KEY}:")
            writer.writerow([kind.name, *kind.field_names])
    for guid, name, place, fields, tags in rows:
        padding = [""] * (width - len(fields))
        row = [guid, name, place, *fields, *padding, tags]
        (quoted if guid.startswith("#") else writer).writerow(row)
    _say_losses(deck, foreign, spread, options, report)
    clozes.say_unasked(deck, Location(options.target), report)
    return buffer.getvalue().encode("utf-8")


def _say_losses(
    deck: Deck, foreign: Counter[NoteType], spread: int, options: WriteOptions, report: Report
) -> None:
    where = Location(options.target)
    if spread:
        report.warning(
            where,
            f"{spread} {'note has' if spread == 1 else 'notes have'} cards in several decks;"
            " Anki's text format gives a note one deck: its first card's",
            "lossy-conversion",
            "convert to apkg or json to keep each card's deck",
        )
    if deck.media:
        report.warning(
            where,
            f"Anki's text import cannot carry media files: {len(deck.media)} dropped",
            "lossy-conversion",
            "convert to apkg to keep them",
        )
    described = [name for name, text in deck.tree if text] or (
        [deck.name] if deck.description else []
    )
    if described:
        report.warning(
            where,
            f"Anki's text format cannot hold deck descriptions: {len(described)} dropped"
            f" ({', '.join(described)})",
            "lossy-conversion",
            "convert to apkg or json to keep them",
        )
    for kind, count in sorted(foreign.items(), key=lambda item: item[0].name):
        if not is_stock(kind):
            report.warning(
                where,
                f"note type {kind.name!r}: its card templates and CSS have no place in Anki's"
                f" text format; its {count} {'note is' if count == 1 else 'notes are'} written"
                " with its fields only",
                "lossy-conversion",
                "import into a collection that has the note type, or convert to apkg or json",
            )
