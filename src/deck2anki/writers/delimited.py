"""Delimited text: CSV and TSV with a header row that ``readers.delimited`` maps back."""

from __future__ import annotations

import csv
import io

from ..cards.unrender import as_markdown, as_text
from ..errors import Report
from ..model import Deck, Location, Markup
from . import WriteOptions, each_note

HEADER = ("Question", "Answer", "Analogy", "Tags", "Deck", "GUID")


def write_csv(deck: Deck, options: WriteOptions, report: Report) -> bytes:
    """Comma-separated values, one note per row."""
    return _write(deck, options, report, ",", "CSV")


def write_tsv(deck: Deck, options: WriteOptions, report: Report) -> bytes:
    """Tab-separated values, one note per row."""
    return _write(deck, options, report, "\t", "TSV")


def _write(deck: Deck, options: WriteOptions, report: Report, delimiter: str, kind: str) -> bytes:
    rows = []
    formats = False
    for note in each_note(deck, options):
        # Plain text is what a spreadsheet holds; Markdown or HTML only when the note needs it.
        written = as_text(note) or as_markdown(note) or note
        formats = formats or written.markup is not Markup.TEXT
        rows.append(
            [
                written.question,
                written.answer,
                written.analogy,
                " ".join(note.tags),
                deck.name,
                note.guid or "",
                "" if written.markup is Markup.TEXT else written.markup.value,
                " ".join(sorted(note.cards)),
            ]
        )
    # Format and Cards columns only when some note needs them; Cards always last.
    cards = any(note.cards for note in deck.notes)
    header = [*HEADER, *(["Format"] if formats or cards else []), *(["Cards"] if cards else [])]
    buffer = io.StringIO()
    # Full quoting where needed keeps commas, quotes and line breaks inside fields.
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row[: len(header)])
    where = Location(options.target)
    if deck.media:
        report.warning(
            where,
            f"{kind} cannot hold media files: {len(deck.media)} dropped",
            "lossy-conversion",
            "convert to markdown, json or apkg to keep them",
        )
    if deck.description:
        report.warning(
            where,
            f"{kind} cannot hold the deck description: dropped",
            "lossy-conversion",
            "convert to markdown, json or apkg to keep it",
        )
    return buffer.getvalue().encode("utf-8")
