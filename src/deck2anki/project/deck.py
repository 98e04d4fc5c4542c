"""One deck's rebuild, made before anything is written: its source read, its notes worked
on and identified against the lock, its package staged, its lock entry made.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from threading import Event

from .. import files
from ..config import Config
from ..errors import Report
from ..identity.guids import Relink, assign_guids, next_mod, normalize_question
from ..identity.lock import LockedDeck, LockedNote, LockedNoteType, notes_block, seal
from ..model import Deck
from ..writers.apkg import PackageNote, PackageOptions, write_package_to
from .notework import context_hash, media_hashes, reusable, work_on
from .sources import Source, deck_tags, read_source

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


@dataclass(frozen=True, slots=True)
class Planned:
    """One deck, built in memory and not yet written."""

    key: str
    locked: LockedDeck
    package: files.Staged
    result: BuiltDeck
    notes: tuple[str, bytearray]
    """The deck's seal and notes in the lock file (``lock.seal``, ``lock.notes_block``)."""


def plan(
    job: Job,
    vanished: dict[str, LockedDeck],
    config: Config,
    state: LockedNoteType,
    code: str,
    now: int,
    report: Report,
    progress: Progress | None,
) -> Planned:
    """Read the source, work on its notes, identify them against the lock, settle their
    times, build the package.

    The source is read here, not by the caller, so that the notes as read are let go as
    soon as they are worked on: a 100,000-note deck holds a few copies of its text otherwise.
    """
    source, previous, output = job.source, job.previous, job.output
    deck = read_source(source, config, report, prepare=False)
    settings = config.deck(source.key)
    hashes = media_hashes(deck)
    context = context_hash(source.key, settings, state, code, deck, hashes)

    def told(done: int, total: int) -> None:
        if progress is not None:
            progress(deck.name, done, total)

    notes, done, ready = work_on(
        deck,
        str(source.path),
        settings,
        deck_tags(source.key, settings),
        config.disabled,
        reusable(previous, context, output),  # none without a lock entry: no rename reuses
        told,
        hashes,
    )
    for item in done:
        report.diagnostics += item.findings
    deck = replace(deck, notes=notes)  # the notes as read go (but for ``ready``)
    del notes
    renamed_from = None
    if previous is None:  # a renamed source continues the lock entry of its old name
        # Its questions as prepared, as the lock has them (HTML made Markdown, say).
        renamed_from = _renamed_from(deck, vanished)
        previous = vanished.pop(renamed_from) if renamed_from else None
    derived = [item.derived for item in done]
    # The GUIDs alone, not a copy of every note with its GUID: a 100,000-note deck would
    # hold both for a while (15 MB), and only the package and the lock need them.
    assigned = assign_guids(deck, previous.notes if previous else (), report, derived, ready)
    del derived, ready
    report.raise_if_errors()
    by_guid = {entry.guid: entry for entry in previous.notes} if previous else {}
    guids = assigned.guids
    mods = [
        next_mod(by_guid.get(g), item.content, now) for g, item in zip(guids, done, strict=True)
    ]
    # The notes as identified: a few pending ones prepared anew (``ready``), most as they are.
    packaged = [
        PackageNote(guid, item.fields, note.tags, mod, item.cards)
        for note, guid, item, mod in zip(assigned.notes, guids, done, mods, strict=True)
    ]
    # The lock's copies of the notes are made once the package's rows are in (below), and
    # only their questions are kept until then.
    questions = [note.question for note in assigned.notes]
    relinked, newly_removed, removed = assigned.relinked, assigned.newly_removed, assigned.removed
    del assigned
    deck = replace(deck, notes=())
    # Times in the collection come from the lock, never the clock: same lock, same bytes.
    latest = max([state.mod, *mods])
    options = PackageOptions(latest, state.id, state.name, state.mod)
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
    )
    with ThreadPoolExecutor(1) as pool:
        writing = pool.submit(files.stage, output, write, job.folder)
        try:  # from here on an interrupt discards the package being staged
            writing.add_done_callback(lambda _: rows_in.set())  # failed before: no waiting
            rows_in.wait()
            if writing.done():  # failed (or already made): a failure is raised now
                writing.result()
            entries = [
                *removed,
                *(
                    LockedNote(guid, question, d.content, d.fingerprint, mod, source=d.source)
                    for guid, question, d, mod in zip(guids, questions, done, mods, strict=True)
                ),
            ]
            del questions, done, mods
            block = notes_block(entries)
            package = writing.result()
        except BaseException:  # Ctrl-C, say: the package still being made goes once it is
            writing.add_done_callback(_discard)
            raise
    try:
        media = tuple(sorted((m.reference, hashes[m.name]) for m in deck.media if m.reference))
        digest = files.digest(package.path)
        locked = LockedDeck(job.inputs, digest, tuple(entries), media, context=context)
        written = (seal(locked, block), block[0])
        del block
        reason = f"renamed from {renamed_from}" if renamed_from else job.reason
        result = BuiltDeck(
            source.path,
            output,
            deck.name,
            len(packaged),
            relinked,
            newly_removed,
            renamed_from,
            reason,
        )
        return Planned(source.key, locked, package, result, written)
    except BaseException:  # until the caller holds the package, it is ours to clean up
        package.discard()
        raise


def _discard(staging: Future[files.Staged]) -> None:
    """Delete a package staged for a build that stopped (if it got made at all)."""
    if not staging.cancelled() and staging.exception() is None:
        staging.result().discard()


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
