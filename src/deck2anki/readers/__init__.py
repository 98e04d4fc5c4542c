"""Readers: each turns the text (or bytes) of one source into a Deck, reporting every problem.

A reader never opens a file: ``files`` and ``convert`` do, and hand it text and a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import NoteType


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Choices a reader cannot see in the text itself."""

    field_sep: str | None = None
    """Quizlet-style text: what separates a term from its definition (no quoting)."""

    card_sep: str | None = None
    """Quizlet-style text: what separates one card from the next."""

    encoding: str | None = None
    """The text encoding of the source; None: UTF-8 (or UTF-16 with a byte-order mark)."""

    keeps_notetypes: bool = False
    """The deck goes to a format that holds note types and decks (.apkg, JSON): a package's
    note types, fields, cards and decks are kept, so no warning says they are lost."""

    output: str = ""
    """The name of the format the deck is converted to ("" when not known): what a warning
    about importing the result can depend on."""

    notetype_files: tuple[tuple[str, str, str], ...] = ()
    """A Markdown source's note type files, which ``conversion`` read from its
    ``NAME.notetypes`` folder: (the path as messages show it, ``NOTETYPE/FILE``, text)."""

    notetype_folder: str = ""
    """That folder, as messages show it ("" when the source has none)."""

    notetype_time: int = 0
    """The time a note type edited in those files gets (the output's): Anki takes its
    templates and CSS only from a newer note type."""

    notetypes: tuple[tuple[str, NoteType], ...] = ()
    """Note types a Markdown source's notes may name, by folder name, given as they are (the
    Markdown writer reads back what it wrote with them)."""
