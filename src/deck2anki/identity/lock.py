"""The lock file, ``deck2anki.lock``: what earlier builds decided, so the next one agrees.

It records, per note, its GUID, its question, a hash of its content and the time that content
last changed; per deck, the hash of its inputs and of the package built from them; and the note
type's id, schema and modification time. It is JSON laid out for review: one note per line,
notes sorted by GUID, decks by name, so a pull request shows one changed line per changed note.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _string  # what json.dumps uses, in C
from typing import Any

LOCK_NAME = "deck2anki.lock"
"""The lock file's name, next to ``deck2anki.toml``."""

FORMAT = 1
"""The layout version of the lock file itself."""


@dataclass(frozen=True, slots=True)
class LockedNote:
    """What the lock remembers of one note."""

    guid: str
    """The note's GUID: its identity in every student's collection."""

    question: str
    """The question as the source had it, for people and for re-linking reworded questions."""

    content: str
    """A hash of everything the note shows (fields as rendered, tags)."""

    fingerprint: str
    """A similarity sketch of the answer and analogy, to recognise a reworded question."""

    mod: int
    """When the content last changed, in seconds since the epoch: the note's ``mod`` in Anki."""

    removed: bool = False
    """True once the note disappeared from its source; Anki keeps it, so we keep it listed."""

    source: str = ""
    """A hash of the note as read from its source: while it and the deck's ``context`` stay
    the same, a rebuild takes the note's fields from the previous package ("" for none)."""

    fields: tuple[str, ...] = ()
    """A removed note the package still carries: its field values as last built (its ``mod``
    is when it was removed); () for every other note."""

    tags: tuple[str, ...] = ()
    """A removed note the package still carries: its tags, ``deck2anki::removed`` last."""

    cloze: bool = False
    """The note is of the cloze note type (its question holds a cloze deletion): a note that
    moves between the two note types is one Anki reports as conflicting, and is told."""


@dataclass(frozen=True, slots=True)
class LockedDeck:
    """What the lock remembers of the deck built from one source."""

    inputs: str
    """A hash of everything the deck was built from: source bytes, settings, note type, code."""

    package: str
    """A hash of the .apkg that build wrote, to notice a changed or missing output."""

    notes: tuple[LockedNote, ...] = ()
    """Every note the source ever had that Anki may still hold, sorted by GUID."""

    media: tuple[tuple[str, str], ...] = ()
    """The media files the source refers to, as (path, hash of the bytes), sorted by path."""

    seal: str = ""
    """The hash of this entry as the lock file stated it; a hand edit breaks it."""

    context: str = ""
    """A hash of what, besides a note's own text, its fields come from: settings, note type,
    code, media ("" for unknown: nothing is reused)."""

    tag: str = ""
    """The tag every note of the deck carries when it is not ``deck2anki::KEY`` of its
    source's name now: the source was renamed, and a tag is content Anki would update every
    note for ("" for ``deck2anki::KEY``)."""

    @property
    def intact(self) -> bool:
        """True when the entry is as deck2anki wrote it: an edited one forces a rebuild."""
        return self.seal == seal(self)


@dataclass(frozen=True, slots=True)
class LockedNoteType:
    """What the lock remembers of our note type, as students' collections hold it."""

    id: int
    """The note type id in every package of this project."""

    name: str
    """The note type's name."""

    version: int
    """The schema version; a deliberate schema change increments it, and the id with it."""

    fields: tuple[str, ...]
    """Field names, in order."""

    templates: tuple[str, ...]
    """Card template names, in order."""

    content: str
    """A hash of the templates and CSS."""

    mod: int
    """When the templates or CSS last changed: the note type's ``mod`` in Anki."""

    cloze: LockedNoteType | None = None
    """The cloze note type beside it (``cards.cloze``), once a deck of the project has a
    cloze card; None before (the lock then says nothing of it)."""


@dataclass(frozen=True, slots=True)
class Lock:
    """A whole lock file."""

    notetype: LockedNoteType | None = None
    """The note type as last built; None before the first build."""

    decks: dict[str, LockedDeck] = field(default_factory=dict)
    """Per source (its file name without the suffix), what its deck last was."""

    merged: bool = False
    """True when the file held both sides of a git merge (``merge.union``): every deck's
    hashes are to be worked out again."""


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _note_line(note: LockedNote) -> str:
    """One note's line of JSON, written out: this runs for every note of every deck."""
    line = (
        f'{{"guid": {_string(note.guid)}, "question": {_string(note.question)},'
        f' "content": {_string(note.content)}, "fingerprint": {_string(note.fingerprint)},'
        f' "mod": {int(note.mod)}'
    )
    if note.removed:
        line += ', "removed": true'
    if note.source:
        line += f', "source": {_string(note.source)}'
    if note.fields:  # a removed note still carried: what writing it takes
        line += f', "fields": {_line(list(note.fields))}, "tags": {_line(list(note.tags))}'
    if note.cloze:  # only then: the lines of other notes stay as they were
        line += ', "cloze": true'
    return line + "}"


Block = list[bytearray]
"""A deck's notes as the lock file holds them, one per line, each indented but the first (its
indent goes before the block): the lines in pieces of about ``PIECE`` bytes, a piece ending
where a line does."""

PIECE = 1 << 16
"""How large a piece of a ``Block`` grows. Under glibc malloc's mapping limit (set by the
command line, ``cli/allocator``), so a piece takes memory the build freed before it, where
one buffer of the whole block took 30 MB of new memory at the end of a 100,000-note
rebuild (its peak; benchmarks/AB.md)."""


def notes_block(notes: Iterable[LockedNote]) -> Block:
    """The lines of a deck's notes in the lock file, in their order there (by GUID).

    Buffers of many lines, not a string per line: a 100,000-note deck's block is 25 MB.
    """
    # This pays (issue 14's A/B, benchmarks/ab.py, AB.md): a cold build of 100,000 notes
    # peaks at 278 MB with it and 350 to 358 MB with a string per line, 21% less, idle or
    # with the other core busy; writing the lock alone takes 17 to 30% less time.
    pieces: Block = []
    data = bytearray()
    for note in sorted(notes, key=lambda note: note.guid):
        if len(data) >= PIECE:
            pieces.append(data)
            data = bytearray()
        if data or pieces:
            data += _INDENT
        data += _note_line(note).encode()
    if data:
        pieces.append(data)
    return pieces


def seal(deck: LockedDeck, block: Block | None = None) -> str:
    """A hash over everything a deck's entry says, written with it to notice hand edits."""
    described: list[object] = [deck.inputs, deck.package, list(deck.media)]
    if deck.context:  # not there before contexts were: those seals still hold
        described.append(deck.context)
    if deck.tag:  # only a renamed source's entry has one: other seals still hold
        described.append(["tag", deck.tag])
    digest = hashlib.sha256(_line(described).encode())
    for piece in notes_block(deck.notes) if block is None else block:
        # The lines themselves, without what joins them: a line is JSON on one line, so the
        # indent (a line break first) is never inside one.
        digest.update(piece.replace(_INDENT, b""))
    return digest.hexdigest()[:16]


_INDENT = b",\n" + b" " * 8


def _described(notetype: LockedNoteType) -> dict[str, object]:
    return {
        "id": notetype.id,
        "name": notetype.name,
        "version": notetype.version,
        "fields": list(notetype.fields),
        "templates": list(notetype.templates),
        "content": notetype.content,
        "mod": notetype.mod,
    }


def lock_parts(
    lock: Lock, written: Mapping[str, tuple[str, Block]] | None = None
) -> list[bytes | bytearray]:
    """The lock file's bytes, in parts: stable, sorted, one note per line.

    ``written`` may give, per deck, its seal and ``notes_block`` already made: a large deck's
    notes then go in as one part, and are held neither line by line nor twice.
    """
    head = ["{", f'  "deck2anki-lock": {FORMAT},']
    if lock.notetype is not None:
        head.append(f'  "notetype": {_line(_described(lock.notetype))},')
        if lock.notetype.cloze is not None:
            head.append(f'  "cloze": {_line(_described(lock.notetype.cloze))},')
    head.append('  "decks": {')
    parts: list[bytes | bytearray] = ["\n".join(head).encode()]
    for index, key in enumerate(sorted(lock.decks)):
        deck = lock.decks[key]
        if written and key in written:
            sealed, block = written[key]
        else:
            block = notes_block(deck.notes)
            sealed = seal(deck, block)
        entry = [f"    {_line(key)}: {{"]
        entry.append(f'      "inputs": {_line(deck.inputs)},')
        entry.append(f'      "package": {_line(deck.package)},')
        if deck.context:
            entry.append(f'      "context": {_line(deck.context)},')
        if deck.tag:
            entry.append(f'      "tag": {_line(deck.tag)},')
        entry.append(f'      "seal": {_line(sealed)},')
        if deck.media:
            entry.append(f'      "media": {_line(dict(deck.media))},')
        entry.append('      "notes": [')
        parts += [b"\n", "\n".join(entry).encode(), b"\n" + b" " * 8 if block else b"\n", *block]
        parts.append(b"\n      ]\n    }" + (b"," if index < len(lock.decks) - 1 else b""))
    parts.append(b"\n  }\n}\n")
    return parts
