"""Notes removed from a source that its package still carries, for a term.

Its own module because carrying is a policy of its own, apart from building a deck: what a
removed note keeps (its fields and tags, read from the previous package), the tag that
marks it and for how long (``CARRIED_DAYS``) before the lock forgets its fields.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..identity.assign import next_mod
from ..identity.lock import LockedNote
from ..identity.relink import content_hash
from .previous import REMOVED_TAG, read_previous

CARRIED_DAYS = 180
"""How long a removed note is carried in its package (a term): students who import within
that time get its tag; after it, new students no longer get it, and the lock forgets its
fields (its GUID and question stay, should the question come back)."""


def still_carried(
    removed: tuple[LockedNote, ...], newly: set[str], package: Path, now: int, budget: int
) -> tuple[LockedNote, ...]:
    """The lock entries of the removed notes, those the package carries with what writing
    them takes: a note removed by this build gets its fields and tags from the previous
    package, the tag ``deck2anki::removed`` and a new ``mod`` (so that importing updates
    the note and the tag arrives); one removed ``CARRIED_DAYS`` ago is carried no longer."""
    found: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    if newly:
        # Read as any previous package is: one not of ours (fields the note type has not, say)
        # is not taken for the previous build, and its notes are not carried.
        held = read_previous(package, budget=budget)
        found = {note.guid: (note.fields, note.tags) for note in held.notes} if held else {}
    kept = []
    for entry in removed:
        if entry.guid in newly and entry.guid in found:
            fields, tags = found[entry.guid]
            tags = (*(tag for tag in tags if tag != REMOVED_TAG), REMOVED_TAG)
            content = content_hash(fields, tags)
            mod = next_mod(entry, content, now)
            entry = replace(entry, content=content, mod=mod, fields=fields, tags=tags)
        elif entry.fields and now - entry.mod > CARRIED_DAYS * 86400:
            entry = replace(entry, fields=(), tags=())
        kept.append(entry)
    return tuple(kept)
