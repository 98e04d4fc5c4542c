"""Each note's work in a build: prepare, render and hash it, or take what the last build made.

The work of a note (split, check, render, hash, fingerprint: tens of microseconds) depends
on its own text and on its deck's *context* (settings, note type, deck2anki's code, media).
The lock records a hash of each note's text as read (``LockedNote.source``) and the deck's
context; while both are the same, the note's fields come from the previous package and its
hashes from the lock. So a rebuild after one edit works on one note; the rest is only read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple
from hashlib import blake2b
from pathlib import Path
from typing import NamedTuple, overload

from .. import files
from ..cards import cloze, notetype
from ..cards.notetype import card_ords, card_templates, note_fields
from ..cards.prepare import note_changes, reported, with_changes
from ..cards.render import media_names, renderer_versions
from ..config import DeckConfig
from ..errors import Diagnostic
from ..files import short_hash
from ..identity.guids import normalize_question, note_derived
from ..identity.lock import LockedDeck, LockedNote, LockedNoteType
from ..identity.relink import content_hash, fingerprint
from ..model import Deck, Markup, Note
from ..writers.apkg_readback import package_field_rows
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

    asked: str
    """Its question normalised (``identity.normalize_question``)."""

    guid: str
    """The GUID its question gives (``identity.note_derived``); "" where not worked out (a
    note taken from the previous build: it has the lock's). Two fields, not a pair: a pair
    a note took 7 MB at 100,000 notes, a rebuild's peak (benchmarks/AB.md)."""

    cards: tuple[int, ...]
    """The ords of its cards (``writers.apkg.card_ords``)."""

    findings: tuple[Diagnostic, ...] = ()
    """What the note rules found in it (none for a reused note: it was checked when built)."""


class Derived(Sequence[tuple[str, str]]):
    """Each note's ``(asked, guid)``, as ``identity.assign_guids`` takes them: a pair made when
    it is asked for, not one held for every note."""

    def __init__(self, done: Sequence[Done]) -> None:
        self._done = done

    def __len__(self) -> int:
        return len(self._done)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((done.asked, done.guid) for done in self._done)

    @overload
    def __getitem__(self, index: int) -> tuple[str, str]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, str]]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, str] | Sequence[tuple[str, str]]:
        if isinstance(index, slice):
            return [(done.asked, done.guid) for done in self._done[index]]
        done = self._done[index]
        return done.asked, done.guid


def source_hash(note: Note) -> str:
    """A hash of a note as read: its text, tags, markup, pinned GUID and cards, not its line."""
    # The cards sorted: a frozenset's order changes with PYTHONHASHSEED.
    cards = " ".join(sorted(note.cards)) if note.cards else ""
    text = "\x1f".join(
        (
            note.question,
            note.answer,
            note.analogy,
            " ".join(note.tags),
            note.guid or "",
            _MARKUP_VALUES[note.markup],
            cards,
        )
    )
    return blake2b(text.encode(), digest_size=8).hexdigest()


_MARKUP_VALUES = {markup: markup.value for markup in Markup}
"""Each markup's value: a dictionary look-up, not the enum's ``value`` property, per note."""


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


PROGRESS_STEP = 1000
"""Notes worked on between two progress calls."""


def work_on(
    deck: Deck,
    read: list[Note],
    path: str,
    settings: DeckConfig,
    extra_tags: tuple[str, ...],
    disabled: Collection[str],
    earlier: dict[str, tuple[LockedNote, tuple[str, ...]]],
    progress: Callable[[int, int], None] | None = None,
    hashes: Mapping[str, str] | None = None,
    seed: str | None = None,
) -> tuple[tuple[Note, ...], list[Done], Callable[[int], Note]]:
    """Every note of ``deck`` worked on, in order: the notes prepared and tagged, the work on
    each, and a function giving the note at an index fully prepared (``identify``'s
    ``prepared_at``). ``read`` are the deck's notes as read from ``path`` (unprepared; the
    deck's own ``notes`` are not looked at): each is taken out of the list as it is worked
    on, so that the notes as read and as prepared are not both held whole (the list is
    empty at the end).

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

    reverse, type_in, code = settings.reverse, settings.type_in, settings.inline_code

    def work(raw: Note) -> tuple[Note, Done]:
        changed, findings = note_changes(raw, path)
        note = with_changes(raw, changed, note_tags(raw, extra_tags))
        fields = note_fields(note, references, reverse=reverse, type_in=type_in, code=code)
        shown = [digests[n] for n in names if any(n in v for v in fields)] if digests else ()
        return note, Done(
            fields,
            content_hash(fields, note.tags, shown),
            fingerprint(note),
            source_hash(raw),
            *note_derived(seed, note.question),
            card_ords(fields, templates),
            tuple(reported(findings, disabled)) if findings else (),
        )

    total = len(read)
    if not earlier:
        pairs = _each(work, _taken(read), total, progress)
        notes = tuple(note for note, _ in pairs)
        return notes, [done for _, done in pairs], notes.__getitem__
    sources = [source_hash(raw) for raw in read]
    missing = [raw for raw, source in zip(read, sources, strict=True) if source not in earlier]
    fresh = iter(_each(work, missing, len(missing), progress))
    del missing
    made: list[Note] = []
    work_done: list[Done] = []  # two lists, not a pair a note: 100,000 notes, 7 MB
    # What ``prepared_at`` needs of a note taken from the previous build, without holding
    # every note as read: that it was taken, and its question as read where preparing
    # changed it (its answer, analogy and markup the note as taken still has).
    taken = bytearray(total)
    asked: dict[int, str] = {}
    for index, (raw, source) in enumerate(zip(_taken(read), sources, strict=True)):
        if source in earlier:
            entry, fields = earlier[source]
            # The lock holds the question as prepared (invisible characters gone, HTML
            # made Markdown): what identification and the lock must see again.
            text = (entry.question, raw.answer, raw.analogy, None)
            note = with_changes(raw, text, note_tags(raw, extra_tags))
            normalized = normalize_question(note.question)  # a GUID only if needed
            cards = card_ords(fields, templates)
            done = Done(fields, entry.content, entry.fingerprint, source, normalized, "", cards)
            taken[index] = 1
            if raw.question != entry.question:
                asked[index] = raw.question
        else:
            note, done = next(fresh)
        made.append(note)
        work_done.append(done)
    notes = tuple(made)
    del made, sources

    def prepared_at(index: int) -> Note:
        """The note at ``index`` prepared in full: a reused one is prepared again."""
        note = notes[index]
        if not taken[index]:
            return note
        # The note as read, but for its tags, which preparing does not look at.
        raw = note.but(question=asked.get(index))
        return with_changes(raw, note_changes(raw, path)[0], note.tags)

    return notes, work_done, prepared_at


def _taken(read: list[Note]) -> Iterator[Note]:
    """The notes of ``read`` in order, each taken out of the list as it is given."""
    read.reverse()
    while read:
        yield read.pop()


def _each(
    work: Callable[[Note], tuple[Note, Done]],
    raws: Iterable[Note],
    total: int,
    progress: Callable[[int, int], None] | None,
) -> list[tuple[Note, Done]]:
    """``work`` on each of the ``total`` notes, telling ``progress`` (done, in all) every
    ``PROGRESS_STEP`` notes and at the end.

    In this process: a forked second process took half the notes until issue 14's A/B
    (benchmarks/AB.md) found it saved 15% of a cold build in 3 of 10 measures (20 to 23%),
    and 7% or less, or cost up to 31%, in the others; 3% at 100,000 notes with the other
    core busy."""
    pairs = []
    for done, raw in enumerate(raws, 1):
        pairs.append(work(raw))
        if progress is not None and (done % PROGRESS_STEP == 0 or done == total):
            progress(done, total)
    return pairs


# This shortcut pays (issue 14's A/B, benchmarks/ab.py, AB.md): a rebuild after one edit
# takes 28 to 47% less time with it than without, at 10,000 and 100,000 notes, idle or with
# the other core kept busy (100,000 notes, idle: 5.29 s against 8.60 s).
_FIELD_COUNTS = frozenset({len(notetype.FIELDS), len(cloze.FIELDS)})
"""How many fields a note of ours has: a package in build/ whose note has another number is
not one deck2anki wrote (a pull request can commit any), and nothing of it is reused."""


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
    wanted = {entry.guid: entry for entry in entries.values()}
    del entries
    found: dict[str, tuple[LockedNote, tuple[str, ...]]] = {}
    try:
        if files.digest(package) != previous.package:
            return {}
        # Row by row, not a dictionary of every note's fields beside this one (100,000
        # notes: a rebuild after one edit peaked at 338 MB, issue 17).
        for guid, fields in package_field_rows(package):
            entry = wanted.get(guid)
            if entry is not None:
                if len(fields) not in _FIELD_COUNTS:  # not a note deck2anki wrote
                    return {}
                if fields and fields[0] == entry.question:  # one copy of the question kept
                    fields = (entry.question, *fields[1:])
                found[entry.source] = (entry, fields)
    except OSError:
        return {}
    return found
