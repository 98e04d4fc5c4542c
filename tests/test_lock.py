"""The lock file: identity that survives edits, reorders and rewordings, in a reviewable file."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

import deck2anki
from deck2anki.errors import Report
from deck2anki.identity.assign import identify
from deck2anki.identity.lock import LockedNote
from deck2anki.model import Deck, Note

from conftest import SEED, edit_seed

T0 = 1_700_000_000


def guids_by_question(project: Path) -> dict[str, str]:
    deck = deck2anki.read(project / "build" / "deep-learning-lecture-06.apkg")
    return {note.question: note.guid or "" for note in deck.notes}


def locked_notes(project: Path) -> list[dict[str, object]]:
    lock = json.loads((project / "deck2anki.lock").read_text(encoding="utf-8"))
    notes: list[dict[str, object]] = lock["decks"]["deep-learning-lecture-06"]["notes"]
    return notes


def test_guids_survive_reordering_and_other_cards_coming_and_going(project: Path) -> None:
    deck2anki.build(timestamp=T0)
    before = guids_by_question(project)
    source = project / "sources" / SEED.name
    lines = source.read_text(encoding="utf-8").splitlines()
    preamble, cards = lines[:5], [lines[i : i + 2] for i in range(5, len(lines), 2)]
    cards.reverse()
    del cards[3]
    cards.append(["What is a new card?", "A card added later."])
    source.write_text("\n".join(preamble + [line for card in cards for line in card]), "utf-8")
    deck2anki.build(timestamp=T0 + 10)
    after = guids_by_question(project)
    assert len(after) == 21  # 19 kept, 1 new, and the removed one carried (issue 15)
    for question, guid in after.items():
        if question != "What is a new card?":
            assert before[question] == guid
    assert after["What is a new card?"] not in before.values()


def test_guids_do_not_depend_on_the_lock_for_unchanged_questions(project: Path) -> None:
    deck2anki.build(timestamp=T0)
    before = guids_by_question(project)
    (project / "deck2anki.lock").unlink()
    deck2anki.build(timestamp=T0 + 10, force=True)
    assert guids_by_question(project) == before


def test_the_same_question_in_two_decks_is_two_notes(project: Path) -> None:
    shutil.copy(project / "sources" / SEED.name, project / "sources" / "copy.txt")
    result = deck2anki.build(timestamp=T0)
    first, second = (deck2anki.read(deck.output) for deck in result.built)
    assert first.notes[0].question == second.notes[0].question
    assert not {n.guid for n in first.notes} & {n.guid for n in second.notes}


def test_lock_lists_each_note_on_one_line_sorted_by_guid(project: Path) -> None:
    deck2anki.build(timestamp=T0)
    text = (project / "deck2anki.lock").read_text(encoding="utf-8")
    note_lines = [line for line in text.splitlines() if '"guid"' in line]
    assert len(note_lines) == 20
    guids = [json.loads(line.strip().rstrip(","))["guid"] for line in note_lines]
    assert guids == sorted(guids)
    assert text.endswith("}\n")


def test_an_answer_edit_changes_one_note_line_of_the_lock(project: Path) -> None:
    deck2anki.build(timestamp=T0)
    before = (project / "deck2anki.lock").read_text(encoding="utf-8").splitlines()
    edit_seed(project, "to accommodate memory constraints", "because memory is limited")
    deck2anki.build(timestamp=T0 + 10)
    after = (project / "deck2anki.lock").read_text(encoding="utf-8").splitlines()
    changed = [new for old, new in zip(before, after, strict=True) if old != new]
    assert [line.split(":")[0].strip() for line in changed[:3]] == [
        '"inputs"',
        '"package"',
        '"seal"',
    ]
    (note_line,) = changed[3:]
    entry = json.loads(note_line.strip().rstrip(","))
    assert entry["question"] == "Why is data typically divided into batches in deep learning?"
    assert entry["mod"] == T0 + 10


def test_removed_notes_are_reported_once_and_kept_in_the_lock(project: Path) -> None:
    deck2anki.build(timestamp=T0)
    guid = guids_by_question(project)["What is a DenseNet?"]
    source = project / "sources" / SEED.name
    lines = source.read_text(encoding="utf-8").splitlines()
    at = lines.index("What is a DenseNet?")
    source.write_text("\n".join(lines[:at] + lines[at + 2 :]), "utf-8")
    (built,) = deck2anki.build(timestamp=T0 + 10).built
    (gone,) = built.removed
    assert (gone.question, gone.guid) == ("What is a DenseNet?", guid)
    entry = next(note for note in locked_notes(project) if note["guid"] == guid)
    assert entry["removed"] is True
    edit_seed(project, "memory constraints", "memory limits")
    (built,) = deck2anki.build(timestamp=T0 + 20).built
    assert built.removed == ()
    assert any(note.get("removed") for note in locked_notes(project))


def test_a_removed_note_that_comes_back_gets_its_guid_back(project: Path) -> None:
    deck2anki.build(timestamp=T0)
    guid = guids_by_question(project)["What is a DenseNet?"]
    source = project / "sources" / SEED.name
    original = source.read_text(encoding="utf-8")
    lines = original.splitlines()
    at = lines.index("What is a DenseNet?")
    source.write_text("\n".join(lines[:at] + lines[at + 2 :]), "utf-8")
    deck2anki.build(timestamp=T0 + 10)
    source.write_text(original, "utf-8")
    deck2anki.build(timestamp=T0 + 20)
    assert guids_by_question(project)["What is a DenseNet?"] == guid
    assert not any(note.get("removed") for note in locked_notes(project))


def _entry(guid: str, question: str, answer: str) -> LockedNote:
    from deck2anki.identity.relink import fingerprint

    return LockedNote(guid, question, "c", fingerprint(Note(question, answer)), T0)


def test_a_rewording_that_could_be_either_of_two_notes_is_not_guessed() -> None:
    answer = "Skip connections let gradients flow past layers in residual networks."
    previous = [_entry("g1", "What are skip links?", answer), _entry("g2", "Skip links?", answer)]
    deck = Deck("D", (Note("What do skip connections do?", answer),))
    report = Report()
    identified = identify(deck, previous, report)
    assert identified.relinked == ()
    assert identified.deck.notes[0].guid not in {"g1", "g2"}
    (warning,) = report.diagnostics
    assert warning.rule == "ambiguous-rewording"


def test_a_new_card_with_an_unrelated_answer_is_not_relinked() -> None:
    previous = [_entry("g1", "What is a DenseNet?", "Dense connections between all layers.")]
    deck = Deck("D", (Note("What is dropout?", "Randomly zeroing activations in training."),))
    identified = identify(deck, previous, Report())
    assert identified.relinked == ()
    assert [entry.guid for entry in identified.newly_removed] == ["g1"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "deck2anki.lock: damaged lock file (Expecting property name"),
        (
            '{"deck2anki-lock": 99, "decks": {}}',
            "deck2anki.lock: damaged lock file (unknown lock format 99)",
        ),
        ('{"deck2anki-lock": 1}', 'deck2anki.lock:1: damaged lock file ("decks": is missing)'),
    ],
    ids=["not-json", "unknown-format", "missing-decks"],
)
def test_a_damaged_lock_is_a_clear_error_and_nothing_is_written(
    project: Path, content: str, message: str
) -> None:
    (project / "deck2anki.lock").write_text(content, encoding="utf-8")
    with pytest.raises(deck2anki.UsageError) as failure:
        deck2anki.build(timestamp=T0)
    assert str(failure.value).startswith(message)
    assert "restore it from version control" in str(failure.value)
    assert not (project / "build").exists()
    assert (project / "deck2anki.lock").read_text(encoding="utf-8") == content


def test_a_large_decks_lines_in_pieces_make_the_same_lock_and_seal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lines of a deck's notes are made in pieces of about 64 KiB (``lock.PIECE``, for a
    rebuild's peak memory): the lock file and the seal are the bytes one buffer gave."""
    from deck2anki.identity import lock
    from deck2anki.identity.lockread import load_lock

    notes = tuple(
        LockedNote(f"g{i:09}", f"Question {i} \u00e9?", f"{i:016x}", f"{i:064x}", 1_700_000_000 + i)
        for i in range(2_000)
    )
    deck = lock.LockedDeck("1" * 16, "2" * 16, notes, context="3" * 16)
    whole = lock.Lock(None, {"deck": replace(deck, seal=lock.seal(deck))})
    pieces = lock.notes_block(notes)
    assert len(pieces) > 3  # 2,000 lines of about 200 bytes: several pieces

    monkeypatch.setattr(lock, "PIECE", 1 << 40)  # one buffer, as before
    assert len(lock.notes_block(notes)) == 1
    one_buffer = b"".join(lock.lock_parts(whole))
    seal_of_one = lock.seal(deck)
    monkeypatch.undo()

    assert b"".join(lock.lock_parts(whole)) == one_buffer
    assert b"".join(lock.lock_parts(whole, {"deck": (lock.seal(deck), pieces)})) == one_buffer
    assert lock.seal(deck, pieces) == seal_of_one
    (tmp_path / "deck2anki.lock").write_bytes(one_buffer)
    read = load_lock(tmp_path / "deck2anki.lock")
    assert read.decks["deck"].notes == notes
    assert read.decks["deck"].intact
