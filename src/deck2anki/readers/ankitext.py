"""Anki's text format: what "Notes in Plain Text" exports, headers first.

    #separator:tab
    #html:true
    #guid column:1
    #notetype column:2
    #deck column:3
    #tags column:6
    guid	notetype	deck	field 1	field 2	tags

Header lines are read as Anki reads them (rslib's ``import_export/text/csv/metadata.rs``):
the lines at the top that start with ``#`` (``#key:value``; one without a colon is a
comment), and a first line ``tags:...`` of older exports. They name the separator, whether
fields are HTML, which columns hold the GUID, note type, deck and tags, the note type and
deck of every row when no column does, tags for every note, and the columns' names. The
other columns are the note's fields, in order. ``readers.ankitext_notes`` makes notes of them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import Report
from ..model import Deck, Location
from . import ReadOptions
from .ankitext_notes import Row, read_rows

_SEPARATORS = {"tab": "\t", "pipe": "|", "semicolon": ";", "colon": ":", "comma": ",", "space": " "}
"""Anki's separators by name, in the order Anki tries them on a file that names none."""

FIELDS_KEY = "deck2anki fields"
"""A header deck2anki writes (Anki ignores keys it does not know): a note type's name and
its fields' names, for a note type whose fields the file would not name otherwise."""

_KNOWN = {
    "separator",
    "html",
    "tags",
    "columns",
    "notetype",
    "deck",
    "notetype column",
    "deck column",
    "tags column",
    "guid column",
    # How Anki's import matches existing notes: nothing a converted deck holds.
    "match scope",
    "if matches",
    FIELDS_KEY,
}
_MAX_FIELD = 10 * 1024 * 1024
MAX_TAGS = 1000
"""The most tags a file's head (``#tags:``) gives every note: Anki's exports name a few."""
# A line and its ending, as the csv module wants them; linear.
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
# Anki takes a file whose head does not say for HTML when a field of its first rows holds a
# tag; so does deck2anki.
_TAG = re.compile(r"<[A-Za-z/!][^<>]*>")


def looks_like(text: str) -> bool:
    """True when ``text`` opens with the headers Anki writes."""
    first = text.removeprefix("\ufeff").lstrip()[:200].lower()
    if first.startswith("tags:"):  # an older export's first line; headers follow
        first = first.partition("\n")[2]
    return first.startswith(
        ("#separator:", "#html:", "#notetype", "#deck", "#columns:", "#tags", "#guid column:")
    )


@dataclass
class Head:
    """What the header lines say."""

    values: dict[str, str] = field(default_factory=dict)
    """Each known key's value, as written (the last one wins, as in Anki)."""

    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Field names by note type, from deck2anki's own header."""

    lines: int = 0
    """How many lines the head takes."""

    line_of: dict[str, int] = field(default_factory=dict)
    """The line each known key's value is on, for messages about it."""

    tags_line: bool = False
    """The first line is an older export's ``tags:...``."""


def parse(text: str, path: str, report: Report, options: ReadOptions | None = None) -> Deck:
    """Read Anki's text export into a Deck; problems go to ``report``."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = _LINE.findall(text)
    head = _head(lines, path, report)
    delimiter = _delimiter(head, lines, path, report)
    labels = _split(head.values["columns"], delimiter) if "columns" in head.values else []
    rows = list(_rows(lines, head.lines, delimiter, path, report))
    columns = _columns(head, max((len(cells) for _, cells in rows), default=0), path, report)
    html = head.values.get("html", "").strip().lower()
    is_html = html == "true" if html in ("true", "false") else _guess_html(rows)
    meta = {what: index for what, index in columns.items() if index is not None}
    special = set(meta.values())
    data = [
        Row(
            Location(path, line, 1),
            cells,
            meta,
            [c for i, c in enumerate(cells) if i not in special] if special else cells,
        )
        for line, cells in rows
    ]
    keeping = options is not None and options.keeps_notetypes
    return read_rows(
        data,
        path=path,
        labels=labels,
        is_html=is_html,
        notetype=head.values.get("notetype", "").strip(),
        deck=head.values.get("deck", "").strip(),
        tags=_tags(head, path, report),
        named_fields=head.fields,
        keeping=keeping,
        to_text=options is not None and options.output == "anki-text",
        report=report,
    )


def _head(lines: list[str], path: str, report: Report) -> Head:
    head = Head()
    for number, line in enumerate(lines, start=1):
        line = line.removesuffix("\n")
        if number == 1 and line.startswith("tags:"):
            head.values["tags"] = line.removeprefix("tags:")
            head.line_of["tags"] = number
            head.tags_line = True
        elif not line.startswith("#"):
            break
        elif ":" in line:
            key, _, value = line[1:].partition(":")
            key = key.strip().lower()
            if key == FIELDS_KEY:
                names = _split(value, "\t")
                if names:
                    head.fields[names[0]] = tuple(names[1:])
            elif key in _KNOWN:
                head.values[key] = value
                head.line_of[key] = number
            else:
                report.warning(
                    Location(path, number, 1),
                    f"header {line[: line.index(':') + 1]!r} is not one Anki writes; ignored",
                    "unknown-column",
                    "Anki's headers: #separator:, #html:, #tags:, #columns:, #notetype:,"
                    " #deck:, #notetype column:, #deck column:, #tags column:, #guid column:",
                )
        head.lines = number
    return head


def _delimiter(head: Head, lines: list[str], path: str, report: Report) -> str:
    """The separator the head names (by name or as the character), else the first of
    Anki's that the file's first 8 KiB after the head hold, as Anki decides."""
    value = head.values.get("separator")
    if value is not None:
        name = value.strip().lower()
        if name in _SEPARATORS:
            return _SEPARATORS[name]
        if value in _SEPARATORS.values():
            return value
        report.warning(
            Location(path, 1, 1),
            f"separator {value!r} is not one Anki knows; guessed from the rows as Anki does",
            "format-guess",
            "name it: tab, comma, semicolon, colon, pipe or space",
        )
    body = "".join(lines[head.lines : head.lines + 200])[:8192]
    return next((char for char in _SEPARATORS.values() if char in body), " ")


def _columns(head: Head, width: int, path: str, report: Report) -> dict[str, int | None]:
    """The column (0-based) that holds each of the GUID, note type, deck and tags, as the
    head numbers them from 1; a number that names no column of the rows is said."""
    columns: dict[str, int | None] = {}
    for what in ("guid", "notetype", "deck", "tags"):
        key = f"{what} column"
        value = head.values.get(key, "").strip()
        # Past the widest row's count its digits are never made a number (10**6 digits).
        number = int(value) if value.isdigit() and len(value) <= len(str(width)) else 0
        columns[what] = number - 1 if 0 < number <= width else None
        if key in head.values and columns[what] is None and width:
            # Anki ignores such a column, but a note type's: then it imports no note at all.
            said, then = (
                (report.error, "Anki imports no note of this file")
                if what == "notetype"
                else (report.warning, "ignored")
            )
            said(
                Location(path, head.line_of[key], 1),
                f"header '#{key}:{value[:20]}' names no column of the rows, which have at"
                f" most {width}; {then}",
                "bad-csv",
                "number the columns from 1, as Anki does",
            )
    return columns


def _tags(head: Head, path: str, report: Report) -> tuple[str, ...]:
    """The tags the head gives every note, each once: at most ``MAX_TAGS``, since every note
    holds them all (a header of a million tags on each of a file's rows is no deck)."""
    tags = tuple(dict.fromkeys(head.values.get("tags", "").split()))
    if len(tags) > MAX_TAGS:
        report.error(
            Location(path, head.line_of["tags"], 1),
            f"the header gives every note {len(tags):,} tags, more than the {MAX_TAGS:,}"
            " deck2anki takes",
            "bad-csv",
            "give each note its own tags in a tags column (#tags column:)",
        )
        return tags[:MAX_TAGS]
    return tags


def _split(value: str, delimiter: str) -> list[str]:
    return next(csv.reader([value.removesuffix("\n")], delimiter=delimiter), [])


def _guess_html(rows: list[tuple[int, list[str]]]) -> bool:
    return any(_TAG.search(cell) for _, cells in rows[:5] for cell in cells)


def _rows(
    lines: list[str], start: int, delimiter: str, path: str, report: Report
) -> Iterator[tuple[int, list[str]]]:
    """Each row after the head with the line it starts on. As in Anki's reader, a line that
    starts with ``#`` where a row would start is a comment, and a blank line no row."""
    csv.field_size_limit(_MAX_FIELD)
    at_start = True
    first = start + 1  # the line the row being read starts on
    number = start

    def body() -> Iterator[str]:
        nonlocal number, first, at_start
        for line in lines[start:]:
            number += 1
            if at_start:
                if line.startswith("#"):
                    continue
                first = number
                at_start = False
            yield line

    reader = csv.reader(body(), delimiter=delimiter)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            report.error(
                Location(path, first, 1),
                f"not valid text export: {error}",
                "bad-csv",
                "check the quoting on this line",
            )
            return
        at_start = True
        if any(cell.strip() for cell in cells):
            yield first, cells
