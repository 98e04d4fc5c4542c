"""Each note's work in a build: prepare, render and hash it, or take what the last build made.

The work of a note (split, check, render, hash, fingerprint: tens of microseconds) depends
on its own text and on its deck's *context* (settings, note type, deck2anki's code, media).
The lock records a hash of each note's text as read (``LockedNote.source``) and the deck's
context; while both are the same, the note's fields come from the previous package and its
hashes from the lock. So a rebuild after one edit works on one note; the rest is only read.
The notes that need work are shared between processes (``parallel``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import astuple
from pathlib import Path
from typing import NamedTuple

from .. import files, parallel
from ..cards import notetype
from ..cards.notetype import card_ords, card_templates, note_fields
from ..cards.prepare import Changed, note_changes, reported, with_changes
from ..cards.render import media_names, renderer_versions
from ..config import DeckConfig
from ..errors import Diagnostic
from ..files import short_hash
from ..identity.guids import normalize_question, note_derived
from ..identity.lock import LockedDeck, LockedNote, LockedNoteType
from ..identity.relink import content_hash, fingerprint
from ..model import Deck, Note
from ..writers.apkg import package_fields
from .sources import note_tags


class Done(NamedTuple):
    """One note's work, done now or taken from the previous build.

    A named tuple, not a dataclass: one is made for every note, at a third of the cost.
    """

    fields: tuple[str, ...]
    """Its field values in the package."""

    content: str
    """The hash of what it shows (``identity.content_hash``)."""

    fingerprint: str
    """Its answer's similarity sketch (``identity.fingerprint``)."""

    source: str
    """The hash of the note as read (``source_hash``)."""

    derived: tuple[str, str]
    """Its question normalised, and the GUID that gives (``identity.note_derived``)."""

    cards: tuple[int, ...]
    """The ords of its cards (``writers.apkg.card_ords``)."""

    findings: tuple[Diagnostic, ...] = ()
    """What the note rules found in it (none for a reused note: it was checked when built)."""


def source_hash(note: Note) -> str:
    """A hash of a note as read: its text, tags, markup, pinned GUID and cards, not its line."""
    parts = (note.question, note.answer, note.analogy, " ".join(note.tags), note.guid or "")
    # The cards sorted: a frozenset's order changes with PYTHONHASHSEED.
    text = "\x1f".join((*parts, note.markup.value, " ".join(sorted(note.cards))))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def media_hashes(deck: Deck) -> dict[str, str]:
    """The hash of each of the deck's media files, by name: worked out once a build."""
    return {item.name: short_hash(item.data) for item in deck.media}


def context_hash(
    key: str,
    settings: DeckConfig,
    state: LockedNoteType,
    code: str,
    deck: Deck,
    hashes: Mapping[str, str] | None = None,
) -> str:
    """A hash of what, besides its own text, a note's work depends on (``hashes``: the
    deck's ``media_hashes``, if already worked out)."""
    hashes = media_hashes(deck) if hashes is None else hashes
    described: list[object] = [key, deck.name, *astuple(settings), code, *renderer_versions()]
    described += [state.id, state.name, state.version, state.content, state.mod]
    described += [[m.reference, m.name, hashes[m.name]] for m in deck.media]
    return hashlib.blake2b(json.dumps(described).encode(), digest_size=8).hexdigest()


# (prepared text, findings, fields, content, fingerprint, source, derived, cards): a tuple, not
# a Done, because it may be pickled back from another process.
_Result = tuple[
    Changed | None,
    list[Diagnostic],
    "_Sent",
    str,
    str,
    str,
    tuple[str | None, str],
    tuple[int, ...],
]


def work_on(
    deck: Deck,
    path: str,
    settings: DeckConfig,
    extra_tags: tuple[str, ...],
    disabled: Collection[str],
    earlier: dict[str, tuple[LockedNote, tuple[str, ...]]],
    progress: Callable[[int, int], None] | None = None,
    hashes: Mapping[str, str] | None = None,
    seed: str | None = None,
) -> tuple[tuple[Note, ...], list[Done], Callable[[int], Note]]:
    """Every note of ``deck`` (read from ``path``, unprepared) worked on, in order: the notes
    prepared and tagged, the work on each, and a function giving the note at an index fully
    prepared (``identify``'s ``prepared_at``).

    ``earlier`` maps source hashes to the lock entry and fields of the previous build. A
    note taken from there is tagged, and has its question as prepared (from the lock), but
    is not split again: only what changed is worked on. ``seed`` is what the GUID of a
    note new to the deck is derived from (default: the deck's name).
    """
    digests = media_hashes(deck) if hashes is None else hashes
    references = media_names(deck)
    templates = card_templates(notetype.genanki_model())  # the rules need no id or name
    names = sorted(digests)  # once, not for every note
    seed = deck.name if seed is None else seed  # what a new note's GUID is derived from

    def work(raw: Note) -> _Result:
        changed, findings = note_changes(raw, path)
        note = with_changes(raw, changed, note_tags(raw, extra_tags))
        fields = note_fields(
            note,
            references,
            reverse=settings.reverse,
            type_in=settings.type_in,
            code=settings.inline_code,
        )
        shown = [digests[n] for n in names if any(n in v for v in fields)] if digests else []
        content = content_hash(fields, note.tags, shown)
        derived = note_derived(seed, note.question)
        cards = card_ords(fields, templates)
        return (
            changed,
            findings,
            _by_reference(fields, note),
            content,
            fingerprint(note),
            source_hash(raw),
            (None if derived[0] is note.question else derived[0], derived[1]),
            cards,
        )

    if not earlier:
        results = parallel.map_notes(work, deck.notes, progress)
        results.reverse()  # popped from the end, each result goes once used (many MB)
        pairs = [_note_and_result(raw, results.pop(), extra_tags, disabled) for raw in deck.notes]
        notes = tuple(note for note, _ in pairs)
        return notes, [done for _, done in pairs], notes.__getitem__
    else:
        sources = [source_hash(raw) for raw in deck.notes]
        missing = [
            raw for raw, source in zip(deck.notes, sources, strict=True) if source not in earlier
        ]
        fresh = iter(parallel.map_notes(work, missing, progress))
        pairs = []
        for raw, source in zip(deck.notes, sources, strict=True):
            if source in earlier:
                entry, fields = earlier[source]
                # The lock holds the question as prepared (invisible characters gone, HTML
                # made Markdown): what identification and the lock must see again.
                text = (entry.question, raw.answer, raw.analogy, None)
                note = with_changes(raw, text, note_tags(raw, extra_tags))
                derived = (normalize_question(note.question), "")  # a GUID only if needed
                cards = card_ords(fields, templates)
                done = Done(fields, entry.content, entry.fingerprint, source, derived, cards)
                pairs.append((note, done))
            else:
                pairs.append(_note_and_result(raw, next(fresh), extra_tags, disabled))
    notes = tuple(note for note, _ in pairs)
    raws = deck.notes

    def prepared_at(index: int) -> Note:
        """The note at ``index`` prepared in full: a reused one is prepared again."""
        raw = raws[index]
        if sources[index] not in earlier:
            return notes[index]
        return with_changes(raw, note_changes(raw, path)[0], note_tags(raw, extra_tags))

    return notes, [done for _, done in pairs], prepared_at


def _note_and_result(
    raw: Note, result: _Result, extra: tuple[str, ...], disabled: Collection[str]
) -> tuple[Note, Done]:
    changed, findings, sent, content, print_, source, (normal, guid), cards = result
    note = with_changes(raw, changed, note_tags(raw, extra))
    found = tuple(reported(findings, disabled)) if findings else ()
    fields = _dereferenced(sent, note)
    derived = (note.question if normal is None else normal, guid)
    return note, Done(fields, content, print_, source, derived, cards, found)


# Most text needs no escaping, and then its field value is the very string the note holds.
# Such a value is sent back from another process as None, not as a copy: half the text of
# a large deck is not pickled, unpickled and then held twice.
_Sent = tuple[str | None, ...]


def _by_reference(fields: tuple[str, ...], note: Note) -> _Sent:
    """``fields`` with each value that is the note's own question, answer or analogy as None."""
    question, answer, analogy, *switches = fields
    return (
        None if question is note.question else question,
        None if answer is note.answer else answer,
        None if analogy is note.analogy else analogy,
        *switches,
    )


def _dereferenced(sent: _Sent, note: Note) -> tuple[str, ...]:
    """The field values ``_by_reference`` sent, each None the note's own text again."""
    question, answer, analogy, *switches = sent
    return (
        note.question if question is None else question,
        note.answer if answer is None else answer,
        note.analogy if analogy is None else analogy,
        *(value or "" for value in switches),
    )


def reusable(
    previous: LockedDeck | None, context: str, package: Path
) -> dict[str, tuple[LockedNote, tuple[str, ...]]]:
    """The previous build's work, by source hash: usable when the context is the same and
    ``package`` is the very package the lock describes; otherwise nothing."""
    if previous is None or not previous.context or previous.context != context:
        return {}
    if not previous.intact:  # edited by hand (a merge conflict resolved, say): not trusted
        return {}
    entries = {e.source: e for e in previous.notes if e.source and not e.removed}
    if not entries:
        return {}
    try:
        if files.digest(package) != previous.package:
            return {}
        by_guid = package_fields(package)
    except OSError:
        return {}
    return {
        source: (entry, by_guid[entry.guid])
        for source, entry in entries.items()
        if entry.guid in by_guid
    }
