"""What a student's cards hold: tags to filter by, optional reversed and type-in cards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import deck2anki

from conftest import fold, import_package, review_every_card, study_state

T0 = 1_700_000_000
PACKAGE = Path("build/deep-learning-lecture-06.apkg")


def configure(project: Path, settings: str) -> None:
    (project / "deck2anki.toml").write_text(
        f"[decks.deep-learning-lecture-06]\n{settings}\n", encoding="utf-8"
    )


def cards_by_template(col: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for card_id in col.find_cards(""):
        name = col.get_card(card_id).template()["name"]
        counts[name] = counts.get(name, 0) + 1
    return counts


def test_every_note_is_tagged_with_its_source_and_the_decks_tags(
    project: Path, collection: Any
) -> None:
    configure(project, 'tags = ["deep-learning", "week6"]')
    deck2anki.build(timestamp=T0)
    import_package(collection, project / PACKAGE)
    for note_id in collection.find_notes(""):
        assert sorted(collection.get_note(note_id).tags) == [
            "deck2anki::deep-learning-lecture-06",
            "deep-learning",
            "week6",
        ]
    assert len(collection.find_notes("tag:deck2anki::deep-learning-lecture-06")) == 20


def test_reversed_and_type_in_cards_are_off_by_default(project: Path, collection: Any) -> None:
    deck2anki.build(timestamp=T0)
    import_package(collection, project / PACKAGE)
    assert cards_by_template(collection) == {"Forward": 20}


def test_reversed_cards_ask_the_question_from_the_answer(project: Path, collection: Any) -> None:
    configure(project, "reverse = true")
    deck2anki.build(timestamp=T0)
    import_package(collection, project / PACKAGE)
    assert cards_by_template(collection) == {"Forward": 20, "Reverse": 20}
    (card,) = [
        collection.get_card(c)
        for c in collection.find_cards("card:Reverse")
        if "Why is data typically divided" in collection.get_card(c).answer()
    ]
    front = fold(card.question().rpartition("</style>")[2])
    assert front.startswith("Which question does this answer? Data is divided into batches")
    assert "Why is data typically divided" not in front
    assert "Why is data typically divided into batches in deep learning?" in fold(card.answer())


def test_type_in_cards_ask_for_the_answer_to_be_typed(project: Path, collection: Any) -> None:
    configure(project, "type_in = true")
    deck2anki.build(timestamp=T0)
    import_package(collection, project / PACKAGE)
    assert cards_by_template(collection) == {"Forward": 20, "Type-in": 20}
    card = collection.get_card(collection.find_cards("card:Type-in")[0])
    # Anki's backend leaves the type box to the app: it shows as a placeholder here.
    assert "[[type:Answer]]" in card.question()


def test_switching_reversed_cards_on_later_adds_them_and_keeps_every_review(
    project: Path, collection: Any
) -> None:
    deck2anki.build(timestamp=T0)
    import_package(collection, project / PACKAGE)
    review_every_card(collection)
    revlog, cards = study_state(collection)
    configure(project, "reverse = true")
    deck2anki.build(timestamp=T0 + 3600)
    log = import_package(collection, project / PACKAGE)
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 20, 0)
    assert cards_by_template(collection) == {"Forward": 20, "Reverse": 20}
    revlog_after, cards_after = study_state(collection)
    assert revlog_after == revlog
    assert [card for card in cards_after if card[0] in {c[0] for c in cards}] == cards
    # One note type, the project's own (issue 15): reverse cards never fork it.
    assert [m["name"] for m in collection.models.all() if "deck2anki" in m["name"]] == [
        "Deep Learning Lecture 06 (deck2anki)"
    ]


def test_lecture_code_shows_as_inline_code_unless_switched_off(
    project: Path, collection: Any
) -> None:
    deck2anki.build(timestamp=T0)
    note = deck2anki.read(project / PACKAGE).notes[4]  # What does the .map() method do ...?
    assert note.question == "What does the `.map()` method do on a TensorFlow Dataset?"
    configure(project, "inline_code = false")
    deck2anki.build(timestamp=T0 + 60)
    note = deck2anki.read(project / PACKAGE).notes[4]
    assert note.question == "What does the .map() method do on a TensorFlow Dataset?"


def test_a_package_with_optional_cards_keeps_them_through_json_and_back(
    project: Path, collection: Any, tmp_path: Path
) -> None:
    configure(project, "reverse = true\ntype_in = true")
    deck2anki.build(timestamp=T0)
    deck2anki.convert(project / PACKAGE, tmp_path / "deck.json")
    deck2anki.convert(tmp_path / "deck.json", tmp_path / "again.apkg")
    import_package(collection, tmp_path / "again.apkg")
    assert cards_by_template(collection) == {"Forward": 20, "Reverse": 20, "Type-in": 20}
