"""A rebuild works on the notes that changed and takes the rest from the previous build:
with the bytes a build without that shortcut makes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import deck2anki
from deck2anki import notework
from deck2anki.lock import load_lock

from conftest import SEED, edit_seed

T0 = 1_700_000_000
EDIT = ("memory constraints", "limits of memory")


@pytest.fixture
def worked_on(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The questions of the notes a build prepares (splits, checks, renders), in order."""
    questions: list[str] = []
    prepare = notework.prepare_note

    def counting(note: deck2anki.Note, path: str) -> object:
        questions.append(note.question)
        return prepare(note, path)

    monkeypatch.setattr(notework, "prepare_note", counting)
    return questions


def outputs(project: Path) -> dict[str, bytes]:
    return {
        name: (project / name).read_bytes()
        for name in ("build/deep-learning-lecture-06.apkg", "deck2anki.lock")
    }


def edited_question() -> str:
    """The question whose answer ``EDIT`` changes."""
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    (answer,) = [index for index, line in enumerate(lines) if EDIT[0] in line]
    return lines[answer - 1]


def build_in(folder: Path, timestamp: int) -> deck2anki.BuildResult:
    return deck2anki.build(
        folder / "sources",
        folder / "build",
        lock_path=folder / "deck2anki.lock",
        timestamp=timestamp,
    )


def test_a_rebuild_works_on_the_edited_note_only_and_writes_what_a_full_build_writes(
    project: Path, worked_on: list[str]
) -> None:
    build_in(project, T0)
    assert len(worked_on) == 20
    locked = load_lock(project / "deck2anki.lock").decks["deep-learning-lecture-06"]
    assert locked.context and all(note.source for note in locked.notes)
    # The same project without the previous package: nothing to take, every note worked on.
    full = project.parent / "full"
    shutil.copytree(project, full)
    (full / "build" / "deep-learning-lecture-06.apkg").unlink()

    worked_on.clear()
    edit_seed(project, *EDIT)
    build_in(project, T0 + 60)
    assert worked_on == [edited_question()]

    worked_on.clear()
    edit_seed(full, *EDIT)
    build_in(full, T0 + 60)
    assert len(worked_on) == 20
    assert outputs(project) == outputs(full)


def test_a_card_moved_elsewhere_in_its_source_is_not_worked_on_again(
    project: Path, worked_on: list[str]
) -> None:
    build_in(project, T0)
    source = project / "sources" / SEED.name
    lines = source.read_text(encoding="utf-8").splitlines()
    question = edited_question()
    at = lines.index(question)
    moved = lines[:at] + lines[at + 2 :] + lines[at : at + 2]  # the card goes last
    source.write_text("\n".join(moved) + "\n", encoding="utf-8")
    worked_on.clear()
    build_in(project, T0 + 60)
    assert worked_on == []


@pytest.mark.parametrize("change", ["settings", "package"])
def test_a_new_context_or_a_foreign_package_means_every_note_is_worked_on(
    project: Path, worked_on: list[str], change: str
) -> None:
    build_in(project, T0)
    edit_seed(project, *EDIT)
    if change == "settings":  # every card gets a reverse card: every note's fields change
        (project / "deck2anki.toml").write_text(
            "[decks.deep-learning-lecture-06]\nreverse = true\n", encoding="utf-8"
        )
    else:  # build/ holds another package than the lock describes: nothing of it is taken
        package = project / "build" / "deep-learning-lecture-06.apkg"
        package.write_bytes(package.read_bytes() + b"\0")
    worked_on.clear()
    deck2anki.build(timestamp=T0 + 60)
    assert len(worked_on) == 20
