"""No reader ever crashes: any input gives a deck or a SourceError that says where."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deck2anki.errors import SourceError
from deck2anki.formats import FORMATS, Format
from deck2anki.model import Deck
from deck2anki.pipeline import parse

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
