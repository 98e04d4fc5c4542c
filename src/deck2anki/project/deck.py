"""One deck's rebuild, made before anything is written: its source read, its notes worked
on and identified against the lock, its package staged, its lock entry made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from threading import Event

from .. import files
from ..cards.cloze import is_cloze_fields
from ..config import Config
from ..errors import Report
from ..identity.assign import assign_guids, next_mod
from ..identity.guids import normalize_question
from ..identity.lock import Block, LockedDeck, LockedNote, LockedNoteType, notes_block, seal
from ..identity.relink import Relink
from ..model import Deck
from ..writers.apkg import PackageNote, PackageOptions, write_package_to
from .carried import still_carried
from .continuity import (
    announce_every_note,
    announce_kind_changes,
    announce_renamed_deck,
    check_renamed_settings,
    recovered_notes,
)
from .notework import Derived, context_hash, media_hashes, reusable, work_on
from .previous import REMOVED_SUBDECK, previous_budget, read_previous
from .sources import Source, deck_tags, read_source, source_tag

Progress = Callable[[str, int, int], None]
"""Called as (deck name, notes done, notes in the deck) while a large deck is built."""

# A new source takes over the lock entry of a vanished one (a renamed file) when at least this
# share of the vanished deck's questions is in it.
RENAME_OVERLAP = 0.5


@dataclass(frozen=True, slots=True)
class BuiltDeck:
    """One deck a build wrote (or, with ``check``, would write)."""

    source: Path
    """The source it was built from."""

    output: Path
    """The .apkg written."""

    deck_name: str
    """The deck's name in Anki."""

    notes: int
    """How many notes the deck holds."""

    relinked: tuple[Relink, ...] = ()
    """Notes whose reworded question kept its old GUID."""

    removed: tuple[LockedNote, ...] = ()
    """Notes that disappeared from the source since the previous build."""

    renamed_from: str | None = None
    """The lock's name for this deck when its source was renamed; its notes kept their GUIDs."""

    reason: str = ""
    """Why the deck was rebuilt, in words (``--verbose`` says it)."""

    moved: tuple[Moved, ...] = ()
    """Notes that came from another source of the project, and kept their GUIDs."""

    recovered: int = 0
    """How many notes' GUIDs and times were read back from the previous package, for want
    of a lock entry."""


@dataclass(frozen=True, slots=True)
class Moved:
    """A note moved to this deck's source from another one: it kept its GUID."""

    question: str
    """Its question now."""

    guid: str
    """The GUID it kept."""

    origin: str
    """The key of the source it came from."""


@dataclass(frozen=True, slots=True)
class Planned:
    """One deck, built in memory and not yet written."""

    key: str
    locked: LockedDeck
    package: files.Staged
    result: BuiltDeck
    notes: tuple[str, Block]
    """The deck's seal and notes in the lock file (``lock.seal``, ``lock.notes_block``)."""

    job: Job | None = None
    """What was planned, to plan it again with notes moved from other sources."""

    added: tuple[tuple[str, str], ...] = ()
    """The notes given new GUIDs: (question normalised, fingerprint) each."""

    cloze: bool = False
    """Whether its package has notes of the cloze note type (the lock then records it)."""


def plan(
    job: Job,
    vanished: dict[str, LockedDeck],
    config: Config,
    state: LockedNoteType,
    code: str,
    now: int,
    report: Report,
    progress: Progress | None,
    moving: tuple[tuple[str, LockedNote], ...] = (),
    moved_away: frozenset[str] = frozenset(),
) -> Planned:
    """Read the source, work on its notes, identify them against the lock, settle their
    times, build the package. ``moving`` are notes gone from other sources in this build,
    with the key of the source each left: a note of this one that is one of them keeps it.
    ``moved_away`` are the GUIDs of notes this source lost to another: not removed (neither
    reported nor carried in the package), and no longer in its lock entry.

    The source is read here, not by the caller, so that the notes as read are let go as
    soon as they are worked on: a 100,000-note deck holds a few copies of its text otherwise.
    """
    source, previous, output = job.source, job.previous, job.output
    said = len(report.diagnostics)  # what is said before this plan (if it starts again)
    deck = read_source(source, config, report, as_read=True)
    settings = config.deck(source.key)
    hashes = media_hashes(deck)
    context = context_hash(source.key, settings, state, code, deck, hashes)
    # The previous package came with the pull request too: read within what its source explains.
    budget = previous_budget(source.path.stat().st_size)
    renamed_from, recovered = job.renamed_from, None
    if renamed_from:
        check_renamed_settings(renamed_from, source.key, source.path, config)
    elif previous is None:  # no lock entry: the package in build/ still knows the notes
        recovered = read_previous(output, budget=budget)
    if previous is not None:
        tag = previous.tag or source_tag(renamed_from or source.key)
    else:
        tag = (recovered.source_tag if recovered else "") or source_tag(source.key)
    old_package = output.with_name(f"{renamed_from}.apkg") if renamed_from else output
    announce_renamed_deck(previous, recovered, context, old_package, deck.name, config, report)

    def told(done: int, total: int) -> None:
        if progress is not None:
            progress(deck.name, done, total)

    # The notes as read, in a list work_on empties as it works: they go as it goes.
    read = list(deck.notes)
    deck = replace(deck, notes=())
    notes, done, prepared_at = work_on(
        deck,
        read,
        str(source.path),
        settings,
        deck_tags(source.key, settings, tag),
        config.disabled,
        # None without a lock entry of this name: a renamed source's context differs.
        reusable(None if renamed_from else previous, context, output),
        told,
        hashes,
        seed=source.key,  # never the deck's name: renaming a deck changes no GUID
    )
    for item in done:
        report.diagnostics += item.findings
    deck = replace(deck, notes=notes)
    del notes, read
    if previous is None and vanished:  # a renamed source continues its old name's entry
        # Known by its questions as prepared, as the lock has them (HTML made Markdown): the
        # deck is planned again as the renamed one (its tag, its settings): renames are rare.
        old = _renamed_from(deck, vanished)
        if old is not None:
            del deck, done, prepared_at, report.diagnostics[said:]
            job = replace(job, previous=vanished.pop(old), renamed_from=old)
            return plan(job, vanished, config, state, code, now, report, progress, moving)
    if recovered is not None and recovered.notes:
        previous = LockedDeck("", "", recovered_notes(recovered, deck, done))
    derived = Derived(done)
    # The GUIDs alone, not a copy of every note with its GUID: a 100,000-note deck would
    # hold both for a while (15 MB), and only the package and the lock need them.
    assigned = assign_guids(
        deck,
        previous.notes if previous else (),
        report,
        derived,
        prepared_at,
        seed=source.key,
        adoptable=tuple(entry for _, entry in moving),
    )
    del derived, prepared_at
    report.raise_if_errors()
    by_guid = {entry.guid: entry for entry in previous.notes} if previous else {}
    by_guid.update((entry.guid, entry) for entry in assigned.adopted)
    guids = assigned.guids
    mods = [
        next_mod(by_guid.get(g), item.content, now) for g, item in zip(guids, done, strict=True)
    ]
    announce_every_note(guids, done, by_guid, source.path, deck.name, report)
    announce_kind_changes(assigned.notes, guids, done, by_guid, state, report)
    origins = {entry.guid: key for key, entry in moving}
    moved = tuple(
        Moved(assigned.notes[guids.index(e.guid)].question, e.guid, origins[e.guid])
        for e in assigned.adopted
    )
    added = tuple(
        (normalize_question(assigned.notes[i].question), done[i].fingerprint)
        for i in assigned.added
    )
    del by_guid
    # Of the notes as identified only their questions (for the lock) and tags (for the
    # package) are kept: the notes, and the text as read they hold, go before the package.
    questions = [note.question for note in assigned.notes]
    tags = [note.tags for note in assigned.notes]
    relinked, newly_removed = assigned.relinked, assigned.newly_removed
    lock_removed = assigned.removed
    if moved_away:
        newly_removed = tuple(e for e in newly_removed if e.guid not in moved_away)
        lock_removed = tuple(e for e in lock_removed if e.guid not in moved_away)
    del assigned
    deck = replace(deck, notes=())
    packaged = [
        PackageNote(guid, item.fields, own, mod, item.cards)
        for guid, item, own, mod in zip(guids, done, tags, mods, strict=True)
    ]
    del tags
    removed = still_carried(lock_removed, {e.guid for e in newly_removed}, output, now, budget)
    carried = [PackageNote(e.guid, e.fields, e.tags, e.mod) for e in removed if e.fields]
    count = len(packaged)
    # Times in the collection come from the lock, never the clock: same lock, same bytes.
    cloze_mod = None
    if any(is_cloze_fields(note.fields) for note in (*packaged, *carried)):
        # A cloze deck: the cloze note type's state, settled by the build (``resolve_cloze``).
        cloze_mod = state.mod if state.cloze is None else state.cloze.mod
    latest = max([state.mod, *mods, *(note.mod for note in carried), cloze_mod or 0])
    options = PackageOptions(latest, state.id, state.name, state.mod, config.style, cloze_mod)
    # The entry's lines of the lock file are written while SQLite builds the indexes and zlib
    # deflates, which do not need Python's lock; not while the rows go in, which need it for
    # every row: the two would take turns, and the package would wait for the lines.
    rows_in = Event()
    write = partial(
        write_package_to,
        name=deck.name,
        description=deck.description,
        notes=packaged,
        options=options,
        media=deck.media,
        rows_written=rows_in.set,
        removed=carried,
        removed_deck=f"{deck.name}::{REMOVED_SUBDECK}",
    )
    # The package the pool's thread stages is ours to discard until the caller holds it,
    # however the build stops: an interrupt can come while the thread is being started,
    # before this frame has its future (and the pool waits for no thread it did not record).
    made: list[files.Staged] = []
    running, finished, abandoned = threading.Event(), threading.Event(), threading.Event()

    def staged() -> files.Staged:
        running.set()  # before looking at ``abandoned``: the plan waits for what it sees start
        try:
            if abandoned.is_set():
                raise _Abandoned
            package = files.stage(output, write, job.folder)
            made.append(package)
            if abandoned.is_set():  # a second interrupt did not wait for it
                package.discard()
            return package
        finally:
            finished.set()

    try:
        with ThreadPoolExecutor(1) as pool:
            writing = pool.submit(staged)
            writing.add_done_callback(lambda _: rows_in.set())  # failed before: no waiting
            rows_in.wait()
            if writing.done():  # failed (or already made): a failure is raised now
                writing.result()
            # The rows are in: the notes' fields go (with ``done`` below) before the lock's
            # lines take their place (a 100,000-note build peaked here, at 302 MB).
            packaged.clear()
            carried.clear()
            entries = [
                *removed,
                *(
                    LockedNote(
                        guid,
                        question,
                        d.content,
                        d.fingerprint,
                        mod,
                        source=d.source,
                        cloze=is_cloze_fields(d.fields),
                    )
                    for guid, question, d, mod in zip(guids, questions, done, mods, strict=True)
                ),
            ]
            del questions, done, mods
            block = notes_block(entries)
            package = writing.result()
        media = tuple(sorted((m.reference, hashes[m.name]) for m in deck.media if m.reference))
        digest = files.digest(package.path)
        own_tag = "" if tag == source_tag(source.key) else tag
        locked = LockedDeck(job.inputs, digest, tuple(entries), media, context=context, tag=own_tag)
        written = (seal(locked, block), block)
        del block
        reason = f"renamed from {renamed_from}" if renamed_from else job.reason
        result = BuiltDeck(
            source.path,
            output,
            deck.name,
            count,
            relinked,
            newly_removed,
            renamed_from,
            reason,
            moved,
            len(recovered.notes) if recovered else 0,
        )
        with_cloze = cloze_mod is not None
        return Planned(source.key, locked, package, result, written, job, added, with_cloze)
    except BaseException:  # Ctrl-C, say: the package goes, once it is made
        abandoned.set()
        if running.is_set():
            finished.wait()
        for package in made:
            package.discard()
        raise


class _Abandoned(Exception):
    """The plan stopped before its package's staging began: it is not begun."""


@dataclass(frozen=True, slots=True)
class Job:
    """One deck to build, as the lock and the sources folder describe it."""

    source: Source
    inputs: str
    output: Path
    previous: LockedDeck | None
    reason: str
    folder: Path | None = None
    """Where its package is staged, when not beside its place (``check``)."""

    renamed_from: str | None = None
    """The lock entry ``previous`` is when it is another source's: the source was renamed."""


def _renamed_from(deck: Deck, vanished: dict[str, LockedDeck]) -> str | None:
    """The vanished lock entry this new source continues, if exactly one shares its questions."""
    if not vanished:  # the usual case (a first build, a new source): no question to gather
        return None
    questions = {normalize_question(note.question) for note in deck.notes}
    matches = []
    for key, entry in vanished.items():
        active = [n for n in entry.notes if not n.removed]
        shared = sum(1 for n in active if normalize_question(n.question) in questions)
        if active and shared >= RENAME_OVERLAP * len(active):
            matches.append(key)
    return matches[0] if len(matches) == 1 else None
