"""What keeps a deck the same deck for students across a maintainer's changes: a renamed
source and its settings, a lock entry recovered from the previous package, and the changes
that reach every note or that Anki will not carry out (a deck renamed), said up front.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from .. import files
from ..cards.cloze import is_cloze_fields
from ..config import Config
from ..errors import Report, UsageError
from ..identity.lock import LockedDeck, LockedNote, LockedNoteType
from ..identity.relink import content_hash
from ..model import Deck, Location, Note
from .previous import REMOVED_TAG, PreviousNote, PreviousPackage, read_previous, recovered_entry


class _Work(Protocol):
    """What of a note's work (``notework.Done``) continuity needs."""

    @property
    def fields(self) -> tuple[str, ...]: ...
    @property
    def content(self) -> str: ...


def check_renamed_settings(old: str, new: str, source: Path, config: Config) -> None:
    """A renamed source whose settings section still has the old name is an error: built
    without it, the deck would silently lose its name (a new deck for students) and settings."""
    if old not in config.decks or new in config.decks:
        return
    where = Location(str(config.path), _section_line(config.path, old))
    raise UsageError(
        f"{where}: [decks.{_toml_key(old)}] is the section of {source}, renamed from"
        f" {old}; rename the section to [decks.{_toml_key(new)}] so the deck keeps its name"
        " and settings"
    )


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else '"' + key.replace('"', '\\"') + '"'


def _section_line(path: Path | None, key: str) -> int | None:
    """The line of ``[decks.KEY]`` in the configuration file, if it can be found."""
    if path is None:
        return None
    try:
        text = files.read_bytes(path).decode("utf-8", "replace")
    except OSError:
        return None
    wanted = {f"[decks.{key}]", f'[decks."{key}"]', f"[decks.'{key}']"}
    for number, line in enumerate(text.splitlines(), 1):
        if line.split("#", 1)[0].strip() in wanted:
            return number
    return None


def recovered_notes(
    recovered: PreviousPackage, deck: Deck, done: Sequence[_Work]
) -> tuple[LockedNote, ...]:
    """The lock entry's notes, read back from the previous package: a note of the source
    whose question field the package shows keeps that note's GUID, and its ``mod`` while the
    package shows it as it is now; the others are vanished notes (reworded, or removed)."""
    by_field: dict[str, PreviousNote] = {}
    for old in recovered.notes:
        by_field.setdefault(old.fields[0], old)
    entries = []
    for note, item in zip(deck.notes, done, strict=True):
        found = by_field.pop(item.fields[0], None)
        if found is None:
            continue
        same = found.fields == item.fields and found.tags == note.tags
        content = item.content if same else content_hash(found.fields, found.tags)
        entries.append(recovered_entry(found, note.question, content))
    taken = {entry.guid for entry in entries}
    for old in recovered.notes:
        if old.guid not in taken:
            entry = recovered_entry(old, None, "")
            entries.append(replace(entry, removed=REMOVED_TAG in old.tags))
    return tuple(entries)


def announce_every_note(
    guids: Sequence[str],
    done: Sequence[_Work],
    by_guid: dict[str, LockedNote],
    source: Path,
    name: str,
    report: Report,
) -> None:
    """Warn when a build updates every note students have of a deck: their own edits to
    those notes (and their own tags) go, which they should hear of before they find out."""
    known = changed = 0
    for guid, item in zip(guids, done, strict=True):
        entry = by_guid.get(guid)
        if entry is not None:
            known += 1
            changed += entry.content != item.content
    if known >= 2 and changed == known:
        report.warning(
            Location(str(source)),
            f"updates all {changed} notes of '{name}': students' own edits to these notes will"
            " be replaced, and their own tags with them (Anki replaces a note's tags when it"
            " updates it)",
            "updates-every-note",
            "a new setting (reverse, type_in, tags) or an edit of every card does that; undo"
            " the change if students should keep their edits",
        )


def announce_kind_changes(
    notes: Sequence[Note],
    guids: Sequence[str],
    done: Sequence[_Work],
    by_guid: dict[str, LockedNote],
    state: LockedNoteType,
    report: Report,
) -> None:
    """Warn when notes students may have move between the note type and the cloze one (a
    cloze deletion added to a question or taken out of one, or a deck built before deck2anki
    had a cloze note type): Anki reports them as conflicting and does not update them."""
    moved = [
        note
        for note, guid, item in zip(notes, guids, done, strict=True)
        if (entry := by_guid.get(guid)) is not None and entry.cloze != is_cloze_fields(item.fields)
    ]
    if not moved:
        return
    cloze_name = state.cloze.name if state.cloze else "the cloze note type"
    count = len(moved)
    one = count == 1
    report.warning(
        moved[0].location or Location(""),
        f"{count} {'note' if one else 'notes'} students may already have"
        f" {'moves' if one else 'move'} between the note types {state.name!r} and"
        f" {cloze_name!r} (a cloze deletion in a question makes a cloze note): Anki reports"
        f" {'it' if one else 'them'} as conflicting and does not update {'it' if one else 'them'}",
        "notetype-fork",
        "students move them in Anki (Browse, select them, Notes > Change Note Type; reviews are"
        " kept), or keep the question as it was",
    )


def announce_renamed_deck(
    previous: LockedDeck | None,
    recovered: PreviousPackage | None,
    context: str,
    package: Path,
    name: str,
    config: Config,
    report: Report,
) -> None:
    """Warn when the deck's name changed: Anki leaves the cards students have where they are.

    The previous name is in the previous ``package``, read only when the deck's context (of
    which its name is part) changed, or when it was read anyway (``recovered``).
    """
    if recovered is not None:
        old = recovered.deck_name
    elif previous is None or (previous.context and previous.context == context):
        return
    else:
        found = read_previous(package, notes=False)
        old = found.deck_name if found else ""
    if not old or old == name:
        return
    report.warning(
        Location(str(config.path)) if config.path else Location(str(package)),
        f"deck renamed from '{old}' to '{name}': students who already have it keep its cards"
        f" in '{old}' (Anki does not move cards on import); new cards, and students who"
        f" import it for the first time, get '{name}'",
        "renamed-deck",
        "tell students to rename the deck in Anki themselves (Browse, right-click the deck,"
        " Rename), if they want the new name",
    )
