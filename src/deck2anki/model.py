"""The data model every reader produces and every writer consumes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from os import PathLike

# What a terminal acts on rather than shows: C0 controls (escape sequences, a newline that
# forges an output line), DEL, C1 controls (a one-character CSI) and the bidirectional
# overrides and isolates that make text read backwards (U+202A-U+202E, U+2066-U+2069).
_CONTROL_RANGES = ((0x00, 0x1F), (0x7F, 0x9F), (0x202A, 0x202E), (0x2066, 0x2069))
_CONTROL_CHARACTERS = "".join(chr(c) for low, high in _CONTROL_RANGES for c in range(low, high + 1))
_CONTROLS = re.compile(f"[{re.escape(_CONTROL_CHARACTERS)}]")


def printable(text: str, keep: str = "", json: bool = False) -> str:
    """``text`` safe to print: each control character (but those in ``keep``) written as
    its Python escape (``\\x1b``, ``\\n``, ``\\u202e``), or with ``json`` as JSON's
    (``\\u001b``, valid inside a JSON string), so a file or deck name shows what it holds
    instead of acting on the terminal."""
    controls = _controls_but(keep)
    if controls.search(text) is None:  # the usual case: one scan, no copy
        return text

    def escaped(match: re.Match[str]) -> str:
        char = match[0]
        return f"\\u{ord(char):04x}" if json else repr(char)[1:-1]

    return controls.sub(escaped, text)


@cache
def _controls_but(keep: str) -> re.Pattern[str]:
    """``_CONTROLS`` without the characters of ``keep``: a document's own newlines are neither
    a reason to copy it nor a match to call back on (inspect --json of 100,000 notes: 800,000
    of them, issue 17)."""
    kept = (c for c in _CONTROL_CHARACTERS if c not in keep)
    return re.compile("[" + "".join(re.escape(c) for c in kept) + "]")


def shown(name: str | PathLike[str]) -> str:
    """A file, deck or note name as a message shows it: every control character escaped
    (``printable``), so a name can neither send escape sequences nor forge a line."""
    return printable(str(name))


def empty_deck_part(name: str) -> str:
    """What is wrong with the deck name ``name`` when a part of it (between ``::``) is empty
    or white space, as messages say it; "" when nothing is. Anki would call such a part
    "blank" (``a::::b`` becomes ``a::blank::b``): a deck nobody asked for."""
    parts = name.split("::")
    if all(part.strip() for part in parts):
        return ""
    anki = "::".join(part.strip() or "blank" for part in parts)
    return f"the deck name {name!r} has an empty part: Anki would make it {anki!r}"


EMPTY_DECK_PART_HINT = "give every part between '::' a name, or remove the extra '::'"


_CLOZE = re.compile(r"\{\{c\d+::")


def is_cloze(question: str) -> bool:
    """Whether a question holds a cloze deletion (``{{c1::...}}``): its card's answer is the
    question revealed, so the answer field (Anki's Back Extra) may be empty."""
    return "{{c" in question and _CLOZE.search(question) is not None


def has_control(text: str) -> bool:
    """Whether ``text`` holds a character that ``printable`` escapes."""
    return _CONTROLS.search(text) is not None


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
        parts = [shown(self.path)]
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


class NoteKind(StrEnum):
    """How a note type makes cards: one per template, or one per cloze number."""

    STANDARD = "standard"
    """A card for each template whose front is not empty."""

    CLOZE = "cloze"
    """A card for each cloze number ``{{cN::...}}`` its fields hold (one template)."""

    IMAGE_OCCLUSION = "image-occlusion"
    """Anki's Image Occlusion: a cloze note type whose clozes are shapes on an image."""


@dataclass(frozen=True, slots=True)
class NoteField:
    """One field of a note type."""

    name: str
    """The field's name: what templates and Anki's importer know it by."""

    id: int | None = None
    """Anki's id of the field (2.1.67+); None when the source does not say. Anki compares
    ids when both sides have them, so a kept id keeps the note type from forking."""


@dataclass(frozen=True, slots=True)
class CardTemplate:
    """One card template of a note type."""

    name: str
    """The template's name ("Card 1")."""

    front: str
    """The front (question) template."""

    back: str
    """The back (answer) template."""

    id: int | None = None
    """Anki's id of the template (2.1.67+); None when the source does not say."""


@dataclass(frozen=True, slots=True)
class NoteType:
    """An Anki note type as a package holds it: what a note's fields are and which cards
    they make. deck2anki's own note type is built by ``cards.notetype``; this describes the
    others (Basic, Cloze, a user's own), kept as they came so that a round trip updates them.
    Field and template names, order and ids are Anki's schema (ANKI-FACTS 5): never change
    them, or importing forks the note type."""

    name: str
    """The note type's name."""

    id: int
    """Anki's id of the note type: how an import matches it to the one a collection has."""

    fields: tuple[NoteField, ...]
    """The fields, in order."""

    templates: tuple[CardTemplate, ...]
    """The card templates, in order (a cloze note type has one)."""

    css: str = ""
    """The style sheet its cards share."""

    kind: NoteKind = NoteKind.STANDARD
    """Standard, cloze, or Anki's image-occlusion flavour of cloze."""

    sort_field: int = 0
    """The index of the field Anki's browser sorts by (and matches duplicates on)."""

    latex_pre: str = ""
    """What Anki puts before a note's LaTeX."""

    latex_post: str = ""
    """What Anki puts after a note's LaTeX."""

    latex_svg: bool = False
    """Whether Anki renders its LaTeX as SVG."""

    mod: int = 0
    """Its modification time: Anki updates templates and CSS only from a newer one."""

    stock_kind: int = 0
    """Anki's ``originalStockKind``: which stock note type it was made from (0 none, 1 Basic
    ... 5 Cloze, 6 Image Occlusion)."""

    @property
    def field_names(self) -> tuple[str, ...]:
        """The names of the fields, in order."""
        return tuple(field.name for field in self.fields)


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

    notetype: NoteType | None = None
    """The note's note type when it is not deck2anki's own (None): a note read from a package
    of another note type, whose ``fields`` hold its values. ``question``, ``answer`` and
    ``analogy`` then show it to formats that cannot hold note types."""

    fields: tuple[str, ...] = ()
    """With a ``notetype``: every field's value (Anki HTML), in the note type's field order."""

    mod: int | None = None
    """When the note last changed (seconds since the epoch), as the source says; None: not
    known, the output's time is used. Kept, Anki takes an unchanged note as unchanged."""

    decks: tuple[tuple[int, str], ...] = ()
    """Where each of its cards is: (template ord or cloze number - 1, deck name), as the
    source says; () puts every card in the deck the note is in."""

    def but(
        self,
        question: str | None = None,
        answer: str | None = None,
        analogy: str | None = None,
        *,
        tags: tuple[str, ...] | None = None,
        guid: str | None = None,
        markup: Markup | None = None,
    ) -> Note:
        """This note with the parts given replaced (None keeps a part). The constructor,
        not ``dataclasses.replace``: this runs a few times for every note of every deck."""
        return Note(
            self.question if question is None else question,
            self.answer if answer is None else answer,
            self.analogy if analogy is None else analogy,
            self.tags if tags is None else tags,
            self.guid if guid is None else guid,
            self.markup if markup is None else markup,
            self.location,
            self.cards,
            self.notetype,
            self.fields,
            self.mod,
            self.decks,
        )


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

    optional: bool = field(default=False, compare=False)
    """Only notes that came from Anki (their id pinned) refer to it: a package exported
    without media leaves it out, and Anki keeps the copy a collection has, so a missing file
    is a warning, not an error."""


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

    notetypes: tuple[NoteType, ...] = ()
    """The note types its notes have beside deck2anki's own, by id order."""

    tree: tuple[tuple[str, str], ...] = ()
    """Every deck its cards are in, with its parents: (name, description as Anki's HTML), as
    the source says; () for a deck of one name (``name``, ``description``)."""
