"""The lecture page reader: what real copies of flashcard pages look like."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deck2anki.errors import Report, Severity
from deck2anki.readers.lecture import parse

from conftest import SEED

PREAMBLE = (
    "1/2\n"
    "Flashcards based on Lecture 1, covering basics.\n"
    "Name | Mastery | Learn | Test | Matching | Spaced |\n"
    "|---|\n"
    "No study sessions yet.\n"
)
CARDS = (
    "What is a tensor?\n"
    "A multi-dimensional array. Analogy: a spreadsheet with more than two sides.\n"
    "Define the vanishing gradient problem\n"
    "Gradients shrink as they flow back through many layers.\n"
)
EXPECTED = [
    (
        "What is a tensor?",
        "A multi-dimensional array. Analogy: a spreadsheet with more than two sides.",
    ),
    (
        "Define the vanishing gradient problem",
        "Gradients shrink as they flow back through many layers.",
    ),
]


def read(text: str) -> tuple[list[tuple[str, str]], Report, str]:
    report = Report()
    deck = parse(text, "cards.txt", report)
    return [(n.question, n.answer) for n in deck.notes], report, deck.description


@pytest.mark.parametrize(
    "text",
    [
        PREAMBLE + CARDS,
        CARDS,
        "1/2\n" + CARDS,
        "Flashcards based on Lecture 1, covering basics.\n" + CARDS,
        "Name | Mastery | Learn | Test |\n|---|\n" + CARDS,
        "No study sessions yet.\n" + CARDS,
        (PREAMBLE + CARDS).replace("\n", "\r\n"),
        "\ufeff" + PREAMBLE + CARDS,
        (PREAMBLE + CARDS).replace("\n", "   \n"),
        (PREAMBLE + CARDS).replace("?\n", "?\n\n").replace("sides.\n", "sides.\n\n\n"),
        "\n\n" + PREAMBLE + "\n" + CARDS + "\n\n",
        (PREAMBLE + CARDS).rstrip("\n"),
        (PREAMBLE + CARDS).replace("\n", "\r"),
    ],
    ids=[
        "full-preamble",
        "no-preamble",
        "counter-only",
        "description-only",
        "table-only",
        "status-only",
        "crlf",
        "byte-order-mark",
        "trailing-spaces",
        "blank-lines-between-and-inside-cards",
        "leading-and-trailing-blank-lines",
        "no-final-newline",
        "old-mac-line-ends",
    ],
)
def test_reader_finds_the_same_two_cards_in_every_real_copy(text: str) -> None:
    cards, report, _ = read(text)
    assert cards == EXPECTED
    assert not report.has_errors


def test_description_line_becomes_the_deck_description() -> None:
    _, _, description = read(PREAMBLE + CARDS)
    assert description == "Flashcards based on Lecture 1, covering basics."


def test_a_description_before_the_table_needs_no_flashcards_wording() -> None:
    _, _, description = read(
        "3/3\nDeep learning, week 6\nName | Mastery | Learn |\n|---|\n" + CARDS
    )
    assert description == "Deep learning, week 6"


def test_non_ascii_text_is_kept_exactly() -> None:
    text = "Was ist „β“ — kurz?\nDer zweite Buchstabe ’griechisch’ … λ ≠ μ.\n"
    cards, report, _ = read(text)
    assert cards == [("Was ist „β“ — kurz?", "Der zweite Buchstabe ’griechisch’ … λ ≠ μ.")]
    assert not report.diagnostics


def test_seed_keeps_all_twenty_cards_despite_its_counter_and_warns() -> None:
    cards, report, _ = read(SEED.read_text(encoding="utf-8"))
    assert len(cards) == 20
    assert not report.has_errors
    (warning,) = report.diagnostics
    assert warning.severity is Severity.WARNING
    assert str(warning).splitlines()[0] == (
        "cards.txt:1:1: warning: the page counter says 19 cards, the file holds 20;"
        " all 20 are kept [counter-mismatch]"
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "What is a tensor?\nAn array.\nWhat is a scalar?\n",
            3,
            "cards.txt:3:1: error: question without an answer [unpaired-question]",
        ),
        (
            "What is a tensor?\nWhat is a scalar?\nA single number.\n",
            1,
            "cards.txt:1:1: error: question without an answer [unpaired-question]",
        ),
        (
            "What is a tensor?\nAn array.\n\nWhat is a scalar?\n\nWhat is a vector?\nA list.\n",
            4,
            "cards.txt:4:1: error: question without an answer [unpaired-question]",
        ),
        (
            "What is a tensor?\nAn array.\nDefine a scalar\n",
            3,
            "cards.txt:3:1: error: line without a partner: a question without its answer,"
            " or an answer without its question [unpaired-line]",
        ),
    ],
    ids=[
        "last-question",
        "first-question",
        "question-alone-between-blank-lines",
        "no-question-mark",
    ],
)
def test_a_question_without_an_answer_is_an_error_naming_its_line(
    text: str, line: int, message: str
) -> None:
    _, report, _ = read(text)
    (error,) = report.diagnostics
    assert error.severity is Severity.ERROR
    assert error.location.line == line
    assert str(error).splitlines()[0] == message


@pytest.mark.parametrize(
    ("text", "cards", "orphan_lines"),
    [
        (
            "Q1?\nA1.\nQ2?\nQ3?\nA3.\nQ4?\nQ5?\nA5.\n",
            [("Q1?", "A1."), ("Q3?", "A3."), ("Q5?", "A5.")],
            [3, 6],
        ),
        (
            "Q0?\nA0.\nQ1?\nQ2?\nA2.\nA3.\n",
            [("Q0?", "A0."), ("Q2?", "A2.")],
            [3, 6],
        ),
        (
            "How do you write OR in C?\nWith a || b.\nWhat is ls?\nLists files.\n",
            [("How do you write OR in C?", "With a || b."), ("What is ls?", "Lists files.")],
            [],
        ),
        (
            "What is shown on a fresh page?\nNo study sessions yet.\nQ2?\nA2.\n",
            [("What is shown on a fresh page?", "No study sessions yet."), ("Q2?", "A2.")],
            [],
        ),
    ],
    ids=[
        "two-answers-missing-in-an-even-run",
        "an-answer-and-a-question-missing",
        "pipes-in-a-card-are-not-page-chrome",
        "a-status-like-answer-is-not-page-chrome",
    ],
)
def test_a_missing_line_is_an_error_and_never_a_wrong_card(
    text: str, cards: list[tuple[str, str]], orphan_lines: list[int]
) -> None:
    found, report, description = read(text)
    assert found == cards
    assert [d.location.line for d in report.diagnostics] == orphan_lines
    assert description == ""


def test_every_unpaired_question_is_reported_not_only_the_first() -> None:
    text = "Q1?\nA1.\n\nQ2?\n\nQ3?\nA3.\n\nQ4?\n"
    _, report, _ = read(text)
    assert [d.location.line for d in report.diagnostics] == [4, 9]


def test_cards_after_an_unpaired_question_are_still_paired_right() -> None:
    cards, _, _ = read("Q1?\nQ2?\nA2.\nQ3?\nA3.\n")
    assert cards == [("Q2?", "A2."), ("Q3?", "A3.")]


def test_an_answer_ending_in_a_question_mark_is_still_an_answer() -> None:
    cards, report, _ = read("Is a scalar a tensor?\nYes: why not?\n")
    assert cards == [("Is a scalar a tensor?", "Yes: why not?")]
    assert not report.has_errors


@pytest.mark.parametrize(
    "text", ["", "\n\n", "   \n", PREAMBLE], ids=["empty", "blank", "spaces", "preamble-only"]
)
def test_a_source_without_cards_is_an_error(text: str) -> None:
    _, report, _ = read(text)
    (error,) = report.diagnostics
    assert error.rule == "no-cards"
    assert str(error).splitlines()[0].endswith("error: no cards found [no-cards]")


def test_notes_remember_the_line_their_question_is_on() -> None:
    report = Report()
    deck = parse(PREAMBLE + CARDS, "cards.txt", report)
    assert [str(n.location) for n in deck.notes] == ["cards.txt:6:1", "cards.txt:8:1"]


@given(st.text())
def test_reader_never_raises_on_any_text(text: str) -> None:
    report = Report()
    deck = parse(text, "any.txt", report)
    assert deck.notes or report.has_errors
    for note in deck.notes:
        assert note.question.strip() and note.answer.strip()
