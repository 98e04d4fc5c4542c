"""Reading the lock file: every value checked (``lockcheck``) before a build trusts it, a
git merge's conflicted lock read as both sides (``merge``), and a damaged one said with the
line and the entry."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import files
from ..errors import UsageError
from ..model import printable, shown
from . import lockcheck as check
from . import merge
from .lock import FORMAT, Lock, LockedDeck, LockedNote, LockedNoteType


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
