"""A card asked for in the Markdown is made: a note of Anki's Basic (optional reversed card)
written with ``<!-- cards: 1 -->`` (no reverse yet) whose Add Reverse is filled in gets its
reverse card, as Anki gives a note it adds or edits every card its fields make; a note
left as it was keeps exactly the cards it came with (issue 16, found by review)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import deck2anki

from conftest import export_package, import_package, log_counts


def test_add_reverse_filled_in_the_markdown_makes_the_reverse_card(
    collection: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    optional = collection.models.by_name("Basic (optional reversed card)")
    for fields in (["hola", "hello", ""], ["adiós", "goodbye", "y"]):
        note = collection.new_note(optional)
        note.fields[:] = fields
        collection.add_note(note, collection.decks.id("Spanish"))
    package = tmp_path / "spanish.apkg"
    export_package(collection, package)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) + 60))
    markdown = tmp_path / "spanish.md"
    deck2anki.convert(package, markdown)
    text = markdown.read_text("utf-8")
    assert "<!-- cards: 1 -->" in text  # hola has no reverse card
    markdown.write_text(
        text.replace("### Back\n\nhello\n", "### Back\n\nhello\n\n### Add Reverse\n\ny\n"), "utf-8"
    )
    deck2anki.convert(markdown, tmp_path / "back.apkg")
    assert collection.card_count() == 3
    log = import_package(collection, tmp_path / "back.apkg")
    assert log_counts(log) == {"new": 0, "updated": 1, "duplicate": 1, "conflicting": 0}
    hola = collection.get_note(collection.find_notes("hola")[0])
    assert sorted(card.ord for card in hola.cards()) == [0, 1]
    assert collection.card_count() == 4
