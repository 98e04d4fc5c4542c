"""Anki's own text format: what "Notes in Plain Text" exports, headers first.

    #separator:tab
    #html:true
    #deck column:2
    #guid column:1
    guid	deck	question	answer	tags

Header lines (``#key:value``) name the separator, whether fields are HTML, and which columns
hold the GUID, deck, note type and tags; the other columns are fields, in order.
"""

from __future__ import annotations

import csv
import io
import re

from ..errors import Report
from ..model import Deck, Location, Markup, Note, is_cloze
from . import ReadOptions
from .delimited import COLUMNS

_HEADER = re.compile(r"#([A-Za-z ]+):(.*)")
_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "colon": ":", "pipe": "|", "space": " "}
_ANALOGY_NAMES = ("analogy", "extra", "back extra")


def looks_like(text: str) -> bool:
    """True when ``text`` opens with the headers Anki writes."""
    first = text.removeprefix("\ufeff").lstrip()[:40].lower()
    return first.startswith(("#separator:", "#html:", "#notetype", "#deck", "#columns:", "#tags"))


def parse(text: str, path: str, report: Report, options: ReadOptions | None = None) -> Deck:
    """Read Anki's text export into a Deck; problems go to ``report``."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headers: dict[str, str] = {}
    count = 0
    for line in lines:
        match = _HEADER.fullmatch(line.strip())
        if not match:
            break
        headers[match.group(1).strip().lower()] = match.group(2).strip()
        count += 1
    separator = headers.get("separator", "tab")
    delimiter = _SEPARATORS.get(separator.lower(), separator[:1] or "\t")
    is_html = headers.get("html", "false").lower() == "true"
    meta = {
        key.removesuffix(" column"): _column(value)
        for key, value in headers.items()
        if key.endswith(" column")
    }
    names = _split(headers["columns"], delimiter) if "columns" in headers else []
    reader = csv.reader(io.StringIO("\n".join(lines[count:]), newline=""), delimiter=delimiter)
    global_tags = headers.get("tags", "").split()
    notes: list[Note] = []
    decks: dict[str, int] = {}
    start = count + 1
    try:
        for row in reader:
            location = Location(path, start, 1)
            start = count + reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            note = _note(row, meta, names, is_html, global_tags, location, report)
            if note is not None:
                notes.append(note)
            deck_column = meta.get("deck")
            if deck_column is not None and deck_column < len(row) and row[deck_column].strip():
                decks.setdefault(row[deck_column].strip(), location.line or 0)
    except csv.Error as error:
        report.error(Location(path, start, 1), f"not valid text export: {error}", "bad-csv")
    name = headers.get("deck", "")
    if len(decks) > 1:
        # Anki's export of a whole collection names every deck: read, not refused (issue 16).
        report.warning(
            Location(path, list(decks.values())[1], 1),
            f"notes of {len(decks)} decks are read as one deck: {', '.join(sorted(decks))}",
            "lossy-conversion",
            "export one deck at a time from Anki",
        )
    if not notes and not report.has_errors:
        report.error(Location(path, 1, 1), "no cards found", "no-cards")
    return Deck(name=name or next(iter(decks), ""), notes=tuple(notes))


def _column(value: str) -> int | None:
    return int(value) - 1 if value.isdigit() and int(value) > 0 else None


def _split(value: str, delimiter: str) -> list[str]:
    return next(csv.reader([value], delimiter=delimiter), [])


def _note(
    row: list[str],
    meta: dict[str, int | None],
    names: list[str],
    is_html: bool,
    global_tags: list[str],
    location: Location,
    report: Report,
) -> Note | None:
    special = {index for index in meta.values() if index is not None}
    cells = [(index, value) for index, value in enumerate(row) if index not in special]
    by_name = {names[index].strip().lower(): value for index, value in cells if index < len(names)}

    def named(field: str, extra: tuple[str, ...] = ()) -> str | None:
        return next((by_name[n] for n in (*COLUMNS.get(field, ()), *extra) if n in by_name), None)

    question = named("question", ("front", "text"))
    answer = named("answer", ("back",))
    analogy = next((by_name[n] for n in _ANALOGY_NAMES if n in by_name), None)
    values = [value for _, value in cells]
    question = question if question is not None else (values[0] if values else "")
    answer = answer if answer is not None else (values[1] if len(values) > 1 else "")
    analogy = analogy if analogy is not None else ""
    if not question.strip() or (not answer.strip() and not is_cloze(question)):
        report.error(location, "row without a question or an answer", "empty-field")
        return None
    guid_column, tags_column = meta.get("guid"), meta.get("tags")
    guid = row[guid_column].strip() if guid_column is not None and guid_column < len(row) else ""
    tags = row[tags_column].split() if tags_column is not None and tags_column < len(row) else []
    return Note(
        question=question,
        answer=answer,
        analogy=analogy,
        tags=tuple(dict.fromkeys([*global_tags, *tags])),
        guid=guid or None,
        markup=Markup.HTML if is_html else Markup.TEXT,
        location=location,
        cards=frozenset(
            card
            for column, card in (("add reverse", "Reverse"), ("add type-in", "Type-in"))
            if by_name.get(column, "").strip()
        ),
    )
