"""Generated inputs: no reader ever crashes (any input gives a deck or a SourceError that says
where), damaged bytes or any values in a package's collection never give an internal error, and
a Markdown card shows the links the whole document gives it."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import re
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import deck2anki
from deck2anki.cards.render import render_note
from deck2anki.cli import cli
from deck2anki.conversion import parse
from deck2anki.errors import Report, SourceError
from deck2anki.formats import FORMATS, Format
from deck2anki.model import Deck
from deck2anki.readers import markdown as markdown_reader

from conftest import SEED, examples

pytestmark = pytest.mark.fuzz

TEXT_FORMATS = [fmt for fmt in FORMATS if fmt.text_reader is not None]
BYTES_FORMATS = [fmt for fmt in FORMATS if fmt.bytes_reader is not None]


def read_or_fail(data: bytes, fmt_index: int, formats: list[Format]) -> None:
    fmt = formats[fmt_index]
    try:
        deck = parse(data, "fuzzed", fmt)
    except SourceError as error:
        assert error.diagnostics
        assert all(d.location.path == "fuzzed" for d in error.diagnostics)
    else:
        assert isinstance(deck, Deck) and deck.notes


@pytest.mark.parametrize("index", range(len(TEXT_FORMATS)), ids=[f.name for f in TEXT_FORMATS])
@settings(max_examples=examples(150), deadline=None)
@given(text=st.text())
def test_text_readers_never_crash_on_any_text(index: int, text: str) -> None:
    read_or_fail(text.encode("utf-8", "surrogatepass"), index, TEXT_FORMATS)


@pytest.mark.parametrize("index", range(len(TEXT_FORMATS)), ids=[f.name for f in TEXT_FORMATS])
@settings(max_examples=examples(100), deadline=None)
@given(data=st.binary())
def test_text_readers_never_crash_on_any_bytes(index: int, data: bytes) -> None:
    read_or_fail(data, index, TEXT_FORMATS)


@settings(max_examples=examples(100), deadline=None)
@given(data=st.binary(), flip=st.integers(min_value=0))
def test_the_package_reader_never_crashes_on_damaged_packages(data: bytes, flip: int) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("collection.anki2", data)
        archive.writestr("media", "{}")
    package = bytearray(buffer.getvalue())
    package[flip % len(package)] ^= 0xFF
    for blob in (bytes(package), data):
        read_or_fail(blob, 0, BYTES_FORMATS)


@functools.cache
def _loose_collection() -> bytes:
    """The seed's collection as deck2anki writes it, its tables rebuilt without column types
    or NOT NULL, so a generated value of any type is stored as it is."""
    with tempfile.TemporaryDirectory() as folder:
        package = Path(folder) / "valid.apkg"
        deck2anki.write(deck2anki.read(SEED), package, timestamp=1_700_000_000)
        with zipfile.ZipFile(package) as archive:
            database = Path(folder) / "collection.anki2"
            database.write_bytes(archive.read("collection.anki2"))
        connection = sqlite3.connect(database)
        for table in ("col", "notes", "cards"):
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            typed = ", ".join("id integer primary key" if c == "id" else c for c in columns)
            connection.executescript(
                f"CREATE TABLE loose ({typed}); INSERT INTO loose SELECT * FROM {table};"
                f" DROP TABLE {table}; ALTER TABLE loose RENAME TO {table};"
            )
        connection.commit()
        connection.close()
        return database.read_bytes()


def _inspect_gives_a_deck_or_a_located_error(
    collection: bytes, zstd: bool, flips: tuple[tuple[int, int], ...] = ()
) -> None:
    """``deck2anki inspect`` on a package holding ``collection`` (zstd-compressed as in Anki's
    current export, or not), the stored member's bytes then XORed at ``flips``: exit 0, or
    exit 1 with a message naming the package; an exception (exit 3 outside a test) fails."""
    media = b"{}"
    if zstd:
        import zstandard

        compress = zstandard.ZstdCompressor().compress
        collection, media = compress(collection), compress(b"")
    stored = bytearray(collection)
    for offset, mask in flips:
        stored[offset % len(stored)] ^= mask
    with tempfile.TemporaryDirectory() as folder:
        package = Path(folder) / "fuzzed.apkg"
        with zipfile.ZipFile(package, "w") as archive:
            archive.writestr("collection.anki21b" if zstd else "collection.anki2", bytes(stored))
            archive.writestr("media", media)
        result = CliRunner().invoke(cli, ["inspect", str(package)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr
    if result.exit_code == 1:
        assert result.stderr.startswith(f"{package}: error: "), result.stderr


@settings(max_examples=examples(60), deadline=None)
@given(
    flips=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(1, 255)), min_size=1, max_size=8
    ),
    zstd=st.booleans(),
)
def test_damaged_bytes_in_a_package_collection_never_crash(
    flips: list[tuple[int, int]], zstd: bool
) -> None:
    _inspect_gives_a_deck_or_a_located_error(_loose_collection(), zstd, tuple(flips))


_READ = {"notes": ["id", "guid", "mid", "tags", "flds"], "cards": ["nid", "did"]}
_READ["col"] = ["models", "decks"]
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
).map(json.dumps)
_VALUES = (
    st.none()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.text()
    | st.binary()
    | _JSON
    | st.sampled_from(["[" * 5000, '{"1": {"flds": [{"name": 7}]}}', '"\\ud800"', "1e999"])
)


@settings(max_examples=examples(80), deadline=None)
@given(
    changes=st.lists(
        st.tuples(st.sampled_from(sorted(_READ)), st.integers(0, 30), st.data()),
        min_size=1,
        max_size=3,
    ),
    zstd=st.booleans(),
)
def test_any_values_in_the_rows_a_package_is_read_from_never_crash(
    changes: list[tuple[str, int, st.DataObject]], zstd: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "collection.anki2"
        database.write_bytes(_loose_collection())
        connection = sqlite3.connect(database)
        for table, row, data in changes:
            column = data.draw(st.sampled_from(_READ[table]))
            value = data.draw(_VALUES)
            where = f"rowid = (SELECT rowid FROM {table} LIMIT 1 OFFSET {row})"
            # An id that another row has, or that is no integer, is refused: nothing changes.
            with contextlib.suppress(sqlite3.IntegrityError):
                connection.execute(f"UPDATE {table} SET {column} = ? WHERE {where}", (value,))
        connection.commit()
        connection.close()
        collection = database.read_bytes()
    _inspect_gives_a_deck_or_a_located_error(collection, zstd)


def test_the_seed_survives_every_text_reader_without_crashing() -> None:
    for index in range(len(TEXT_FORMATS)):
        read_or_fail(SEED.read_bytes(), index, TEXT_FORMATS)


_TARGETS = re.compile(r'(?:href|src)="([^"]*)"')
_LABELS = ["cell", "Cell Theory", "x"]
_URLS = {label: f"https://example.com/{index}" for index, label in enumerate(_LABELS)}
_PIECES = st.sampled_from(
    [
        "word",
        "[cell]",
        "[the theory][cell theory]",
        "![a picture][X]",
        "[x][]",
        "`code[cell]`",
        "[not defined]",
        "\\[cell]",
    ]
)
_ANSWERS = st.lists(_PIECES, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=examples(60), deadline=None)
@given(
    answers=st.lists(_ANSWERS, min_size=1, max_size=4),
    defined=st.lists(st.sampled_from(_LABELS), unique=True),
    quoted=st.booleans(),
)
def test_a_card_shows_the_links_the_whole_document_shows(
    answers: list[str], defined: list[str], quoted: bool
) -> None:
    """Each card is rendered on its own, yet its links and images are the ones markdown-it
    finds in the card's part of the whole document, wherever their definitions are."""
    cards = [f"## Question {index}?\n\n{answer}\n" for index, answer in enumerate(answers)]
    marker = "> " if quoted else ""
    definitions = "".join(f"{marker}[{label}]: {_URLS[label]}\n" for label in defined)
    document = "\n".join(cards) + "\n" + definitions
    deck = markdown_reader.parse(document, "fuzzed.md", Report())
    whole = MarkdownIt("commonmark").render(document)
    parts = whole.split("<h2>")[1:]
    assert len(parts) == len(deck.notes)
    for part, note in zip(parts, deck.notes, strict=True):
        rendered = render_note(note)
        assert _TARGETS.findall(rendered.answer) == _TARGETS.findall(part), (note.answer, part)
