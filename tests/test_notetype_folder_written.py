"""The note type folder convert writes beside a Markdown deck: each note type's folder has
a name every file system can hold (what one cannot, ``/``, ``:``, ``?``, a control character,
a name Windows keeps for a device, is changed; names one to some system get a number), so
the deck reads back and updates the collection it came from; and nothing is written where
it would make the deck unreadable or land outside the output's folder (issue 16, found by
review)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki.cli import cli

from conftest import export_package, import_package, log_counts


def _basic_copy_with_a_note(collection: Any, name: str, fields: list[str], deck: str) -> None:
    """A note type copied from Basic and called ``name``, and a note of it in ``deck``."""
    model = collection.models.copy(collection.models.by_name("Basic"), add=False)
    model["name"] = name
    collection.models.add(model)
    note = collection.new_note(collection.models.by_name(name))
    note.fields[:] = fields
    collection.add_note(note, collection.decks.id(deck))


def test_note_types_of_any_name_get_folders_every_system_can_hold(
    collection: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    names = ["a/b", "x:y", "q?", "q*", "Ctrl\x01", "..", "CON", "nul.txt", "Com1", "console"]
    for name in names:
        _basic_copy_with_a_note(collection, name, [f"Front of {name}", "Back"], "Names")
    package = tmp_path / "names.apkg"
    export_package(collection, package)
    deck2anki.convert(package, tmp_path / "names.md")
    folders = sorted(path.name for path in (tmp_path / "names.notetypes").iterdir())
    assert folders == sorted(
        ["a_b", "x_y", "q_", "q_ (2)", "Ctrl_", "notetype", "_CON", "_nul.txt", "_Com1", "console"]
    )
    deck2anki.convert(tmp_path / "names.md", tmp_path / "back.apkg")
    log = import_package(collection, tmp_path / "back.apkg")
    assert log_counts(log) == {"new": 0, "updated": 0, "duplicate": 10, "conflicting": 0}


def test_names_one_in_unicode_get_folders_of_their_own(
    collection: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Café`` composed and ``Café`` as e + accent (JSON may hold both; Anki makes one of
    them) are one folder name to macOS: the second would have overwritten the first."""
    monkeypatch.chdir(tmp_path)
    basic = collection.models.by_name("Basic")
    for name in ("Caf\u00e9", "Cafe"):
        model = collection.models.copy(basic, add=False)
        model["name"] = name
        collection.models.add(model)
        note = collection.new_note(collection.models.by_name(name))
        note.fields[:] = [f"Front of {name}", "Back"]
        collection.add_note(note, collection.decks.id("Names"))
    export_package(collection, tmp_path / "names.apkg")
    deck2anki.convert(tmp_path / "names.apkg", tmp_path / "names.json")
    text = (tmp_path / "names.json").read_text("utf-8")
    (tmp_path / "names.json").write_text(text.replace('"Cafe"', '"Cafe\u0301"'), "utf-8")
    deck2anki.convert(tmp_path / "names.json", tmp_path / "names.md")
    folders = sorted(path.name for path in (tmp_path / "names.notetypes").iterdir())
    assert folders == sorted(["Caf\u00e9", "Cafe\u0301 (2)"])
    back = deck2anki.read(tmp_path / "names.md")
    assert sorted(notetype.name for notetype in back.notetypes) == sorted(
        ["Caf\u00e9", "Cafe\u0301"]
    )


def test_a_note_type_folder_left_by_an_earlier_conversion_is_refused(
    collection: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The note type renamed in Anki and the deck converted again to the same file: its old
    folder stayed beside the new one, with the same id, and the Markdown could not be read
    back ("note type id ... is also the id of the note type in ...")."""
    monkeypatch.chdir(tmp_path)
    _basic_copy_with_a_note(collection, "Vocab", ["hola", "hello"], "Spanish")

    def convert() -> Any:
        package = tmp_path / "spanish.apkg"
        export_package(collection, package)
        return CliRunner().invoke(cli, ["convert", "spanish.apkg", "spanish.md"])

    assert convert().exit_code == 0
    written = (tmp_path / "spanish.md").read_bytes()
    model = collection.models.by_name("Vocab")
    model["name"] = "Vocabulary"
    collection.models.update_dict(model)
    result = convert()
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        "error: spanish.notetypes/Vocab: a note type folder that is not one of this deck's"
        " (1 such); remove it, or write the Markdown elsewhere"
    ]
    assert (tmp_path / "spanish.md").read_bytes() == written  # nothing written
    assert not (tmp_path / "spanish.notetypes" / "Vocabulary").exists()


@pytest.mark.parametrize("link", ["spanish.notetypes", "spanish.notetypes/Vocab"])
def test_note_type_files_are_not_written_through_a_link_out_of_the_folder(
    collection: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, link: str
) -> None:
    """A link planted (or left) where the folder goes had the note type's files written where
    it leads: notetype.json, style.css and the templates, over what was there."""
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    monkeypatch.chdir(project)
    _basic_copy_with_a_note(collection, "Vocab", ["hola", "hello"], "Spanish")
    export_package(collection, project / "spanish.apkg")
    (project / link).parent.mkdir(exist_ok=True)
    (project / link).symlink_to(outside)
    result = CliRunner().invoke(cli, ["convert", "spanish.apkg", "spanish.md"])
    assert result.exit_code == 2, result.output
    shown = "spanish.notetypes" if link == "spanish.notetypes" else "spanish.notetypes/Vocab"
    where = f"{shown}/Vocab" if link == "spanish.notetypes" else shown
    assert result.output.splitlines() == [
        f"error: {where}/Card 1.front.html: would be written outside the output's folder (a"
        " link on the way); remove the link, or write the Markdown elsewhere"
    ]
    assert list(outside.iterdir()) == []
    assert not (project / "spanish.md").exists()
