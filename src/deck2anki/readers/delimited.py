"""Delimited text: CSV, TSV (CSV with tabs) and Quizlet's export (separators without quoting).

With a header row, columns map to fields by name, case-insensitively; without one, the first
two columns are the question and the answer.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from operator import itemgetter

from ..errors import Report, UsageError
from ..model import EMPTY_DECK_PART_HINT, Deck, Location, Markup, Note, empty_deck_part, is_cloze
from . import ReadOptions

COLUMNS: dict[str, tuple[str, ...]] = {
    "question": ("question", "front", "term"),
    "answer": ("answer", "back", "definition"),
    "analogy": ("analogy",),
    "tags": ("tags",),
    "deck": ("deck",),
    "guid": ("guid", "id"),
    "format": ("format",),
    "cards": ("cards",),
}
"""Header names each field is known by, lower case."""

SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "newline": "\n"}
"""Names for separators, as Quizlet's export dialog offers them."""

_MAX_FIELD = 10 * 1024 * 1024

# A line and its ending, as io.StringIO(text, newline="") splits them: at \r\n, \r or \n.
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


_NO_CARDS: frozenset[str] = frozenset()
"""One empty set for every row without a Cards cell: each new one costs 216 bytes."""


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` for csv.reader, one at a time. Not io.StringIO: it copies the
    whole text at four bytes a character (a 49 MB CSV file of 100,000 notes took 197 MB more
    at its peak, issue 17)."""
    return (line.group() for line in _LINE.finditer(text))


def separator(value: str) -> str:
    """A separator given by name (``tab``, ``comma``, ...) or as the string itself, where
    backslash escapes (``\\t``, ``\\n``) may stand for characters a shell makes awkward."""
    if value.lower() in SEPARATORS:
        return SEPARATORS[value.lower()]
    if "\\" not in value:
        return value
    try:
        return value.encode("ascii", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        raise UsageError(
            f"separator {value!r} has a broken backslash escape; write it as"
            " tab, comma, semicolon, newline or the characters themselves"
        ) from None


def parse_csv(text: str, path: str, report: Report, options: ReadOptions | None = None) -> Deck:
    """Read comma-separated values."""
    return _parse(_csv_rows(text, ",", path, report), path, report)


def parse_tsv(text: str, path: str, report: Report, options: ReadOptions | None = None) -> Deck:
    """Read tab-separated values: CSV with another delimiter."""
    return _parse(_csv_rows(text, "\t", path, report), path, report)


def parse_quizlet(text: str, path: str, report: Report, options: ReadOptions | None = None) -> Deck:
    """Read Quizlet's export: term, separator, definition; cards split by another separator."""
    options = options or ReadOptions()
    field_sep = separator(options.field_sep or "tab")
    card_sep = separator(options.card_sep or "newline")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    rows: list[tuple[int, list[str]]] = []
    line = 1
    for card in text.split(card_sep):
        if card.strip():
            # The term is short and has no separator; the definition may contain it.
            term, sep, definition = card.partition(field_sep)
            rows.append((line + _leading_newlines(card), [term, definition] if sep else [term]))
        line += card.count("\n") + card_sep.count("\n")
    return _parse(iter(rows), path, report, header=False)


def _leading_newlines(text: str) -> int:
    return len(text) - len(text.lstrip("\n"))


def _csv_rows(
    text: str, delimiter: str, path: str, report: Report
) -> Iterator[tuple[int, list[str]]]:
    """Rows with the line each starts on; real CSV quoting keeps multi-line fields."""
    csv.field_size_limit(_MAX_FIELD)
    reader = csv.reader(_lines(text.removeprefix("\ufeff")), delimiter=delimiter)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            report.error(
                Location(path, reader.line_num or start, 1),
                f"not valid CSV: {error}",
                "bad-csv",
                "check the quoting on this line",
            )
            return
        yield start, row
        start = reader.line_num + 1


def _markup(value: str) -> Markup:
    """A row's Format cell: empty (plain text, what spreadsheets hold), markdown or html."""
    value = value.strip().lower()
    return Markup(value) if value in ("markdown", "html") else Markup.TEXT


def looks_like_csv(text: str) -> bool:
    """Whether ``text`` starts as CSV with a header: a first row naming a question and an
    answer column (``Front,Back``), and a second row of as many cells. Without a header, CSV
    cannot be told from lecture text by its content (whose first line may have commas)."""
    if "," not in text.partition("\n")[0]:
        return False
    rows = csv.reader(_lines(text.removeprefix("\ufeff")))
    try:
        first, second = next(rows), next(rows)
    except (StopIteration, csv.Error):
        return False
    return _header(first) is not None and len(second) == len(first)


def _header(row: list[str]) -> dict[str, int] | None:
    """Column index per field if ``row`` is a header naming at least a question and an answer."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        name = cell.strip().lower()
        for field, names in COLUMNS.items():
            if name in names and field not in found:
                found[field] = index
    return found if {"question", "answer"} <= set(found) else None


_FIELDS = tuple(COLUMNS)
"""The fields a row's cells go to, in the order ``_places`` gives their columns."""


def _places(columns: dict[str, int]) -> tuple[Callable[[list[str]], tuple[str, ...]], int]:
    """What takes the cell of each of ``_FIELDS`` from a row, and how many cells it needs.

    The row is first padded with "" to that many, and one "" more, which a field without a
    column takes (as index -1): one C call a row, not a lookup per field."""
    places = [columns.get(field, -1) for field in _FIELDS]
    return itemgetter(*places), max(places) + 1


def _parse(
    rows: Iterator[tuple[int, list[str]]], path: str, report: Report, header: bool = True
) -> Deck:
    columns: dict[str, int] | None = None
    notes: list[Note] = []
    decks: dict[str, int] = {}
    ignored = False
    # Each field's column, worked out when the header is read, not for every row: -1 for a
    # field without a column (its cell reads as "").
    pick, need = _places({"question": 0, "answer": 1})
    for line, row in rows:
        if not "".join(row).strip():  # no cell with anything in it (one call, not a cell each)
            continue
        if header and columns is None and not notes:
            columns = _header(row)
            if columns is not None:
                pick, need = _places(columns)
                unknown = [c for i, c in enumerate(row) if i not in columns.values() and c.strip()]
                if unknown:
                    report.warning(
                        Location(path, line, 1),
                        f"columns ignored: {', '.join(unknown)}",
                        "unknown-column",
                        "known: " + ", ".join(COLUMNS),
                    )
                continue
        if columns is None and len(row) > 2 and any(c.strip() for c in row[2:]) and not ignored:
            report.warning(
                Location(path, line, 1),
                "columns after the second are ignored",
                "unknown-column",
                "add a header row to name them",
            )
            ignored = True
        if len(row) < need:
            row += [""] * (need - len(row))
        row.append("")
        q, a, an, tg, dk, gu, fm, cd = pick(row)
        location = Location(path, line, 1)
        question, answer = q.strip(), a.strip()
        if not question or (not answer and not is_cloze(question)):
            what = "question" if not question else "answer"
            report.error(
                location,
                f"row without {'a' if what == 'question' else 'an'} {what}",
                f"empty-{what}",
                "every row needs a question and an answer",
            )
            continue
        cards = cd.split() if cd else None
        deck = dk.strip() if dk else ""
        if deck:
            decks.setdefault(deck, line)
        notes.append(
            Note(
                question,
                answer,
                an.strip() if an else "",
                tuple(tg.split()) if tg else (),
                (gu.strip() or None) if gu else None,
                _markup(fm) if fm else Markup.TEXT,
                location,
                frozenset(cards) if cards else _NO_CARDS,
            )
        )
    if len(decks) > 1:
        (first, _), (second, line) = list(decks.items())[:2]
        report.error(
            Location(path, line, 1),
            f"rows name several decks ({first!r}, {second!r})",
            "several-decks",
            "split the file into one file per deck",
        )
    if not notes and not report.has_errors:
        report.error(
            Location(path, 1, 1),
            "no cards found",
            "no-cards",
            "write one card per row: question, then answer",
        )
    name = next(iter(decks), "")
    if problem := empty_deck_part(name) if name else "":
        # Said at its row; the deck is then named after the file, so it is said once.
        report.error(Location(path, decks[name], 1), problem, "bad-deck-name", EMPTY_DECK_PART_HINT)
        name = ""
    return Deck(name=name, notes=tuple(notes))
