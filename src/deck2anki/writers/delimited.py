"""Delimited text: CSV and TSV with a header row that ``readers.delimited`` maps back."""

from __future__ import annotations

import csv
import io

from ..errors import Report
from ..model import Deck, Location
from ..unrender import as_source
from . import WriteOptions

HEADER = ("Question", "Answer", "Analogy", "Tags", "Deck", "GUID")


def write_csv(deck: Deck, options: WriteOptions, report: Report) -> bytes:
    """Comma-separated values, one note per row."""
    return _write(deck, options, report, ",", "CSV")


def write_tsv(deck: Deck, options: WriteOptions, report: Report) -> bytes:
    """Tab-separated values, one note per row."""
    return _write(deck, options, report, "\t", "TSV")


def _write(deck: Deck, options: WriteOptions, report: Report, delimiter: str, kind: str) -> bytes:
    rows = []
    html_rows = False
    for note in deck.notes:
        source = as_source(note)
        written = source if source is not None else note
        html_rows = html_rows or written.is_html
        rows.append(
            [
                written.question,
                written.answer,
                written.analogy,
                " ".join(note.tags),
                deck.name,
                note.guid or "",
                "html" if written.is_html else "",
            ]
        )
    header = [*HEADER, "Format"] if html_rows else list(HEADER)
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
