"""Stable identities: note GUIDs, deck and note type ids that never depend on time or machine.

Anki matches an imported note to an existing one by GUID alone (ANKI-FACTS 1), so the GUID
must come from what a note *is* (its source and its question), never from its answer:
editing an answer must update the note in place, not add a second one.
"""

from __future__ import annotations

import hashlib
import unicodedata

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
    if not question.isascii():  # ASCII is already normal; most questions are
        question = unicodedata.normalize("NFC", question)
    folded = " ".join(question.split())
    # Most questions are normal already: keep one string, not two (100,000 notes, 12 MB).
    return question if folded == question else folded


def note_guid(deck_key: str, question: str) -> str:
    """The GUID of a note with ``question`` in the deck identified by ``deck_key``."""
    return _guid(deck_key, normalize_question(question))


def note_derived(deck_key: str, question: str) -> tuple[str, str]:
    """A question's ``normalize_question``, and the GUID it gives in deck ``deck_key``."""
    normalized = normalize_question(question)
    return normalized, _guid(deck_key, normalized)


# Two digits at a time: half the divisions (this runs for every note of every deck).
_GUID_PAIRS = [high + low for high in _GUID_ALPHABET for low in _GUID_ALPHABET]


def _guid(deck_key: str, normalized: str) -> str:
    # _digest("note", deck_key, normalized), written out: this runs for every note.
    digest = hashlib.sha256(f"note\x1f{deck_key}\x1f{normalized}".encode()).digest()
    return _base91(int.from_bytes(digest[:8], "big"))


def _base91(number: int) -> str:
    """``number`` (not negative) in Anki's GUID alphabet: most significant digit first, no
    leading zeros, "a" for zero."""
    pairs = len(_GUID_PAIRS)
    digits = []
    while number >= pairs:
        number, pair = divmod(number, pairs)
        digits.append(_GUID_PAIRS[pair])
    # What is left is the leading one or two digits (one "a", the zero, if all is zero).
    last = _GUID_PAIRS[number] if number >= len(_GUID_ALPHABET) else _GUID_ALPHABET[number]
    if number or not digits:
        digits.append(last)
    return "".join(reversed(digits))


def deck_id(deck_name: str) -> int:
    """The Anki deck id of the deck called ``deck_name``."""
    return stable_id("deck", deck_name)
