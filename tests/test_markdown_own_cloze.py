"""A deck2anki cloze deck goes through Markdown as it was written: ``.apkg -> .md`` gives
each cloze note back as a ``## ... {{c1::...}}`` card of its own (no note type folder), and
``.md -> .apkg`` makes it a note of the same cloze note type again, with its GUID, fields and
time, so the package updates the collection it came from (issue 16, found by review: such
notes came out as notes of another note type, with a folder of its templates)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import deck2anki

from conftest import export_package, import_package, log_counts

SOURCE = """\
---
deck: Bio
---

## The {{c1::ribosome}} makes {{c2::proteins::what?}}.

Like a factory floor.

Analogy: a kitchen

## What is ATP?

Energy currency.

## The {{c1::nucleus}} holds the DNA.

Inside the cell.
"""


def _fields(col: Any) -> set[tuple[str, tuple[str, ...]]]:
    notes = (col.get_note(nid) for nid in col.find_notes(""))
    return {(note.note_type()["name"], tuple(note.fields)) for note in notes}


def test_a_deck2anki_cloze_deck_through_markdown_updates_the_collection_it_came_from(
    tmp_path: Path, collection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bio.md").write_text(SOURCE, encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    deck2anki.convert(tmp_path / "bio.md", tmp_path / "bio.apkg")
    import_package(collection, tmp_path / "bio.apkg")
    before = _fields(collection)
    cards, models = collection.card_count(), len(collection.models.all_names_and_ids())

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000100")
    markdown = tmp_path / "out.md"
    deck2anki.convert(tmp_path / "bio.apkg", markdown)
    text = markdown.read_text(encoding="utf-8")
    # Written as the source wrote it: no note type named, no folder of its files.
    assert "## The {{c1::ribosome}} makes {{c2::proteins::what?}}.\n<!-- mod: 1700000000" in text
    assert "\nLike a factory floor.\n\nAnalogy: a kitchen\n" in text
    assert "notetype" not in text
    assert not (tmp_path / "out.notetypes").exists()

    back = tmp_path / "back.apkg"
    deck2anki.convert(markdown, back)
    log = import_package(collection, back)
    assert log_counts(log) == {"new": 0, "updated": 0, "duplicate": 3, "conflicting": 0}
    assert len(collection.models.all_names_and_ids()) == models  # no copy of a note type
    assert collection.card_count() == cards
    assert _fields(collection) == before

    markdown.write_text(text.replace("Inside the cell.", "Inside every cell."), "utf-8")
    deck2anki.convert(markdown, back)
    log = import_package(collection, back)
    assert log_counts(log) == {"new": 0, "updated": 1, "duplicate": 2, "conflicting": 0}
    assert len(collection.models.all_names_and_ids()) == models
    assert collection.card_count() == cards
    assert (
        "deck2anki cloze (v1)",
        ("The {{c1::nucleus}} holds the DNA.", "Inside every cell.", ""),
    ) in _fields(collection)


def _css_changed(col: Any) -> None:
    model = col.models.by_name("deck2anki cloze (v1)")
    model["css"] += "\n.card { background: ivory; }"
    col.models.update_dict(model)


def _one_card_moved(col: Any) -> None:
    col.set_deck(col.find_cards("nucleus"), col.decks.id("Bio::Cells"))


@pytest.mark.parametrize("change", [_css_changed, _one_card_moved], ids=["css", "card-deck"])
def test_cloze_notes_markdown_cannot_say_keep_their_note_type_as_it_is(
    tmp_path: Path, collection: Any, monkeypatch: pytest.MonkeyPatch, change: Any
) -> None:
    """Written as deck2anki's own, a note type changed in Anki would go back with deck2anki's
    look, and a card in another deck to the deck of the file; the notes stay notes of that
    note type then, all of them (a package cannot hold it and deck2anki's own cloze notes)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bio.md").write_text(SOURCE, encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    deck2anki.convert(tmp_path / "bio.md", tmp_path / "bio.apkg")
    import_package(collection, tmp_path / "bio.apkg")
    change(collection)
    export_package(collection, tmp_path / "changed.apkg")
    deck2anki.convert(tmp_path / "changed.apkg", tmp_path / "out.md")
    text = (tmp_path / "out.md").read_text(encoding="utf-8")
    assert text.count("<!-- notetype: deck2anki cloze (v1) -->") == 2
    models = len(collection.models.all_names_and_ids())
    deck2anki.convert(tmp_path / "out.md", tmp_path / "back.apkg")
    log = import_package(collection, tmp_path / "back.apkg")
    assert log_counts(log) == {"new": 0, "updated": 0, "duplicate": 3, "conflicting": 0}
    assert len(collection.models.all_names_and_ids()) == models
