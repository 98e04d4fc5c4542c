"""The notes of a package ``writers.apkg`` wrote, read back from its collection.

Its own module because reading is not writing: a build takes the fields of unchanged notes
from the package it wrote before (``project.notework``) without making one, and none of
this needs genanki.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path


def package_notes_by_guid(package: Path) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """The field values and tags of every note of a package ``write_package`` wrote, by GUID."""
    return {guid: (fields, tags) for guid, fields, tags in _rows(package, "flds, tags")}


def package_field_rows(package: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The GUID and field values of each note of a package ``write_package`` wrote, one at a
    time (a caller that keeps some of them need not hold them all twice)."""
    for guid, fields, _ in _rows(package, "flds"):
        yield guid, fields


def _rows(package: Path, columns: str) -> Iterator[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Each note of a package: its GUID, field values and (if ``columns`` has them) tags."""
    with tempfile.TemporaryDirectory(prefix="deck2anki-") as folder:
        database = Path(folder) / "collection.anki2"
        with (
            zipfile.ZipFile(package) as archive,
            archive.open("collection.anki2") as stream,
            database.open("wb") as out,
        ):
            shutil.copyfileobj(stream, out, 1 << 20)
        connection = sqlite3.connect(database)
        try:
            for guid, flds, *tags in connection.execute(f"SELECT guid, {columns} FROM notes"):
                yield guid, tuple(flds.split("\x1f")), tuple(tags[0].split()) if tags else ()
        finally:
            connection.close()
