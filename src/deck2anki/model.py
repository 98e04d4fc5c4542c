"""The data model every reader produces and every writer consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a source file, for messages that point at it."""

    path: str
    """The file as the user named it (relative paths stay relative)."""

    line: int | None = None
    """1-based line number, or None when the problem concerns the whole file."""

    column: int | None = None
    """1-based column, or None when only the line is known."""

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class Markup(StrEnum):
    """What a note's field text is, and so how it becomes the HTML Anki shows."""

    TEXT = "text"
    """Plain text, shown as written: ``__init__`` and ``<mask>`` stay as they are."""

    MARKDOWN = "markdown"
    """Markdown (CommonMark with tables), raw HTML shown as text."""

    HTML = "html"
    """Anki HTML, passed through untouched (read from a package, not convertible)."""


@dataclass(frozen=True, slots=True)
class Note:
    """One flashcard: a question, its answer and, when it has one, its analogy."""

    question: str
    """The question, as source text in the note's ``markup``."""

    answer: str
    """The answer without its analogy, as source text."""

    analogy: str = ""
    """The analogy that illustrates the answer, without its ``Analogy:`` label; "" for none."""

    tags: tuple[str, ...] = ()
    """Anki tags of this note; no tag contains white space."""

    guid: str | None = None
    """Identity pinned by the source; None lets deck2anki derive a stable one."""

    markup: Markup = Markup.MARKDOWN
    """What the three fields are written in: plain text, Markdown, or Anki HTML."""

    location: Location | None = field(default=None, compare=False)
    """Where the note starts in its source, for messages; not part of the note's value."""

    cards: frozenset[str] = frozenset()
    """Optional cards this note asks for itself, by template ("Reverse", "Type-in"), beside
    those its deck's settings switch on for every note (read from a package, kept by every
    format that can say so)."""


@dataclass(frozen=True, slots=True)
class Media:
    """A file a note shows (an image, a sound), carried inside the deck."""

    name: str
    """The flat file name Anki stores it under; fields refer to it by this name."""

    data: bytes = field(repr=False)
    """The file's bytes."""

    reference: str = ""
    """How the source refers to it (``img/cell.png``) when that differs from ``name``."""

    location: Location | None = field(default=None, compare=False)
    """Where the source first refers to it, for messages."""


@dataclass(frozen=True, slots=True)
class Deck:
    """A named, ordered collection of notes: what one source file holds."""

    name: str
    """The Anki deck name; ``::`` separates subdecks."""

    notes: tuple[Note, ...] = ()
    """The notes, in source order."""

    description: str = ""
    """Shown by Anki on the deck's overview screen; "" for none."""

    media: tuple[Media, ...] = ()
    """The files the notes refer to, sorted by name; names are unique."""

    declared_count: int | None = field(default=None, compare=False)
    """The card count a source claims (a page's ``1/19`` counter), if any; never trusted."""

    notetype: str = field(default="", compare=False)
    """The name of the note type its notes had in the package it was read from ("" for none):
    Anki's text import must name it to update them (each project has its own)."""
