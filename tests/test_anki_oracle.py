"""The shipped seed deck, as Anki itself sees it after importing the .apkg deck2anki built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import deck2anki

from conftest import fold, import_package
from lecture06_expected import EXPECTED_CARDS


@pytest.fixture
def imported(project: Path, collection: Any) -> tuple[Any, Any]:
    """The seed built by ``deck2anki.build`` and imported into a fresh collection."""
    result = deck2anki.build(project / "sources", project / "build")
    (built,) = result.built
    log = import_package(collection, built.output)
    return collection, log


def _without_style(card_html: str) -> str:
    """The card's HTML without the note type's <style> block Anki puts in front of it."""
    return card_html.rpartition("</style>")[2]


def _notes_in_order(col: Any) -> list[Any]:
    # Note ids follow source order: genanki numbers notes as it writes them.
    return [col.get_note(nid) for nid in sorted(col.find_notes(""))]


def test_seed_imports_as_twenty_new_notes_without_conflicts(imported: tuple[Any, Any]) -> None:
    col, log = imported
    assert len(log.new) == 20
    assert not log.conflicting and not log.duplicate and not log.updated
    assert col.note_count() == 20


def test_seed_lands_in_one_deck_named_after_the_source(imported: tuple[Any, Any]) -> None:
    col, _ = imported
    deck_ids = {col.get_card(cid).did for cid in col.find_cards("")}
    assert len(deck_ids) == 1
    assert col.decks.name(deck_ids.pop()) == "Deep Learning Lecture 06"


def test_seed_deck_carries_the_page_description(imported: tuple[Any, Any]) -> None:
    col, _ = imported
    card_id = col.find_cards("")[0]
    deck = col.decks.get(col.get_card(card_id).did)
    assert deck["desc"] == (
        "Flashcards based on Deep Learning Lecture 6, covering data augmentation, modern convnets,"
        " and other computer vision tasks."
    )


def test_note_type_fields_start_with_question_answer_analogy(imported: tuple[Any, Any]) -> None:
    col, _ = imported
    (note, *_) = _notes_in_order(col)
    names = [field["name"] for field in note.note_type()["flds"]]
    assert names[:3] == ["Question", "Answer", "Analogy"]


@pytest.mark.parametrize("number", range(1, 21), ids=[f"card{n:02d}" for n in range(1, 21)])
def test_each_note_holds_the_hand_split_question_answer_and_analogy(
    imported: tuple[Any, Any], number: int
) -> None:
    col, _ = imported
    note = _notes_in_order(col)[number - 1]
    assert (fold(note["Question"]), fold(note["Answer"]), fold(note["Analogy"])) == EXPECTED_CARDS[
        number - 1
    ]


def test_sixteen_of_the_twenty_notes_have_an_analogy(imported: tuple[Any, Any]) -> None:
    col, _ = imported
    assert sum(1 for note in _notes_in_order(col) if note["Analogy"]) == 16


def test_each_note_has_exactly_one_card_the_forward_one(imported: tuple[Any, Any]) -> None:
    col, _ = imported
    for note in _notes_in_order(col):
        (card,) = note.cards()
        assert card.template()["name"] == "Forward"


def test_back_of_a_card_with_an_analogy_shows_it_in_its_own_block(
    imported: tuple[Any, Any],
) -> None:
    col, _ = imported
    card = _notes_in_order(col)[0].cards()[0]
    back = _without_style(card.answer())
    assert 'class="d2a-analogy"' in back
    assert "Processing a large book chapter by chapter" in fold(back)
    assert "Analogy" in fold(back)
    assert "Analogy:" not in fold(back)


def test_back_of_a_card_without_an_analogy_has_no_empty_block(imported: tuple[Any, Any]) -> None:
    col, _ = imported
    card = _notes_in_order(col)[3].cards()[0]  # Keras convenience functions: no analogy
    back = _without_style(card.answer())
    assert "keras.utils.image_dataset_from_directory" in back
    assert "d2a-analogy" not in back
    assert "Analogy" not in fold(back)


def test_front_shows_only_the_question(imported: tuple[Any, Any]) -> None:
    col, _ = imported
    card = _notes_in_order(col)[0].cards()[0]
    front = fold(_without_style(card.question()))
    assert "Why is data typically divided into batches in deep learning?" in front
    assert "memory constraints" not in front


def test_plain_lecture_text_shows_exactly_as_written(tmp_path: Path, collection: Any) -> None:
    deck = deck2anki.read_text(
        "What does __init__ do in a*b*c?\n"
        "It sets up &lt;mask&gt; and <mask> with [x](y) 1) e.g. 0.5 # not a heading.\n",
        deck_name="Plain",
    )
    deck2anki.write(deck, tmp_path / "plain.apkg", timestamp=1_700_000_000)
    import_package(collection, tmp_path / "plain.apkg")
    card = collection.get_card(collection.find_cards("")[0])
    back = _without_style(card.answer())
    assert "<strong>" not in back and "<em>" not in back and "<a " not in back
    assert fold(back) == (
        "What does __init__ do in a*b*c? It sets up &lt;mask&gt; and <mask> with [x](y) 1) e.g."
        " 0.5 # not a heading."
    )
