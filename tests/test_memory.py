"""Memory a large source costs: a bounded multiple of its text, whatever the format (issue 17)."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki import inspection
from deck2anki.cli import cli
from deck2anki.errors import Report
from deck2anki.inspection import inspect_package
from deck2anki.model import printable
from deck2anki.readers import apkg


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


def long_deck(notes: int) -> deck2anki.Deck:
    """A deck of long notes, each with its GUID: its text outweighs the objects around it."""
    text = "\n".join(f"Question {i}?\n{'A long answer, on and on. ' * 30}{i}" for i in range(notes))
    return deck2anki.read_text(text, deck_name="Long")


def traced_peak(action: Callable[[], object]) -> int:
    """The most memory Python objects took while ``action`` ran, beyond what they held before."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def test_writing_json_holds_the_document_about_once(tmp_path: Path) -> None:
    deck = long_deck(2_000)
    target = tmp_path / "deck.json"
    peak = traced_peak(lambda: deck2anki.write(deck, target))
    # json.dumps(indent=2) made a list of every piece of the document before joining it,
    # then a copy with its last newline and an encoded copy: 3.3 times the file.
    assert peak < 1.6 * target.stat().st_size


def test_reading_a_package_holds_its_collection_about_once(tmp_path: Path) -> None:
    package = tmp_path / "deck.apkg"
    deck2anki.write(long_deck(2_000), package)
    with zipfile.ZipFile(package) as archive:
        collection = archive.getinfo("collection.anki2").file_size
    data = package.read_bytes()
    apkg.parse(data, "deck.apkg", Report())  # once first: what it imports is not counted
    peak = traced_peak(lambda: apkg.parse(data, "deck.apkg", Report()))
    # The collection unpacked whole by zipfile (twice, while zlib joined its pieces), then
    # held beside SQLite's copy until every note was read: 3.5 times it (now 1.9: the notes).
    assert peak < 2.4 * collection


def test_inspect_json_prints_the_document_in_parts_of_a_bounded_size(tmp_path: Path) -> None:
    package = tmp_path / "deck.apkg"
    deck2anki.write(long_deck(2_000), package)
    deck = inspect_package(package)
    parts = list(inspection.json_parts(deck, size=50_000))
    # Printed as it is made, a part at a time: never the 100,000-note document whole.
    assert len(parts) > 10
    assert all(len(part) < 50_000 + 5_000 for part in parts)
    document = json.loads("".join(parts))
    assert [note["guid"] for note in document["notes"]] == [note.guid for note in deck.notes]
    printed = CliRunner().invoke(cli, ["inspect", "--json", str(package)]).output
    assert printed == json.dumps(document, ensure_ascii=False, indent=2) + "\n"
