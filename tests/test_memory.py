"""Memory a large source costs: a bounded multiple of its text, whatever the format (issue 17)."""

from __future__ import annotations

import tracemalloc

import pytest

import deck2anki
from deck2anki.model import printable


def csv_deck(rows: int) -> str:
    """A CSV deck of long rows: the notes' own text outweighs the objects around it."""
    answer = "An answer that goes on and on " * 40
    return "Question,Answer\n" + "".join(f"Question {i}?,{answer}{i}\n" for i in range(rows))


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_reading_delimited_text_costs_less_than_four_times_its_size(fmt: str) -> None:
    text = csv_deck(2_000)
    if fmt == "tsv":
        text = text.replace(",", "\t")
    tracemalloc.start()
    try:
        deck = deck2anki.read_text(text, fmt=fmt)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(deck.notes) == 2_000
    # The bytes, the text decoded from them and the notes: about three times the text. The
    # io.StringIO the reader wrapped the text in held it four times over again (7.3 times).
    assert peak < 4 * len(text)


def markdown_deck(cards: int) -> str:
    """A Markdown deck of cards with the mix real notes have: emphasis, code, a link, a list."""
    answer = "An answer that goes *on* and on, with `code` and [a link](https://example.com). " * 4
    return "".join(
        f"## Question {i}?\n\n{answer}\n\n- a list\n- of two\n\nAnalogy: a river {i}.\n\n"
        for i in range(cards)
    )


def test_reading_markdown_costs_less_than_ten_times_its_size() -> None:
    deck2anki.read_text(markdown_deck(3), fmt="markdown")  # markdown-it imported beforehand
    text = markdown_deck(2_000)
    tracemalloc.start()
    try:
        deck = deck2anki.read_text(text, fmt="markdown")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(deck.notes) == 2_000
    # The notes hold 2.8 times the text; markdown-it's marks of every line and the tokens of
    # a card at a time come on top. The tokens of the whole text, kept until every card's
    # note was made, took 29 times the text (a 55 MB source: 900 MB).
    assert peak < 10 * len(text)


def test_the_notes_read_from_markdown_hold_less_than_two_and_a_half_times_its_text() -> None:
    deck2anki.read_text(markdown_deck(3), fmt="markdown")
    text = markdown_deck(2_000)
    tracemalloc.start()
    try:
        deck = deck2anki.read_text(text, fmt="markdown")
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(deck.notes) == 2_000
    # Their text, each Note and Location: 2.1 times the text. An empty set of cards of its
    # own for every note (216 bytes) made it 2.6: 21 MB for 100,000 notes, kept all build.
    assert held < 2.4 * len(text)


def test_printing_a_document_of_many_lines_does_not_copy_it() -> None:
    # inspect --json prints one document; its newlines and tabs are kept as they are, so
    # they need no second copy of it (the JSON of 100,000 notes is some 60 MB).
    document = '{\n\t"notes": [\n\t\t"one",\n\t\t"two"\n\t]\n}\n' * 1_000
    assert printable(document, "\n\t", json=True) is document
    assert printable(document + "\x1b", "\n\t", json=True) == document + "\\u001b"
