"""Generated inputs: no reader ever crashes (any input gives a deck or a SourceError that says
where), and a Markdown card shows the links the whole document gives it."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from deck2anki.cards.render import render_note
from deck2anki.conversion import parse
from deck2anki.errors import Report, SourceError
from deck2anki.formats import FORMATS, Format
from deck2anki.model import Deck
from deck2anki.readers import markdown as markdown_reader

from conftest import SEED

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
@settings(max_examples=150, deadline=None)
@given(text=st.text())
def test_text_readers_never_crash_on_any_text(index: int, text: str) -> None:
    read_or_fail(text.encode("utf-8", "surrogatepass"), index, TEXT_FORMATS)


@pytest.mark.parametrize("index", range(len(TEXT_FORMATS)), ids=[f.name for f in TEXT_FORMATS])
@settings(max_examples=100, deadline=None)
@given(data=st.binary())
def test_text_readers_never_crash_on_any_bytes(index: int, data: bytes) -> None:
    read_or_fail(data, index, TEXT_FORMATS)


@settings(max_examples=100, deadline=None)
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


@settings(max_examples=60, deadline=None)
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
