"""The lock file, ``deck2anki.lock``: what earlier builds decided, so the next one agrees.

It records, per note, its GUID, its question, a hash of its content and the time that content
last changed; per deck, the hash of its inputs and of the package built from them; and the note
type's id, schema and modification time. It is JSON laid out for review: one note per line,
notes sorted by GUID, decks by name, so a pull request shows one changed line per changed note.
"""

from __future__ import annotations

import hashlib
import json
import re
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _string  # what json.dumps uses, in C
from pathlib import Path
from typing import Any

from ..errors import UsageError

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


@dataclass(frozen=True, slots=True)
class Lock:
    """A whole lock file."""

    notetype: LockedNoteType | None = None
    """The note type as last built; None before the first build."""

    decks: dict[str, LockedDeck] = field(default_factory=dict)
    """Per source (its file name without the suffix), what its deck last was."""


def load_lock(path: Path) -> Lock:
    """Read the lock at ``path``; a missing file is an empty lock (the first build)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Lock()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(_damaged(path, str(error))) from None
    try:
        if data.get("deck2anki-lock") != FORMAT:
            raise ValueError(f"unknown lock format {data.get('deck2anki-lock')!r}")
        notetype = data.get("notetype")
        return Lock(
            notetype=None
            if notetype is None
            else LockedNoteType(
                id=int(notetype["id"]),
                name=str(notetype["name"]),
                version=int(notetype["version"]),
                fields=tuple(map(str, notetype["fields"])),
                templates=tuple(map(str, notetype["templates"])),
                content=str(notetype["content"]),
                mod=int(notetype["mod"]),
            ),
            decks={
                str(key): LockedDeck(
                    inputs=str(deck["inputs"]),
                    package=str(deck["package"]),
                    notes=tuple(_note(note) for note in deck["notes"]),
                    media=tuple((str(p), str(h)) for p, h in sorted(deck.get("media", {}).items())),
                    seal=str(deck.get("seal", "")),
                    context=_hex(deck.get("context", ""), 16, step=16),
                )
                for key, deck in data["decks"].items()
            },
        )
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise UsageError(_damaged(path, f"{type(error).__name__}: {error}")) from None


def _damaged(path: Path, detail: str) -> str:
    return (
        f"{path}: damaged lock file ({detail}); restore it from version control"
        " (deleting it loses the identity of reworded notes)"
    )


_HEX = re.compile("[0-9a-f]*")


def _hex(value: Any, size: int, step: int | None = None) -> str:
    """``value`` if it is ``size`` hex digits (or, with ``step``, up to ``size`` in steps)."""
    text = str(value)
    fits = len(text) % step == 0 and len(text) <= size if step else len(text) == size
    if not fits or not _HEX.fullmatch(text):
        raise ValueError(f"{text!r} is not a hash of {size} hex digits")
    return text


def _note(data: dict[str, Any]) -> LockedNote:
    return LockedNote(
        guid=str(data["guid"]),
        question=str(data["question"]),
        content=_hex(data["content"], 16),
        fingerprint=_hex(data["fingerprint"], 64, step=8),
        mod=int(data["mod"]),
        removed=bool(data.get("removed", False)),
        source=_hex(data.get("source", ""), 16, step=16),
    )


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
    return line + "}"


Block = tuple[bytearray, "array[int]"]
"""A deck's notes as the lock file holds them (one per line, each indented but the first:
its indent goes before the block), and where each line ends."""


def notes_block(notes: Iterable[LockedNote]) -> Block:
    """The lines of a deck's notes in the lock file, in their order there (by GUID).

    One buffer, not a string per line: a 100,000-note deck's block is 25 MB, held once.
    """
    # This pays (issue 14's A/B, benchmarks/ab.py, AB.md): a cold build of 100,000 notes
    # peaks at 278 MB with it and 350 to 358 MB with a string per line, 21% less, idle or
    # with the other core busy; writing the lock alone takes 17 to 30% less time.
    data, ends = bytearray(), array("Q")
    for note in sorted(notes, key=lambda note: note.guid):
        if ends:
            data += _INDENT
        data += _note_line(note).encode()
        ends.append(len(data))
    return data, ends


def seal(deck: LockedDeck, block: Block | None = None) -> str:
    """A hash over everything a deck's entry says, written with it to notice hand edits."""
    described: list[object] = [deck.inputs, deck.package, list(deck.media)]
    if deck.context:  # not there before contexts were: those seals still hold
        described.append(deck.context)
    digest = hashlib.sha256(_line(described).encode())
    data, ends = notes_block(deck.notes) if block is None else block
    view, start = memoryview(data), 0
    for end in ends:  # the lines themselves, without what joins them
        digest.update(view[start:end])
        start = end + len(_INDENT)
    return digest.hexdigest()[:16]


_INDENT = b",\n" + b" " * 8


def lock_parts(
    lock: Lock, written: Mapping[str, tuple[str, bytearray]] | None = None
) -> list[bytes | bytearray]:
    """The lock file's bytes, in parts: stable, sorted, one note per line.

    ``written`` may give, per deck, its seal and ``notes_block`` already made: a large deck's
    notes then go in as one part, and are held neither line by line nor twice.
    """
    head = ["{", f'  "deck2anki-lock": {FORMAT},']
    if lock.notetype is not None:
        notetype = lock.notetype
        described = {
            "id": notetype.id,
            "name": notetype.name,
            "version": notetype.version,
            "fields": list(notetype.fields),
            "templates": list(notetype.templates),
            "content": notetype.content,
            "mod": notetype.mod,
        }
        head.append(f'  "notetype": {_line(described)},')
    head.append('  "decks": {')
    parts: list[bytes | bytearray] = ["\n".join(head).encode()]
    for index, key in enumerate(sorted(lock.decks)):
        deck = lock.decks[key]
        if written and key in written:
            sealed, block = written[key]
        else:
            whole = notes_block(deck.notes)
            sealed, block = seal(deck, whole), whole[0]
        entry = [f"    {_line(key)}: {{"]
        entry.append(f'      "inputs": {_line(deck.inputs)},')
        entry.append(f'      "package": {_line(deck.package)},')
        if deck.context:
            entry.append(f'      "context": {_line(deck.context)},')
        entry.append(f'      "seal": {_line(sealed)},')
        if deck.media:
            entry.append(f'      "media": {_line(dict(deck.media))},')
        entry.append('      "notes": [')
        parts += [b"\n", "\n".join(entry).encode(), b"\n" + b" " * 8 if block else b"\n", block]
        parts.append(b"\n      ]\n    }" + (b"," if index < len(lock.decks) - 1 else b""))
    parts.append(b"\n  }\n}\n")
    return parts
