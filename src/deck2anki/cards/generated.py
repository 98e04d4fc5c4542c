"""Which cards Anki makes of a note of a standard note type: one for each card template whose
front shows a filled field, as rslib's ``template.rs`` (``renders_with_fields``) decides.

For a note whose source does not say which cards it has (Anki's text export without a deck
column, a JSON note without ``card_decks``): every template would give the blank cards Anki
never makes (a reverse card of an empty Back, an optional reverse card not asked for).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model import NoteType

# Anki's field_is_empty: ASCII white space and <br>, <div> tags only (not &nbsp;); linear,
# its two branches start with different characters.
_EMPTY = re.compile(r"(?:[ \t\n\x0b\x0c\r]|</?(?:br|div) ?/?>)*", re.IGNORECASE)


def is_filled(value: str) -> bool:
    """Whether Anki counts a field as filled when it makes cards."""
    return _EMPTY.fullmatch(value) is None


def shows_filled(front: str, filled: set[str]) -> bool:
    """Whether a template's ``front`` shows a field of ``filled``: a ``{{Field}}`` (filters
    before it: ``{{type:Back}}``) outside every ``{{#Other}}`` section whose field is empty;
    a ``{{^Other}}`` section does not hide what is in it. A front Anki cannot parse (a
    section not closed, or closed by another name) makes no card."""
    sections: list[tuple[str, bool]] = []  # each open section: its field, whether it hides
    hidden = 0  # how many open sections hide what is in them
    shows = False
    at = 0
    while (start := front.find("{{", at)) != -1:
        end = front.find("}}", start + 2)
        if end == -1:
            break
        at = end + 2
        inside = front[start + 2 : end].strip()
        kind, key = inside[:1], inside[1:].strip()
        if kind in ("#", "^"):
            hides = kind == "#" and key not in filled
            sections.append((key, hides))
            hidden += hides
        elif kind == "/":
            if not sections or sections[-1][0] != key:
                return False
            hidden -= sections.pop()[1]
        elif not hidden and inside.rpartition(":")[2].strip() in filled:
            shows = True
    return shows and not sections


def card_ords(notetype: NoteType, values: Sequence[str]) -> tuple[int, ...]:
    """The templates of a standard note type that make a card of a note with ``values``,
    as Anki makes them; the first template when none does (Anki keeps a note's first
    card)."""
    filled = {
        name for name, value in zip(notetype.field_names, values, strict=False) if is_filled(value)
    }
    ords = tuple(
        order
        for order, template in enumerate(notetype.templates)
        if shows_filled(template.front, filled)
    )
    return ords or (0,)
