"""Our cloze note type: what a card with ``{{c1::...}}`` in its question becomes.

Designed once, like ``deck2anki (v1)`` (ANKI-FACTS 5): three fields, fixed names and order
(``Text``, ``Back Extra``, ``Analogy``: the question, the answer, the analogy), one template
(``Cloze``), and Anki's cloze kind, so that Anki makes one card per cloze number. Its id is
derived from the note type it sits beside, never recorded anywhere else: the shared
``deck2anki (v1)`` has the shared ``deck2anki cloze (v1)``, and a project's own note type
(id N, "Biology (deck2anki)") has its own cloze note type (id derived from N, "Biology cloze
(deck2anki)"). So every clone and machine derives the same id from the lock's note type, and
two projects' cloze cards never share a look either.

Its CSS is the project's (``notetype.css``) plus ``templates/cloze.css``: the cloze-only
rules live there, so adding cloze changed nothing in the note type every deck already has.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..identity.guids import stable_id

VERSION = 1
"""Bumped only by a deliberate, announced schema change; it is part of the id."""

FIELDS: tuple[str, ...] = ("Text", "Back Extra", "Analogy")
"""Field names, in order: never renamed, reordered or removed within a version. ``Text`` and
``Back Extra`` are the names Anki's own Cloze note type uses."""

TEMPLATE = ("Cloze", "cloze_front.html", "cloze_back.html")
"""The one card template: its name and the files of its two sides in ``templates/``."""

CSS_FILE = "cloze.css"
"""The cloze-only CSS, after the note type's own."""

_SHARED = stable_id("deck2anki note type", "1")  # notetype.ID, without importing it


def identity(notetype_id: int, notetype_name: str) -> tuple[int, str]:
    """The id and name of the cloze note type beside the note type ``notetype_id`` called
    ``notetype_name``: derived from them alone, so the lock's note type settles both."""
    if notetype_id == _SHARED:
        return stable_id("deck2anki cloze note type", str(VERSION)), f"deck2anki cloze (v{VERSION})"
    cloze_id = stable_id("deck2anki cloze note type", str(notetype_id), str(VERSION))
    label, paren, rest = notetype_name.rpartition(" (")
    name = f"{label} cloze ({rest}" if paren else f"{notetype_name} cloze"
    return cloze_id, name


_NUMBER = re.compile(r"\{\{c([0-9]+)::")


def ords(text: str) -> tuple[int, ...]:
    """The ords of the cards Anki makes of a cloze note whose ``Text`` is ``text``, as Anki's
    own card generation gives them: one per cloze number (``c1`` is ord 0), ``c0`` none,
    numbers past ``MAX_NUMBER`` the card of ``MAX_NUMBER``, numbers past Anki's 16 bits
    (65535) none, as Anki reads no cloze there; ord 0 when there is none (Anki keeps an
    empty first card). A package with an ord past Anki's 16 bits fails to import."""
    # A longer number is not turned into an int at all (Python refuses over 4,300 digits).
    digits = (m[1].lstrip("0") or "0" for m in _NUMBER.finditer(text))
    numbers = {int(number) for number in digits if len(number) <= 5}
    return tuple(sorted({min(n, MAX_NUMBER) - 1 for n in numbers if 0 < n <= _U16})) or (0,)


_U16 = 65535


MAX_NUMBER = 500
"""The highest cloze number with a card of its own (Anki's limit, as observed with anki 26)."""


def past_limit(text: str) -> int:
    """The highest cloze number in ``text`` past ``MAX_NUMBER`` (0 for none): Anki asks none
    of those (its card ``MAX_NUMBER`` finds no cloze of its own number and shows an error),
    so a source that holds one loses it without a word unless someone says so."""
    if "{{c" not in text:
        return 0
    digits = (m[1].lstrip("0") or "0" for m in _NUMBER.finditer(text))
    # A number of more than six digits is past the limit whatever it is: not made an int.
    numbers = (int(d) if len(d) <= 6 else 999_999 for d in digits)
    return max((n for n in numbers if n > MAX_NUMBER), default=0)


def is_cloze_fields(fields: Sequence[str]) -> bool:
    """Whether a note's package fields are the cloze note type's (they have its count)."""
    return len(fields) == len(FIELDS)
