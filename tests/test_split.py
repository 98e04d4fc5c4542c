"""The answer / analogy splitter: the rule, case by case, and the seed deck card by card."""

from __future__ import annotations

import pytest

from deck2anki.cards.split import split_answer, split_note
from deck2anki.errors import Report
from deck2anki.model import Note
from deck2anki.readers.lecture import parse

from conftest import SEED
from lecture06_expected import EXPECTED_CARDS


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            "Batches fit in memory. Analogy: reading a book chapter by chapter.",
            ("Batches fit in memory.", "reading a book chapter by chapter."),
        ),
        (
            "Batches fit in memory. analogy:   reading a book.",
            ("Batches fit in memory.", "reading a book."),
        ),
        (
            "The layer picks transforms at random. To keep with our dog analogy, it picks"
            " different ways to change the dog pictures.",
            (
                "The layer picks transforms at random.",
                "To keep with our dog analogy, it picks different ways to change the dog pictures.",
            ),
        ),
        (
            "Networks can branch. For example, a model might take an image and numbers.",
            ("Networks can branch. For example, a model might take an image and numbers.", ""),
        ),
        (
            "Segmentation labels pixels. For instance, cars find signs. Analogy: colouring in.",
            ("Segmentation labels pixels. For instance, cars find signs.", "colouring in."),
        ),
        (
            "Preprocess first (e.g., keras.applications.Xception.preprocess_input()). Vital.",
            (
                "Preprocess first (e.g., keras.applications.Xception.preprocess_input()). Vital.",
                "",
            ),
        ),
        ("Analogy: only an analogy, no answer.", ("Analogy: only an analogy, no answer.", "")),
        (
            "An analogy is a comparison. It helps memory.",
            ("An analogy is a comparison. It helps memory.", ""),
        ),
        (
            "Gradients vanish. For example, by analogy with whispers in a long line.",
            ("Gradients vanish. For example, by analogy with whispers in a long line.", ""),
        ),
        ("Plain answer with no analogy at all.", ("Plain answer with no analogy at all.", "")),
    ],
    ids=[
        "labelled-inside-the-line",
        "label-case-and-spaces",
        "sentence-naming-the-analogy",
        "for-example-stays",
        "for-instance-stays-label-still-splits",
        "e.g.-and-dotted-calls-stay",
        "label-with-no-answer-before-it-is-not-split",
        "first-sentence-naming-analogy-is-the-answer",
        "example-sentence-is-never-an-analogy",
        "no-analogy",
    ],
)
def test_split_answer(answer: str, expected: tuple[str, str]) -> None:
    assert split_answer(answer) == expected


def test_in_markdown_a_label_inside_code_is_code_not_an_analogy() -> None:
    answer = "Use it like this:\n\n```text\nAnalogy: not one\n```\n\nAnd `Analogy: x` too."
    assert split_answer(answer, markdown=True) == (answer, "")
    assert split_answer(answer + "\n\nAnalogy: a real one.", markdown=True) == (
        answer,
        "a real one.",
    )


def test_a_note_that_already_has_an_analogy_is_left_alone() -> None:
    note = Note("Q?", "Answer. Analogy: inner label.", analogy="Given analogy.")
    assert split_note(note) is note


@pytest.mark.parametrize("number", range(1, 21), ids=[f"card{n:02d}" for n in range(1, 21)])
def test_seed_card_splits_as_written_by_hand(number: int) -> None:
    deck = parse(SEED.read_text(encoding="utf-8"), str(SEED), Report())
    note = split_note(deck.notes[number - 1])
    assert (note.question, note.answer, note.analogy) == EXPECTED_CARDS[number - 1]
