"""Images a note shows as HTML passed through as written (a note of another note type, a
note in ``<!-- format: html -->``) are the files the package holds: the field names each
by its flat name in Anki's media folder, not by the path the Markdown gives (issue 16,
found by review)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import deck2anki
from test_markdown_notetypes import _bad_input
from test_notetypes_roundtrip import PNG

from conftest import import_package


def test_an_image_a_note_shows_by_a_path_is_the_file_anki_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collection: Any
) -> None:
    """A note added by hand names its image by a path, which Markdown percent-encodes
    (``img/my%20cell%20é.png``); the package holds the file under its flat name. The field
    named the path: Anki showed no image, and its Check Media called the image missing and
    the file unused."""
    monkeypatch.chdir(tmp_path)
    markdown, _ = _bad_input(tmp_path)
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "my cell é.png").write_bytes(PNG)
    (tmp_path / "img" / "nucleus.png").write_bytes(PNG + b"2")
    added = """
## Organelle?
<!-- notetype: Basic -->

### Back

![A cell](<img/my cell é.png>)

## Where is the DNA?
<!-- notetype: Basic -->
<!-- format: html -->

### Back

In the <b>nucleus</b> <img src="img/nucleus.png">

## Mitochondrion?
<!-- format: html -->

The powerhouse <img src='img/nucleus.png'>
"""
    markdown.write_text(markdown.read_text("utf-8") + added, "utf-8")
    deck2anki.convert(markdown, tmp_path / "out.apkg")
    import_package(collection, tmp_path / "out.apkg")
    check = collection.media.check()
    assert (check.missing, check.unused) == ([], [])
    backs = {collection.get_note(n).fields[1] for n in collection.find_notes("")}
    assert '<img src="my cell é.png" alt="A cell" />' in backs
    assert 'In the <b>nucleus</b> <img src="nucleus.png">' in backs
