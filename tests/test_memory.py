"""Memory a large source costs: a bounded multiple of its text, whatever the format (issue 17)."""

from __future__ import annotations

import json
import shutil
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki import files, inspection
from deck2anki.cli import cli
from deck2anki.errors import Report
from deck2anki.inspection import inspect_package
from deck2anki.model import printable
from deck2anki.readers import apkg
from deck2anki.writers import WriteOptions


def csv_deck(rows: int) -> str:
    """A CSV deck of long rows: the notes' own text outweighs the objects around it."""
    answer = "An answer that goes on and on " * 40
    return "Question,Answer\n" + "".join(f"Question {i}?,{answer}{i}\n" for i in range(rows))


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_reading_delimited_text_costs_less_than_four_times_its_size(fmt: str) -> None:
    text = csv_deck(2_000)
    if fmt == "tsv":
        text = text.replace(",", "\t")
    deck, _, peak = read_traced(text, fmt)
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
    deck, _, peak = read_traced(text, "markdown")
    assert len(deck.notes) == 2_000
    # The notes hold 2.8 times the text; markdown-it's marks of every line and the tokens of
    # a card at a time come on top. The tokens of the whole text, kept until every card's
    # note was made, took 29 times the text (a 55 MB source: 900 MB).
    assert peak < 10 * len(text)


def test_the_notes_read_from_markdown_hold_less_than_two_and_a_half_times_its_text() -> None:
    deck2anki.read_text(markdown_deck(3), fmt="markdown")
    text = markdown_deck(2_000)
    deck, held, _ = read_traced(text, "markdown")
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


def read_traced(text: str, fmt: str) -> tuple[deck2anki.Deck, int, int]:
    """The deck read from ``text``, with the memory its objects held at the end and at the
    most while it was read (tracemalloc: Python's objects, not the process)."""
    tracemalloc.start()
    try:
        deck = deck2anki.read_text(text, fmt=fmt)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return deck, held, peak


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


def test_json_is_written_to_its_file_a_note_at_a_time(tmp_path: Path) -> None:
    deck2anki.write(long_deck(3), tmp_path / "first.json")  # what it imports is not counted
    deck = long_deck(2_000)
    target = tmp_path / "deck.json"
    peak = traced_peak(lambda: deck2anki.write(deck, target))
    # json.dumps(indent=2) made a list of every piece of the document before joining it,
    # then a copy with its last newline and an encoded copy: 3.3 times the file.
    assert peak < 1.6 * target.stat().st_size
    # The notes are held already; the document went to the file as it was made, never
    # whole beside them (held whole, it took 1.3 times the file; 75 MB at 100,000 notes).
    assert peak < 0.1 * target.stat().st_size


def test_a_json_output_interrupted_part_way_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "deck.json"
    target.write_text("the old file", "utf-8")
    seen: list[tuple[str, str]] = []

    def interrupt(deck: str, done: int, of: int) -> None:
        if done == 1000:
            # Half the notes are written already, into a temporary file beside the output.
            seen.extend((path.name, path.read_text("utf-8")[:1]) for path in tmp_path.iterdir())
            raise KeyboardInterrupt

    options = WriteOptions(timestamp=0, progress=interrupt)
    with pytest.raises(KeyboardInterrupt):
        deck2anki.write(long_deck(2_000), target, options=options)
    temporary = [name for name, _ in seen if name.endswith(files.TEMPORARY_SUFFIX)]
    assert len(temporary) == 1 and temporary[0].startswith(".deck.json.")
    assert sorted(seen) == sorted([("deck.json", "t"), (temporary[0], "{")])
    assert [path.name for path in tmp_path.iterdir()] == ["deck.json"]
    assert target.read_text("utf-8") == "the old file"


T0 = 1_700_000_000

SHORT_NOTES = {
    "deck.csv": "Question,Answer\n" + "".join(f"Is it {i}?,{i}.\n" for i in range(10_000)),
    "deck.txt": "".join(f"Is it {i}?\n{i}.\n" for i in range(10_000)),
}
"""Decks of many short notes: the objects around their text weigh most."""


@pytest.mark.parametrize("name", sorted(SHORT_NOTES))
def test_a_rebuild_after_one_edit_costs_little_more_memory_than_a_cold_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "sources" / name
    source.parent.mkdir()
    source.write_text(SHORT_NOTES[name], "utf-8")
    deck2anki.build(timestamp=T0)  # once first: what it imports is not counted
    shutil.rmtree(tmp_path / "build")
    (tmp_path / "deck2anki.lock").unlink()
    cold = traced_peak(lambda: deck2anki.build(timestamp=T0))
    source.write_text(SHORT_NOTES[name].replace("0.\n", "Zero.\n", 1), "utf-8")
    warm = traced_peak(lambda: deck2anki.build(timestamp=T0 + 60))
    # The rebuild holds the lock and the previous package's fields besides the notes. It
    # held each note twice too, as read and as prepared, while the notes were identified
    # (1.4 times a cold build's peak).
    assert warm < 1.3 * cold


@pytest.mark.parametrize("size", [0, 1, 100_000])
def test_reading_a_file_allocates_its_size_not_the_most_it_may_read(
    tmp_path: Path, size: int
) -> None:
    path = tmp_path / "deck.csv"
    path.write_bytes(b"x" * size)
    peak = traced_peak(lambda: files.read_bytes(path))
    # A read of up to 1 GiB (the most deck2anki reads of a file) allocated 1 GiB first.
    assert peak < 2 * size + 10_000
    assert files.read_bytes(path) == b"x" * size


LONG_ANSWER = "A long answer, on and on. " * 30

LONG_NOTES = {
    "deck.csv": "Question,Answer\n"
    + "".join(f"Is it {i}?,{LONG_ANSWER}{i}\n" for i in range(2_000)),
    "deck.txt": "".join(f"Is it {i}?\n{LONG_ANSWER}{i}\n" for i in range(2_000)),
}
"""Decks of long notes: their text weighs most."""


@pytest.mark.parametrize(
    ("name", "fmt", "times"),
    [
        ("deck.csv", "csv", 2.2),  # was 2.45: the bytes, then the text and the notes
        ("deck.txt", "lecture", 3.0),  # was 3.66: the bytes, the text, its lines, the notes
    ],
)
def test_reading_a_source_lets_its_bytes_go_once_they_are_text(
    tmp_path: Path, name: str, fmt: str, times: float
) -> None:
    path = tmp_path / name
    path.write_text(LONG_NOTES[name], "utf-8")
    deck2anki.read(path)  # once first: what it imports is not counted
    peak = traced_peak(lambda: deck2anki.read(path))
    assert peak < times * len(LONG_NOTES[name])
    text_peak = traced_peak(lambda: deck2anki.read_text(LONG_NOTES[name], fmt=fmt))
    assert text_peak < times * len(LONG_NOTES[name])


def test_markdown_is_written_and_read_back_a_thousand_notes_at_a_time(tmp_path: Path) -> None:
    # Emphasis and code: no note is plain, so every one is read back with markdown-it.
    text = "".join(
        f"## Question {i}?\n\nA *long* answer with `code`. {'And more of it. ' * 30}{i}\n\n"
        for i in range(5_000)
    )
    deck = deck2anki.read_text(text, fmt="markdown", deck_name="Long")
    target = tmp_path / "deck.md"
    peak = traced_peak(lambda: deck2anki.write(deck, target))
    # The notes are held already; the sections, the notes turned to Markdown and the parse
    # that reads them back are a thousand notes' worth. Made for the whole document at once
    # before it went whole to the file, they took 12.7 times the file (1.1 GB at 100,000
    # notes).
    assert peak < 4 * target.stat().st_size
    assert deck2anki.read_text(target.read_text("utf-8"), fmt="markdown").notes == deck.notes
