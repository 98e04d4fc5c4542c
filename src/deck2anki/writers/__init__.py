"""Writers: each turns a Deck into the bytes of one output file.

A writer reports what its format cannot hold (tags in lecture text, media in CSV) as one
warning per kind of loss, and writes the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Deck, Note


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """Choices a writer needs beyond the deck."""

    timestamp: int
    """Seconds since the epoch, where a format records a time (the .apkg's notes)."""

    target: str = "<output>"
    """The output's name, for messages about what it could not hold."""

    field_sep: str | None = None
    """Quizlet-style text: what goes between a term and its definition."""

    card_sep: str | None = None
    """Quizlet-style text: what goes between cards."""

    progress: Callable[[str, int, int], None] | None = None
    """Called as (deck name, notes written, notes in the deck) while a large deck is written."""


def each_note(deck: Deck, options: WriteOptions) -> Iterator[Note]:
    """The deck's notes, with ``options.progress`` told every thousand notes."""
    total = len(deck.notes)
    for done, note in enumerate(deck.notes, start=1):
        yield note
        if options.progress is not None and (done % 1000 == 0 or done == total):
            options.progress(deck.name, done, total)


def pinned(guid: str | None, deck_name: str, question: str) -> str | None:
    """The note's GUID if a reader could not derive it again from the deck name and question."""
    from ..identity.guids import note_guid

    return guid if guid and guid != note_guid(deck_name, question) else None
