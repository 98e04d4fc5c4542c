"""A rebuild works on the notes that changed and takes the rest from the previous build:
with the bytes a build without that shortcut makes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import deck2anki
from deck2anki.cards.prepare import note_changes
from deck2anki.cards.render import renderer_versions
from deck2anki.config import DeckConfig
from deck2anki.errors import Report
from deck2anki.identity.assign import identify
from deck2anki.identity.guids import note_guid
from deck2anki.identity.lock import LockedNoteType
from deck2anki.identity.lockread import load_lock
from deck2anki.model import Deck, Note
from deck2anki.project import notework

from conftest import SEED, edit_seed

T0 = 1_700_000_000
STATE = LockedNoteType(1, "deck2anki (v1)", 1, ("Question",), ("Forward",), "c", T0)
EDIT = ("memory constraints", "limits of memory")


@pytest.fixture
def worked_on(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The questions of the notes a build prepares (splits, checks, renders), in order."""
    questions: list[str] = []
    prepare = note_changes

    def counting(note: deck2anki.Note, path: str) -> object:
        questions.append(note.question)
        return prepare(note, path)

    monkeypatch.setattr(notework, "note_changes", counting)
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
    full = project.with_name(project.name + "-full")
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


def test_a_reused_note_is_identified_by_its_question_as_prepared(
    project: Path, worked_on: list[str]
) -> None:
    # A zero-width space in a question is dropped when the note is prepared: the lock, the
    # duplicate check and the relinking must see the same question whether or not the note
    # is worked on again.
    question = edited_question()
    other = next(
        line.strip()
        for line in SEED.read_text(encoding="utf-8").splitlines()
        if line.strip().endswith("?") and line.strip() != question
    )
    edit_seed(project, other, other.replace(" ", " \u200b", 1))
    build_in(project, T0)
    full = project.with_name(project.name + "-full")
    shutil.copytree(project, full)
    (full / "build" / "deep-learning-lecture-06.apkg").unlink()
    for folder in (project, full):
        edit_seed(folder, *EDIT)
        result = build_in(folder, T0 + 60)
        assert result.built[0].relinked == ()
    assert outputs(project) == outputs(full)
    # And a new note asking the same question is the duplicate a full build finds.
    source = project / "sources" / SEED.name
    source.write_text(
        source.read_text(encoding="utf-8") + f"\n{other}\nA second answer.\n", encoding="utf-8"
    )
    with pytest.raises(deck2anki.SourceError, match="already in the deck"):
        build_in(project, T0 + 120)


def test_a_lock_entry_edited_by_hand_is_not_reused(project: Path, worked_on: list[str]) -> None:
    build_in(project, T0)
    lock = project / "deck2anki.lock"
    text = lock.read_text(encoding="utf-8")
    entry = load_lock(lock).decks["deep-learning-lecture-06"].notes[0]
    lock.write_text(text.replace(entry.content, "0" * 16, 1), encoding="utf-8")
    worked_on.clear()
    build_in(project, T0 + 60)
    assert len(worked_on) == 20
    assert load_lock(lock).decks["deep-learning-lecture-06"].notes[0].content == entry.content


def test_the_source_hash_does_not_depend_on_the_hash_seed() -> None:
    """Two interpreters whose hash seeds order a note's set of cards differently (seeds 0 and
    1 do, and the test checks it) give it one source hash."""
    code = (
        "from deck2anki.model import Note; from deck2anki.project.notework import source_hash;"
        " cards = frozenset({'Reverse', 'Type-in'}); print(list(cards));"
        " print(source_hash(Note('Q?', 'A.', cards=cards)))"
    )
    orders, hashes = zip(
        *(
            subprocess.run(
                [sys.executable, "-c", code],
                env={**os.environ, "PYTHONHASHSEED": seed},
                capture_output=True,
                text=True,
                check=True,
            ).stdout.splitlines()
            for seed in ("0", "1")
        ),
        strict=True,
    )
    assert orders[0] != orders[1]  # the seeds did order the set differently
    assert hashes[0] == hashes[1]


def test_a_library_that_renders_fields_is_part_of_the_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import markdown_it

    deck = deck2anki.Deck("D")
    before = notework.context_hash("k", DeckConfig(), STATE, "code", deck)
    monkeypatch.setattr(markdown_it, "__version__", "99.0")
    renderer_versions.cache_clear()  # the versions are read once per process
    try:
        assert notework.context_hash("k", DeckConfig(), STATE, "code", deck) != before
    finally:
        monkeypatch.undo()
        renderer_versions.cache_clear()


LONG = "the quick brown fox jumps over the lazy dog while seven wise owls watch from above"


def write_json(folder: Path, notes: list[dict[str, str]], name: str = "deck") -> None:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    deck = {"deck2anki": 1, "name": "Deck", "notes": notes}
    (folder / "sources" / f"{name}.json").write_text(json.dumps(deck), encoding="utf-8")


def test_a_renamed_html_source_keeps_its_notes(tmp_path: Path) -> None:
    # The lock holds questions as prepared (HTML made Markdown): the source's new name is
    # recognised by them, and its reworded note keeps its GUID.
    notes = [
        {
            "question": f"What is <strong>item {i}</strong>?",
            "answer": f"{LONG} {i}",
            "format": "html",
        }
        for i in range(4)
    ]
    write_json(tmp_path, notes, "old")
    build_in(tmp_path, T0)
    notes[0] = dict(notes[0], question="What is <strong>item 0</strong> exactly?")
    write_json(tmp_path, notes, "old")
    build_in(tmp_path, T0 + 60)
    before = {n.question: n.guid for n in load_lock(tmp_path / "deck2anki.lock").decks["old"].notes}
    (tmp_path / "sources" / "old.json").rename(tmp_path / "sources" / "new.json")
    (built,) = build_in(tmp_path, T0 + 120).built
    assert built.renamed_from == "old"
    after = {n.question: n.guid for n in load_lock(tmp_path / "deck2anki.lock").decks["new"].notes}
    assert after == before


def test_a_reused_note_that_needs_a_new_guid_gets_the_one_a_full_build_gives(
    tmp_path: Path,
) -> None:
    alpha = {"question": "What is alpha?", "answer": LONG}
    beta = {"question": "What is beta?", "answer": "Beta is the second letter, used widely"}
    reworded = dict(alpha, question="What exactly is alpha?")
    # A new note pins the GUID alpha's first question gives: the reworded alpha, unchanged
    # since the last build, must give it up and take another, as in a full build.
    pinned = {
        "question": "Unrelated?",
        "answer": "Something",
        "guid": note_guid("Deck", "What is alpha?"),
    }
    reused = tmp_path / "reused"
    for states, when in (([alpha, beta], T0), ([reworded, beta], T0 + 60)):
        write_json(reused, states)
        build_in(reused, when)
    full = tmp_path / "full"
    shutil.copytree(reused, full)
    (full / "build" / "deck.apkg").unlink()
    for folder in (reused, full):
        write_json(folder, [pinned, reworded, beta])
        build_in(folder, T0 + 120)
    assert (reused / "deck2anki.lock").read_bytes() == (full / "deck2anki.lock").read_bytes()
    assert (reused / "build" / "deck.apkg").read_bytes() == (
        full / "build" / "deck.apkg"
    ).read_bytes()


def test_identify_gives_the_notes_as_ready_prepared_them() -> None:
    """A note taken from the previous build whose GUID must be found anew is prepared again
    (``prepared_at``); the identified deck holds it as prepared, not as it was taken."""
    taken = Note("What is alpha?", "Alpha. Analogy: the first step.", tags=("old",))
    deck = Deck("Deck", (taken,))
    again = Note("What is alpha?", "Alpha.", "the first step.", tags=("new",))
    identified = identify(deck, (), Report(), prepared_at=lambda index: again)
    (note,) = identified.deck.notes
    assert (note.answer, note.analogy, note.tags) == ("Alpha.", "the first step.", ("new",))
    assert note.guid == note_guid("Deck", "What is alpha?")
