"""What a format without note types drops of a deck made in Anki is said in one line per note
type and kind of loss, with its count (issue 16, points 1 and 7): a note type of 30 fields
gives one line, not 28, its fields in its own order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deck2anki.cli import cli

from conftest import export_package, export_text


@pytest.fixture
def vocab_deck(collection: Any) -> Any:
    """12 notes of a user's own note type of 30 fields, all filled, and 3 of Anki's Basic (and
    reversed card), in the deck Bio."""
    models = collection.models
    vocab = models.new("Vocab (mine)")
    for number in range(1, 31):
        models.add_field(vocab, models.new_field(f"Field {number}"))
    template = models.new_template("Card 1")
    template["qfmt"], template["afmt"] = "{{Field 1}}", "{{Field 2}}"
    models.add_template(vocab, template)
    models.add(vocab)
    deck = collection.decks.id("Bio")
    for note_number in range(12):
        note = collection.new_note(models.by_name("Vocab (mine)"))
        for index in range(30):
            note.fields[index] = f"word {note_number}, field {index + 1}"
        collection.add_note(note, deck)
    for note_number in range(3):
        note = collection.new_note(models.by_name("Basic (and reversed card)"))
        note.fields[0], note.fields[1] = f"Term {note_number}", "Meaning"
        collection.add_note(note, deck)
    return collection


def _convert(*args: str) -> str:
    result = CliRunner().invoke(cli, ["convert", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("source_kind", ["apkg", "anki-text", "json", "markdown"])
@pytest.mark.parametrize("output", ["out.csv", "out.tsv", "lecture.txt"])
def test_each_kind_of_loss_is_one_line_per_note_type_with_its_count(
    vocab_deck: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source_kind: str, output: str
) -> None:
    monkeypatch.chdir(tmp_path)  # Markdown's note type files are read inside the project
    package = export_package(vocab_deck, tmp_path / "bio.apkg", "Bio")
    options: list[str] = []
    if source_kind == "anki-text":
        source, options = export_text(vocab_deck, tmp_path / "bio.txt"), ["--from", "anki-text"]
    elif source_kind in ("json", "markdown"):
        # Both keep the note types whole (no warning); what they keep is lost in the output.
        source = tmp_path / f"bio.{'json' if source_kind == 'json' else 'md'}"
        assert "warning" not in _convert(str(package), str(source))
    else:
        source = package
    result = CliRunner().invoke(cli, ["convert", str(source), str(tmp_path / output), *options])
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if line.startswith(f"{source}:")]
    assert said == [
        f"{source}: warning: note type 'Vocab (mine)': fields 'Field 3', 'Field 4', 'Field 5'"
        " and 25 more of 12 notes have no place in a deck2anki note and are not kept"
        " [lossy-conversion]",
        f"{source}: warning: note type 'Basic (and reversed card)': 3 cards of its second and"
        " later templates (a reverse card, say) are not kept [lossy-conversion]",
    ]


def test_a_field_only_some_notes_fill_is_listed_and_the_count_is_of_notes_losing_any(
    vocab_deck: Any, tmp_path: Path
) -> None:
    models = vocab_deck.models
    sourced = models.copy(models.by_name("Basic"), add=False)
    sourced["name"] = "Basic with source"
    for name in ("Source", "Page"):
        models.add_field(sourced, models.new_field(name))
    models.add(sourced)
    for fields in (["Q1", "A1", "Textbook", ""], ["Q2", "A2", "", "p. 4"], ["Q3", "A3", "", ""]):
        note = vocab_deck.new_note(models.by_name("Basic with source"))
        for index, value in enumerate(fields):
            note.fields[index] = value
        vocab_deck.add_note(note, vocab_deck.decks.id("Bio"))
    source = export_package(vocab_deck, tmp_path / "bio.apkg", "Bio")
    result = CliRunner().invoke(cli, ["convert", str(source), str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    assert (
        f"{source}: warning: note type 'Basic with source': fields 'Source' and 'Page' of 2"
        " notes have no place in a deck2anki note and are not kept [lossy-conversion]\n"
    ) in result.output
