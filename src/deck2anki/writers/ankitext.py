"""Anki's text format, ready for File > Import over a deck built from the same source.

The GUID column makes Anki update the notes it already has instead of adding copies; the
note type must already be in the collection (a text import cannot create one), which it is
once any .apkg deck2anki built was imported.
"""

from __future__ import annotations

import csv
import io

from ..cards import notetype
from ..cards.render import media_names, render_note
from ..errors import Report
from ..model import Deck, Location
from . import WriteOptions, each_note

COLUMNS = ("GUID", "Deck", *notetype.FIELDS, "Tags")


def write(deck: Deck, options: WriteOptions, report: Report) -> bytes:
    """The deck as Anki's tab-separated text with headers; fields rendered to HTML."""
    buffer = io.StringIO()
    buffer.write("#separator:tab\n#html:true\n")
    # The note type the notes have in students' collections: the project's own, when the
    # deck was read from its package.
    buffer.write(f"#notetype:{' '.join(deck.notetype.split()) or notetype.NAME}\n")
    buffer.write("#guid column:1\n#deck column:2\n")
    buffer.write(f"#tags column:{len(COLUMNS)}\n")
    buffer.write("#columns:" + "\t".join(COLUMNS) + "\n")
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    media = media_names(deck)
    for note in each_note(deck, options):
        fields = render_note(note, media)
        switches = [notetype.SWITCH_ON if c in note.cards else "" for c in ("Reverse", "Type-in")]
        writer.writerow(
            [
                note.guid or "",
                deck.name,
                fields.question,
                fields.answer,
                fields.analogy,
                *switches,
                " ".join(note.tags),
            ]
        )
    if deck.media:
        report.warning(
            Location(options.target),
            f"Anki's text import cannot carry media files: {len(deck.media)} dropped",
            "lossy-conversion",
            "convert to apkg to keep them",
        )
    return buffer.getvalue().encode("utf-8")
