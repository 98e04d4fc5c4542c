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


def test_printing_a_document_of_many_lines_does_not_copy_it() -> None:
    # inspect --json prints one document; its newlines and tabs are kept as they are, so
    # they need no second copy of it (the JSON of 100,000 notes is some 60 MB).
    document = '{\n\t"notes": [\n\t\t"one",\n\t\t"two"\n\t]\n}\n' * 1_000
    assert printable(document, "\n\t", json=True) is document
    assert printable(document + "\x1b", "\n\t", json=True) == document + "\\u001b"
