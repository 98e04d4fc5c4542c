"""The lock file, ``deck2anki.lock``: what earlier builds decided, so the next one agrees.

It records, per note, its GUID, its question, a hash of its content and the time that content
last changed; per deck, the hash of its inputs and of the package built from them; and the note
type's id, schema and modification time. It is JSON laid out for review: one note per line,
notes sorted by GUID, decks by name, so a pull request shows one changed line per changed note.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from json.encoder import encode_basestring as _string  # what json.dumps uses, in C
from pathlib import Path
from typing import Any

from .. import files
from ..errors import UsageError
from ..model import printable, shown
from . import lockcheck as check
from . import merge

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


def load_lock(path: Path) -> Lock:
    """Read the lock at ``path``; a missing file is an empty lock (the first build).

    Every value is checked (``lockcheck``): a lock that fails is a UsageError naming the
    entry and its line, and nothing in it is used, no path in it opened.
    """
    try:
        source = files.read_regular(path).decode("utf-8")
    except FileNotFoundError:
        return Lock()
    except OSError as error:
        raise UsageError(_damaged(path, error.strerror or str(error))) from None
    except UnicodeDecodeError as error:
        raise UsageError(_damaged(path, str(error))) from None
    # A merge git left unresolved (markers, or both sides' lines): the union of both sides.
    merged = merge.conflicted(source)
    try:
        data = None if merged else json.loads(source)
    except (ValueError, RecursionError) as error:  # a 5,000-digit number, 100,000 [s
        try:
            data, merged = merge.union(source), True
        except (ValueError, RecursionError):  # not both sides of a merge either: damaged
            raise UsageError(_damaged(path, str(error) or type(error).__name__)) from None
    try:
        # Both sides' lines kept without markers: a GUID twice, and the keys of a deck both
        # sides changed twice too (a GUID twice alone is damage, reported by the checks).
        if data is None or (merge.duplicated(data) and merge.repeats_keys(source)):
            data, merged = merge.union(source), True
    except (ValueError, RecursionError) as error:
        raise UsageError(_damaged(path, f"a git merge's conflict: {error}")) from None
    try:
        lock = _lock(data)
    except check.Damaged as error:
        # A merged lock's lines are not where its data's places say: no line is named then.
        raise damaged(path, error, source, with_line=not merged) from None
    return replace(lock, merged=True) if merged else lock


def damaged(
    path: Path, error: check.Damaged, source: str | None = None, with_line: bool = True
) -> UsageError:
    """The error that says the lock at ``path`` is damaged at ``error.where``: its line,
    the entry and what is wrong (``source``: the lock's text, read again if not given)."""
    line = ""
    if source is None:
        try:
            source = files.read_regular(path).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            source = None
    if with_line and source is not None and error.where and not merge.conflicted(source):
        try:
            line = f":{check.line_of(source, error.where)}"
        except IndexError:  # both sides' lines without markers: not one JSON document
            line = ""
    detail = f"{check.entry(error.where)}: {error.detail}" if error.where else error.detail
    return UsageError(_damaged(path, detail, line))


def _damaged(path: Path, detail: str, line: str = "") -> str:
    return (
        f"{shown(path)}{line}: damaged lock file ({printable(detail)}); restore it from version"
        " control (deleting it loses the identity of reworded notes)"
    )


def _lock(data: Any) -> Lock:
    data = check.table(data, ())
    version = check.field(data, "deck2anki-lock", ())
    if type(version) is not int or version != FORMAT:
        raise check.Damaged((), f"unknown lock format {version!r}")
    notetype = data.get("notetype")
    cloze = data.get("cloze")
    decks = check.table(check.field(data, "decks", ()), ("decks",))
    if cloze is not None and notetype is None:
        raise check.Damaged(("cloze",), "a cloze note type without the note type beside it")
    cloze_state = None if cloze is None else _notetype(cloze, ("cloze",))
    state = None if notetype is None else _notetype(notetype, cloze=cloze_state)
    parsed = {key: _deck(key, deck) for key, deck in decks.items()}
    # A removed note is written back into the package as it was: with one value per field
    # of its note type, or Anki refuses the whole package ("note has 8 fields, expected 5").
    for key, deck in parsed.items():
        for index, note in enumerate(deck.notes):
            own = cloze_state if note.cloze else state
            fields = len(own.fields) if own is not None else None
            if note.fields and (not note.removed or len(note.fields) != fields):
                raise check.Damaged(
                    ("decks", key, "notes", index, "fields"),
                    f"{len(note.fields)} fields where the note type has {fields or 'none'}"
                    if note.removed
                    else "only a removed note keeps its fields",
                )
    return Lock(notetype=state, decks=parsed)


def _notetype(
    data: Any, at: check.Where = ("notetype",), cloze: LockedNoteType | None = None
) -> LockedNoteType:
    data = check.table(data, at)

    def names(key: str) -> tuple[str, ...]:
        where = (*at, key)
        items = check.listed(check.field(data, key, at), where)
        return tuple(
            check.text(name, (*where, i), check.MAX_NAME, empty=False)
            for i, name in enumerate(items)
        )

    return LockedNoteType(
        id=check.integer(check.field(data, "id", at), (*at, "id"), 1, check.LARGEST_ID),
        name=check.text(check.field(data, "name", at), (*at, "name"), check.MAX_NAME, False),
        version=check.integer(check.field(data, "version", at), (*at, "version"), 1, 2**31),
        fields=names("fields"),
        templates=names("templates"),
        content=check.hexdigits(check.field(data, "content", at), (*at, "content"), 16),
        mod=check.time(check.field(data, "mod", at), (*at, "mod")),
        cloze=cloze,
    )


def _deck(key: str, data: Any) -> LockedDeck:
    at: check.Where = ("decks", key)
    check.deck_key(key, at)
    data = check.table(data, at)
    media = check.table(data.get("media", {}), (*at, "media"))
    for reference, value in media.items():
        check.media_path(reference, (*at, "media", reference))
        check.hexdigits(value, (*at, "media", reference), 16)
    notes = check.listed(check.field(data, "notes", at), (*at, "notes"))
    seen: dict[str, int] = {}
    parsed = []
    for index, note in enumerate(notes):
        entry = _note(note, (*at, "notes", index))
        if entry.guid in seen:
            raise check.Damaged(
                (*at, "notes", index, "guid"),
                f"GUID {entry.guid!r} is also note {seen[entry.guid] + 1}'s",
            )
        seen[entry.guid] = index
        parsed.append(entry)
    package = check.field(data, "package", at)
    return LockedDeck(
        inputs=check.hexdigits(check.field(data, "inputs", at), (*at, "inputs"), 16, step=16),
        package=check.hexdigits(package, (*at, "package"), 16, step=16),
        notes=tuple(parsed),
        media=tuple(sorted(media.items())),
        seal=check.hexdigits(data.get("seal", ""), (*at, "seal"), 16, step=16),
        context=check.hexdigits(data.get("context", ""), (*at, "context"), 16, step=16),
        tag=_tag(data.get("tag", ""), (*at, "tag")),
    )


def _tag(value: Any, where: check.Where) -> str:
    """A deck's ``tag``: "" or one ``deck2anki::`` tag (no white space, which would make two)."""
    text = check.text(value, where, check.MAX_NAME)
    if text and (not text.startswith("deck2anki::") or any(c.isspace() for c in text)):
        raise check.Damaged(where, f"{text!r} is not one deck2anki:: tag")
    return text


def _fields(value: Any, where: check.Where) -> tuple[str, ...]:
    """A removed note's fields, kept to carry it in the package (their number is checked
    against the note type's once both are read: ``_lock``)."""
    items = check.listed(value, where)
    return tuple(check.field_value(item, (*where, i)) for i, item in enumerate(items))


def _tags(value: Any, where: check.Where) -> tuple[str, ...]:
    """A removed note's tags, kept to carry it in the package."""
    items = check.listed(value, where)
    return tuple(check.tag(item, (*where, i)) for i, item in enumerate(items))


def _note(data: Any, at: check.Where) -> LockedNote:
    data = check.table(data, at)
    return LockedNote(
        guid=check.guid(check.field(data, "guid", at), (*at, "guid")),
        question=check.text(check.field(data, "question", at), (*at, "question")),
        content=check.hexdigits(check.field(data, "content", at), (*at, "content"), 16),
        fingerprint=check.hexdigits(
            check.field(data, "fingerprint", at), (*at, "fingerprint"), 64, step=8
        ),
        mod=check.time(check.field(data, "mod", at), (*at, "mod")),
        removed=check.flag(data.get("removed", False), (*at, "removed")),
        source=check.hexdigits(data.get("source", ""), (*at, "source"), 16, step=16),
        fields=_fields(data.get("fields", []), (*at, "fields")),
        tags=_tags(data.get("tags", []), (*at, "tags")),
        cloze=check.flag(data.get("cloze", False), (*at, "cloze")),
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
    if note.fields:  # a removed note still carried: what writing it takes
        line += f', "fields": {_line(list(note.fields))}, "tags": {_line(list(note.tags))}'
    if note.cloze:  # only then: the lines of other notes stay as they were
        line += ', "cloze": true'
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
    if deck.tag:  # only a renamed source's entry has one: other seals still hold
        described.append(["tag", deck.tag])
    digest = hashlib.sha256(_line(described).encode())
    data, ends = notes_block(deck.notes) if block is None else block
    view, start = memoryview(data), 0
    for end in ends:  # the lines themselves, without what joins them
        digest.update(view[start:end])
        start = end + len(_INDENT)
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
    lock: Lock, written: Mapping[str, tuple[str, bytearray]] | None = None
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
            whole = notes_block(deck.notes)
            sealed, block = seal(deck, whole), whole[0]
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
        parts += [b"\n", "\n".join(entry).encode(), b"\n" + b" " * 8 if block else b"\n", block]
        parts.append(b"\n      ]\n    }" + (b"," if index < len(lock.decks) - 1 else b""))
    parts.append(b"\n  }\n}\n")
    return parts
