"""Reading the SQLite collection inside an Anki package without trusting it.

A package is someone else's file. Its collection may hold a view that never ends, a computed
column that builds a gigabyte per row, values of any type and size, and JSON of any shape or
depth. So a collection is read only through ``Collection``: plain tables only, on a connection
with a step budget and a value-size limit SQLite enforces as it reads (before a value is in
memory), and every value the reader uses is checked for its type first. What is wrong is a
``Damaged`` error naming the table and row, or the JSON entry.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAX_VALUE_BYTES = 16 * 1024**2
"""The largest single value deck2anki reads from a collection (a note's fields, the note types'
JSON). Anki's largest are the legacy ``col.models`` JSON (tens of KB a note type) and fields
with inline images (rarely above 1 MB); 16 MiB holds hundreds of note types, yet a 200 MB field
is refused as SQLite reaches it, not after it is copied into Python."""

MAX_NOTES = 500_000
"""The most notes deck2anki reads from one package. The largest shared decks (whole
dictionaries) hold about 120,000; each note costs about 1 KB of Python objects besides its text,
so this bounds the memory a package of tiny notes can ask for."""

MAX_SQL_STEPS = 200_000_000
"""SQLite virtual-machine steps all the queries on one collection may take. Reading a real
package takes about 30 steps a note (15 million for MAX_NOTES notes); SQLite runs about 100
million a second, so a view, computed value or damaged B-tree that would run for ever is
stopped within a few seconds, with a wide margin for real packages."""

_STEPS_PER_CHECK = 10_000
"""How often (in steps) SQLite asks whether the budget is spent: rarely enough to cost nothing."""


class Damaged(Exception):
    """What is wrong with a collection, said with where: ``notes id 7: flds is NULL, not text``."""


class TooLarge(Damaged):
    """A collection beyond deck2anki's limits, said with where, and what to do about it."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


class Collection:
    """A read-only view of a collection's tables, every read within the limits above."""

    def __init__(self, data: bytes | bytearray | None = None, path: Path | None = None) -> None:
        """The collection ``data`` holds, or (without it) the one in the file at ``path``,
        opened read-only: a large one is read from disk, not held in memory."""
        if data is None and path is not None:
            self._connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        else:
            self._connection = sqlite3.connect(":memory:")
        self._checked: set[str] = set()
        self._steps = 0
        try:
            if data is not None:
                self._connection.deserialize(data)
            # SQLite refuses any string or blob longer than this as it reads it: the field-size
            # limit holds while reading, whatever a view, default or stored value would build.
            self._connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
            self._connection.set_progress_handler(self._tick, _STEPS_PER_CHECK)
            # Anki's schema 18 sorts names with its own collation; plain comparison serves here.
            self._connection.create_collation("unicase", _unicase)
        except BaseException:
            self._connection.close()
            raise

    def close(self) -> None:
        self._connection.close()

    def count(self, table: str) -> int:
        """How many rows ``table`` holds: SQLite counts them without reading their values."""
        (number,) = next(self.rows(table, f"SELECT count(*) FROM {table}"))
        return int(number)

    def tables(self) -> set[str]:
        """The names of the tables (and views) the collection declares."""
        return {str(name) for (name,) in self._connection.execute("SELECT name FROM sqlite_master")}

    def columns(self, table: str) -> set[str]:
        """The names of the columns of ``table`` (none when there is no such table)."""
        query = "SELECT name FROM pragma_table_info(?)"
        return {str(name) for (name,) in self._connection.execute(query, (table,))}

    def rows(self, table: str, query: str, *joined: str) -> Iterator[tuple[Any, ...]]:
        """The rows of ``query``, which reads ``table`` (and the ``joined`` tables)."""
        for name in (table, *joined):
            self._check(name)
        try:
            cursor = self._connection.execute(query)
            while (row := cursor.fetchone()) is not None:
                yield row
        except sqlite3.Error as error:
            raise _located(table, error) from None

    def _check(self, table: str) -> None:
        """Refuse a view, a virtual table or computed columns in place of the plain table
        Anki writes: only a stored table reads in time and memory its size bounds."""
        if table in self._checked:
            return
        # SQLite resolves names regardless of (ASCII) case, so a view NOTES would be read.
        query = "SELECT type, sql FROM sqlite_master WHERE name = ? COLLATE NOCASE"
        for kind, sql in self._connection.execute(query, (table,)):
            if kind == "view":
                raise Damaged(f"{table} is a view, not a table; deck2anki reads only tables")
            if " ".join(str(sql).split()[:2]).upper() == "CREATE VIRTUAL":
                raise Damaged(f"{table} is a virtual table; deck2anki reads only tables")
        # A missing table is left to the query, whose SQLite message says so.
        computed = "SELECT name FROM pragma_table_xinfo(?) WHERE hidden IN (2, 3)"
        for (column,) in self._connection.execute(computed, (table,)):
            raise Damaged(
                f"{table} holds a computed column ({column}); deck2anki reads only stored values"
            )
        self._checked.add(table)

    def _tick(self) -> int:
        self._steps += _STEPS_PER_CHECK
        return self._steps > MAX_SQL_STEPS  # anything true interrupts the query


def _unicase(a: str, b: str) -> int:
    return (a.lower() > b.lower()) - (a.lower() < b.lower())


def _located(table: str, error: sqlite3.Error) -> Exception:
    code = getattr(error, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_TOOBIG:
        return TooLarge(
            f"{table}: a value is larger than the {MAX_VALUE_BYTES:,} bytes deck2anki reads",
            "keep large files as media files, not inside a field",
        )
    if code == sqlite3.SQLITE_INTERRUPT:
        return Damaged(
            f"{table}: reading it takes more than the {MAX_SQL_STEPS:,} steps deck2anki allows"
        )
    return error  # the caller's general message serves: missing tables, malformed pages


def label(value: object) -> str:
    """A row's key as a message shows it: a number as it is, anything else quoted and short."""
    if isinstance(value, int) or (isinstance(value, str) and value.isascii() and value.isdigit()):
        return str(value)[:40]
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:39] + "…"


def kind(value: object) -> str:
    """What a value is, in the words of a message: ``NULL``, ``an integer``, ``a blob``."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "a boolean"
    for type_, words in _KINDS:
        if isinstance(value, type_):
            return words
    return type(value).__name__


_KINDS = (
    (int, "an integer"),
    (float, "a real number"),
    (bytes, "a blob"),
    (str, "text"),
    (list, "a list"),
    (dict, "a JSON object"),
)


def text(value: object, where: str) -> str:
    """``value`` if it is text that can be written out; else Damaged, naming ``where``."""
    if not isinstance(value, str):
        raise Damaged(f"{where} is {kind(value)}, not text")
    # JSON may spell a lone surrogate (\\ud800), which no file or terminal can take.
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Damaged(f"{where} holds a lone surrogate, not text") from None
    return value


def blob(value: object, where: str) -> bytes:
    """``value`` if it is a blob (NULL reads as an empty one); else Damaged, naming ``where``."""
    if value is None:
        return b""
    if not isinstance(value, bytes):
        raise Damaged(f"{where} is {kind(value)}, not a blob")
    return value


def json_object(value: object, where: str) -> dict[str, Any]:
    """The JSON object in ``value``; else Damaged, naming ``where``. Its size is bounded by
    MAX_VALUE_BYTES; its depth by Python's recursion limit, which ends in an error said here."""
    try:
        data = json.loads(text(value, where))
    except RecursionError:
        raise Damaged(f"{where}: JSON nested too deeply") from None
    except ValueError as error:
        raise Damaged(f"{where}: not JSON: {error}") from None
    if not isinstance(data, dict):
        raise Damaged(f"{where} is not a JSON object")
    return data


def entries(data: dict[str, Any], where: str, what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The entries of an id-keyed JSON object (``col.models``, ``col.decks``) with their ids."""
    for key, entry in data.items():
        try:
            number = int(key)
        except ValueError:
            raise Damaged(f"{where}: {what} id {label(key)} is not a number") from None
        if not isinstance(entry, dict):
            raise Damaged(f"{where}: {what} {label(key)} is not a JSON object")
        yield number, entry
