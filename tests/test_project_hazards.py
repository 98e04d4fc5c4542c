"""What real deck repositories do to a build: renames, deletions, hand edits, odd names."""

from __future__ import annotations

import json
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki.cli import cli
from deck2anki.errors import Report
from deck2anki.identity.assign import identify
from deck2anki.identity.lock import LockedNote
from deck2anki.identity.relink import fingerprint
from deck2anki.model import Deck, Note

from conftest import FIXTURES, SEED

T0 = 1_700_000_000


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, list(args), prog_name="deck2anki", catch_exceptions=False, env=env
    )
    return result.exit_code, result.stdout, result.stderr


def guids(path: Path) -> set[str]:
    return {note.guid or "" for note in deck2anki.read(path).notes}


def test_a_renamed_source_keeps_every_guid(project: Path) -> None:
    deck2anki.build(timestamp=T0)
    before = guids(project / "build" / "deep-learning-lecture-06.apkg")
    (project / "sources" / SEED.name).rename(project / "sources" / "dl-06.txt")
    code, out, _ = run("build")
    assert code == 0
    assert "renamed: sources/dl-06.txt continues 'deep-learning-lecture-06' of the lock" in out
    assert guids(project / "build" / "dl-06.apkg") == before
    assert not (project / "build" / "deep-learning-lecture-06.apkg").exists()
    lock = json.loads((project / "deck2anki.lock").read_text(encoding="utf-8"))
    assert list(lock["decks"]) == ["dl-06"]


def test_a_deleted_source_is_reported_once_and_its_package_removed(project: Path) -> None:
    (project / "sources" / "tiny.txt").write_text("Q?\nA.\n", encoding="utf-8")
    run("build")
    (project / "sources" / "tiny.txt").unlink()
    code, out, err = run("build", "--check")
    assert code == 1
    assert "stale: build/tiny.apkg: its source is gone; run 'deck2anki build'" in err
    code, out, _ = run("build")
    assert code == 0
    assert out.splitlines()[-1] == (
        "gone: the source of 'tiny' no longer exists; its 1 notes stay in students'"
        " collections and in the lock, marked removed; deleted build/tiny.apkg"
    )
    assert not (project / "build" / "tiny.apkg").exists()
    code, out, _ = run("build")
    assert "gone" not in out
    assert run("build", "--check")[0] == 0


def test_a_hand_edited_lock_is_noticed_and_repaired(project: Path) -> None:
    run("build")
    lock = project / "deck2anki.lock"
    lines = lock.read_text(encoding="utf-8").splitlines()
    note_lines = [i for i, line in enumerate(lines) if '"guid"' in line]
    del lines[note_lines[3]]
    lines[note_lines[-1] - 1] = lines[note_lines[-1] - 1].rstrip(",")  # keep it valid JSON
    lock.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run("build", "--check")
    assert code == 1
    assert "stale: deck2anki.lock: out of date" in err
    assert run("build")[0] == 0
    assert run("build", "--check")[0] == 0
    assert lock.read_text(encoding="utf-8").count('"guid"') == 20


def test_an_identical_short_answer_does_not_carry_reviews_to_another_card() -> None:
    old = Note("Is ReLU differentiable at zero?", "No.")
    previous = [LockedNote("g1", old.question, "0" * 16, fingerprint(old), T0)]
    deck = Deck("D", (Note("Is softmax a linear function?", "No."),))
    identified = identify(deck, previous, Report())
    assert identified.relinked == ()
    assert identified.deck.notes[0].guid != "g1"


def test_a_typo_fixed_in_a_short_card_keeps_its_note() -> None:
    old = Note("Is ReLU diferentiable at zero?", "No.")
    previous = [LockedNote("g1", old.question, "0" * 16, fingerprint(old), T0)]
    deck = Deck("D", (Note("Is ReLU differentiable at zero?", "No."),))
    assert identify(deck, previous, Report()).deck.notes[0].guid == "g1"


def test_an_output_that_is_a_folder_is_a_clean_error_and_nothing_is_written(
    project: Path,
) -> None:
    (project / "sources" / "a.txt").write_text("Q?\nA.\n", encoding="utf-8")
    (project / "build" / "deep-learning-lecture-06.apkg").mkdir(parents=True)
    code, out, err = run("build")
    assert out == ""
    assert code == 2
    assert err == (
        "error: build/deep-learning-lecture-06.apkg: is a folder; remove it so the deck can be"
        " written there\n"
    )
    assert not (project / "build" / "a.apkg").exists()
    assert not (project / "deck2anki.lock").exists()


def test_converting_into_a_path_under_a_file_is_a_clean_error(project: Path) -> None:
    Path("f").write_text("", encoding="utf-8")
    code, _, err = run("convert", f"sources/{SEED.name}", "f/out.apkg")
    assert code == 2
    assert err.startswith("error: f/out.apkg: cannot write it: ")


@pytest.mark.parametrize("value", ["99999999999999999999", "-5", "soon"])
def test_an_unusable_source_date_epoch_is_bad_usage(project: Path, value: str) -> None:
    code, _, err = run("build", env={"SOURCE_DATE_EPOCH": value})
    assert code == 2
    assert err.startswith(f"error: SOURCE_DATE_EPOCH='{value}' is not a time deck2anki can use")


def test_a_lock_with_a_broken_fingerprint_is_a_damaged_lock(project: Path) -> None:
    run("build")
    lock = project / "deck2anki.lock"
    text = lock.read_text(encoding="utf-8")
    start = text.index('"fingerprint": "') + len('"fingerprint": "')
    lock.write_text(text[:start] + "zz" + text[start + 2 :], encoding="utf-8")
    code, _, err = run("build")
    assert code == 2
    assert err.startswith(
        "error: deck2anki.lock:11: damaged lock file (deck 'deep-learning-lecture-06', note 1,"
        ' "fingerprint": \'zz'
    )
    assert "is not a hash of 64 hex digits" in err


def test_decomposed_file_names_find_their_composed_configuration(project: Path) -> None:
    name = unicodedata.normalize("NFD", "Übung-1")
    (project / "sources" / f"{name}.txt").write_text("Q?\nA.\n", encoding="utf-8")
    (project / "deck2anki.toml").write_text('[decks."Übung-1"]\nname = "Übung"\n', "utf-8")
    code, out, err = run("build")
    assert code == 0
    assert "deck 'Übung'" in out
    assert "names no source" not in err


def test_a_folder_inside_sources_is_mentioned_not_silently_skipped(project: Path) -> None:
    (project / "sources" / "week2").mkdir()
    code, _, err = run("build")
    assert code == 0
    assert "sources/week2: warning: skipped: a folder; deck2anki builds the files directly" in err


def test_images_kept_in_sources_are_media_not_skipped_sources(project: Path) -> None:
    """The README's Markdown example keeps its image in sources/img/: no warning for it, or
    for an image beside the source; a folder that holds a source is still mentioned."""
    png = (FIXTURES / "markdown" / "img" / "cell.png").read_bytes()
    (project / "sources" / "img").mkdir()
    (project / "sources" / "img" / "cell.png").write_bytes(png)
    (project / "sources" / "beside.PNG").write_bytes(png)
    (project / "sources" / "img" / ".git").mkdir()  # a hidden folder inside is not looked at
    (project / "sources" / "img" / ".git" / "HEAD").write_text("ref: main\n", encoding="utf-8")
    (project / "sources" / "cells.md").write_text(
        "## Cell?\n\n![A cell](img/cell.png) ![Again](beside.PNG)\n", encoding="utf-8"
    )
    (project / "sources" / "week2").mkdir()
    (project / "sources" / "week2" / "photo.jpg").write_bytes(png)
    (project / "sources" / "week2" / "deck.txt").write_text("Q?\nA.\n", encoding="utf-8")
    code, out, err = run("build")
    assert code == 0, err
    assert "built build/cells.apkg (1 note," in out
    with zipfile.ZipFile(project / "build" / "cells.apkg") as package:
        assert sorted(json.loads(package.read("media")).values()) == ["beside.PNG", "cell.png"]
    assert [line for line in err.splitlines() if "unknown-source" in line] == [
        "sources/week2: warning: skipped: a folder; deck2anki builds the files directly in the"
        " sources folder [unknown-source]"
    ]


def test_a_blank_deck_name_is_bad_usage(project: Path) -> None:
    code, _, err = run("convert", f"sources/{SEED.name}", "x.apkg", "--deck", "   ")
    assert (code, err) == (2, "error: the deck name is empty; give --deck a name\n")


def test_a_control_character_in_a_source_is_an_error_with_its_line(project: Path) -> None:
    (project / "sources" / "bad.txt").write_text("Q?\nA\x1fB.\n", encoding="utf-8")
    code, _, err = run("build")
    assert code == 1
    assert "sources/bad.txt:1:1: error: control character U+001F in the answer" in err
    assert not (project / "build").exists()
