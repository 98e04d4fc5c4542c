"""Cloze deletions a package or Anki's text would hold but Anki never asks: numbers past
``cloze.MAX_NUMBER``, said once per note type with a count rather than lost without a word."""

from __future__ import annotations

from collections import Counter

from ..cards import cloze
from ..errors import Report
from ..model import Deck, Location, NoteKind


def say_unasked(deck: Deck, where: Location, report: Report) -> None:
    """One warning per note type from Anki whose notes hold cloze numbers past the limit."""
    counts: Counter[str] = Counter()
    highest: dict[str, int] = {}
    for note in deck.notes:
        if note.notetype is not None:
            if note.notetype.kind is NoteKind.STANDARD:
                continue
            name, text = note.notetype.name, "\x1f".join(note.fields)
        else:
            # deck2anki's own cloze notes: the rule cloze-past-limit says it where their
            # source is read, at the note's line.
            continue
        if top := cloze.past_limit(text):
            counts[name] += 1
            highest[name] = max(highest.get(name, 0), top)
    for name, count in sorted(counts.items()):
        report.warning(
            where,
            f"note type {name!r}: {count} {'note holds' if count == 1 else 'notes hold'} cloze"
            f" numbers past {cloze.MAX_NUMBER} (up to c{highest[name]}), which Anki never asks",
            "lossy-conversion",
            f"number the cloze deletions of a note from c1 to c{cloze.MAX_NUMBER}",
        )
