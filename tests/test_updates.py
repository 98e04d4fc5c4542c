"""Rebuilding never costs a review: a rebuilt deck imported over the old one, seen by Anki.

Anki's log says ``duplicate`` for a note it left untouched because the package's copy is not
newer than its own: with the lock, that is every note whose content did not change.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import deck2anki
from deck2anki.cards import notetype

from conftest import edit_seed, fold, import_package, log_counts, review_every_card, study_state

T0 = 1_700_000_000
PACKAGE = Path("build/deep-learning-lecture-06.apkg")


def build_copy(project: Path, name: str, timestamp: int) -> Path:
    """Build at ``timestamp`` and keep a copy of the package as ``name``."""
    deck2anki.build(project / "sources", project / "build", timestamp=timestamp)
    return Path(shutil.copy(project / PACKAGE, project / name))


@pytest.fixture
def studied(project: Path, collection: Any) -> Any:
    """A collection that imported the first build and reviewed every card once."""
    first = build_copy(project, "first.apkg", T0)
    assert log_counts(import_package(collection, first))["new"] == 20
    review_every_card(collection)
    assert len(study_state(collection)[0]) == 20
    return collection


def note_with(col: Any, text: str) -> Any:
    (note_id,) = [nid for nid in col.find_notes("") if text in col.get_note(nid)["Question"]]
    return col.get_note(note_id)


def test_an_edited_answer_updates_that_note_alone_and_keeps_every_review(
    project: Path, studied: Any
) -> None:
    before = study_state(studied)
    edit_seed(project, "to accommodate memory constraints", "because memory is limited")
    log = import_package(studied, build_copy(project, "second.apkg", T0 + 3600))
    assert log_counts(log) == {"new": 0, "updated": 1, "duplicate": 19, "conflicting": 0}
    assert fold(log.updated[0].fields[0]).startswith("Why is data typically divided")
    assert study_state(studied) == before
    assert studied.note_count() == 20
    note = note_with(studied, "Why is data typically divided")
    assert "because memory is limited" in note["Answer"]


def test_a_reworded_question_updates_the_note_in_place(project: Path, studied: Any) -> None:
    before = study_state(studied)
    edit_seed(
        project,
        "Why is data typically divided into batches in deep learning?",
        "Why is data usually split into batches in deep learning?",
    )
    result = deck2anki.build(project / "sources", project / "build", timestamp=T0 + 3600)
    (relink,) = result.built[0].relinked
    assert relink.old_question == "Why is data typically divided into batches in deep learning?"
    log = import_package(studied, project / PACKAGE)
    assert log_counts(log) == {"new": 0, "updated": 1, "duplicate": 19, "conflicting": 0}
    assert study_state(studied) == before
    assert studied.note_count() == 20
    assert note_with(studied, "usually split into batches")["Answer"].startswith("Data is divided")


def test_a_reworded_question_with_a_touched_answer_keeps_its_note(
    project: Path, studied: Any
) -> None:
    edit_seed(project, "What is a DenseNet?", "What is a DenseNet architecture?")
    edit_seed(project, "fostering feature reuse", "encouraging feature reuse")
    log = import_package(studied, build_copy(project, "second.apkg", T0 + 3600))
    assert log_counts(log) == {"new": 0, "updated": 1, "duplicate": 19, "conflicting": 0}


def test_a_students_own_edit_survives_a_rebuild_without_changes(
    project: Path, studied: Any
) -> None:
    note = note_with(studied, "What is a DenseNet?")
    note["Analogy"] = "My own mnemonic."
    studied.update_note(note)
    deck2anki.build(project / "sources", project / "build", timestamp=T0 + 7200, force=True)
    log = import_package(studied, project / PACKAGE)
    assert log_counts(log) == {"new": 0, "updated": 0, "duplicate": 20, "conflicting": 0}
    assert note_with(studied, "What is a DenseNet?")["Analogy"] == "My own mnemonic."


def test_a_rebuild_without_changes_gives_the_same_bytes_at_any_time(project: Path) -> None:
    first = build_copy(project, "first.apkg", T0).read_bytes()
    deck2anki.build(project / "sources", project / "build", timestamp=T0 + 86_400, force=True)
    assert (project / PACKAGE).read_bytes() == first


def test_a_changed_note_gets_a_later_mod_even_within_the_same_second(project: Path) -> None:
    deck2anki.build(timestamp=T0)
    edit_seed(project, "to accommodate memory constraints", "because memory is limited")
    deck2anki.build(timestamp=T0)
    deck = deck2anki.read(project / PACKAGE)
    mods = _lock_mods(project)
    guid = deck.notes[0].guid
    assert guid is not None
    assert mods[guid] == T0 + 1
    assert sorted(mods.values())[:-1] == [T0] * 19


def _lock_mods(project: Path) -> dict[str, int]:
    import json

    lock = json.loads((project / "deck2anki.lock").read_text(encoding="utf-8"))
    notes = lock["decks"]["deep-learning-lecture-06"]["notes"]
    return {note["guid"]: note["mod"] for note in notes}


def test_note_mods_in_anki_are_the_times_content_changed(project: Path, studied: Any) -> None:
    edit_seed(project, "to accommodate memory constraints", "because memory is limited")
    import_package(studied, build_copy(project, "second.apkg", T0 + 3600))
    mods = {studied.get_note(nid).guid: studied.get_note(nid).mod for nid in studied.find_notes("")}
    assert sorted(mods.values()) == [T0] * 19 + [T0 + 3600]
    assert mods == _lock_mods(project)


def test_a_template_or_css_change_reaches_the_collection_without_a_fork(
    project: Path, studied: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = notetype.template_text

    def restyled(name: str) -> str:
        text = original(name)
        return (
            text + "\n.d2a-analogy { border-left-width: 7px; }\n" if name == "style.css" else text
        )

    monkeypatch.setattr(notetype, "template_text", restyled)
    notetype.genanki_model.cache_clear()
    try:
        result = deck2anki.build(project / "sources", project / "build", timestamp=T0 + 60)
    finally:
        notetype.genanki_model.cache_clear()
    assert result.built, "a style change must rebuild the deck"
    log = import_package(studied, project / PACKAGE)
    assert log_counts(log) == {"new": 0, "updated": 0, "duplicate": 20, "conflicting": 0}
    ours = [m for m in studied.models.all() if "deck2anki" in m["name"]]
    # The project's own note type (issue 15), the one the lock records: no second one.
    assert [m["id"] for m in ours] == [
        json.loads((project / "deck2anki.lock").read_text())["notetype"]["id"]
    ]
    card = studied.get_card(studied.find_cards("")[0])
    assert "border-left-width: 7px" in card.answer()
