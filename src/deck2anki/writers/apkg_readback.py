"""The notes of a package ``writers.apkg`` wrote, read back from its collection.

Its own module because reading is not writing: a build takes the fields of unchanged notes
from the package it wrote before (``project.notework``) without making one, and none of
this needs genanki.
"""

from __future__ import annotations

import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..readers import ankidb


def package_field_rows(package: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The GUID and field values of each note of a package ``write_package`` wrote, one at a
    time (a caller that keeps some of them need not hold them all twice)."""
    yield from _rows(package)


class Unreadable(OSError):
    """A package in ``build/`` that is not what deck2anki wrote (a pull request can commit
    any bytes there, with a lock that names them): its work is not reused."""


MAX_COLLECTION = 1 << 30
"""The largest collection unpacked from a package of ours: the most deck2anki reads."""


def _rows(package: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Each note of a package: its GUID and field values, read within the package reader's
    limits (``ankidb``: tables only, a step budget, a value-size limit) from a bounded copy."""
    with tempfile.TemporaryDirectory(prefix="deck2anki-") as folder:
        database = Path(folder) / "collection.anki2"
        try:
            with (
                zipfile.ZipFile(package) as archive,
                archive.open("collection.anki2") as stream,
                database.open("wb") as out,
            ):
                copied = 0
                while piece := stream.read(1 << 20):
                    copied += len(piece)
                    if copied > MAX_COLLECTION:  # the size in the zip's directory can lie
                        raise Unreadable("larger than a package of ours")
                    out.write(piece)
            collection = ankidb.Collection(path=database)
        except (zipfile.BadZipFile, KeyError, sqlite3.Error, ValueError) as error:
            raise Unreadable(str(error)) from None
        try:
            for guid, flds in collection.rows("notes", "SELECT guid, flds FROM notes"):
                if type(guid) is not str or type(flds) is not str:
                    raise Unreadable("a note's GUID or fields are not text")
                yield guid, tuple(flds.split("\x1f"))
        except (sqlite3.Error, ankidb.Damaged) as error:
            raise Unreadable(str(error)) from None
        finally:
            collection.close()
