"""Stable identities: note GUIDs, deck and note type ids that never depend on time or machine.

Anki matches an imported note to an existing one by GUID alone (ANKI-FACTS 1), so the GUID
must come from what a note *is* (its deck and question), never from its answer: editing an
answer must update the note in place, not add a second one.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import replace

from .errors import Report
from .model import Deck, Location, Note

# Anki's own GUID alphabet (base 91 of printable ASCII, minus characters that trouble its
# text import and HTML); GUIDs in this alphabet look like the ones Anki makes itself.
_GUID_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
)
# Ids stay below 2**53 so that JavaScript (Anki's web views, AnkiDroid) holds them exactly.
_ID_BITS = 52


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()


def stable_id(*parts: str) -> int:
    """A positive id below 2**53 derived from ``parts`` alone: the same on every machine."""
    value = int.from_bytes(_digest(*parts)[:8], "big") >> (64 - _ID_BITS)
    # Keep clear of the small ids Anki gives its own defaults (deck 1, options group 1).
    return value | (1 << (_ID_BITS - 1))


def normalize_question(question: str) -> str:
    """The part of a question that identifies it: Unicode-normalised, white space folded."""
    return " ".join(unicodedata.normalize("NFC", question).split())


def note_guid(deck_key: str, question: str) -> str:
    """The GUID of a note with ``question`` in the deck identified by ``deck_key``."""
    number = int.from_bytes(_digest("note", deck_key, normalize_question(question))[:8], "big")
    digits = []
    while number:
        number, digit = divmod(number, len(_GUID_ALPHABET))
        digits.append(_GUID_ALPHABET[digit])
    return "".join(reversed(digits)) or _GUID_ALPHABET[0]


def deck_id(deck_name: str) -> int:
    """The Anki deck id of the deck called ``deck_name``."""
    return stable_id("deck", deck_name)


def assign_guids(deck: Deck, report: Report) -> Deck:
    """The deck with a GUID on every note; two notes with one GUID are reported as errors.

    A GUID pinned by the source is kept; the others are derived from the deck's name and the
    question, so two notes with the same question would be one note to Anki.
    """
    notes: list[Note] = []
    first_seen: dict[str, Note] = {}
    for note in deck.notes:
        if note.guid is None:
            note = replace(note, guid=note_guid(deck.name, note.question))
        assert note.guid is not None
        earlier = first_seen.setdefault(note.guid, note)
        if earlier is not note:
            where = earlier.location
            report.error(
                note.location or Location("<deck>"),
                "this question is already in the deck"
                + (f" (line {where.line})" if where and where.line else ""),
                "duplicate-question",
                "Anki would take both cards for one note: reword one question or merge them",
            )
        notes.append(note)
    return replace(deck, notes=tuple(notes))
