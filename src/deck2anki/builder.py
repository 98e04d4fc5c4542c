"""sources/ -> build/: one .apkg per source, all of them or none, only what changed.

Each build reads the lock (``deck2anki.lock``) to give every note the GUID and modification
time earlier builds gave it, writes the packages whose inputs changed, then writes the lock.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import files, notetype, parallel
from .config import Config, load_config
from .errors import Diagnostic, Report, Severity, SourceError, UsageError
from .identity import Relink, identify, next_mod, normalize_question
from .lock import (
    LOCK_NAME,
    Lock,
    LockedDeck,
    LockedNote,
    LockedNoteType,
    load_lock,
    lock_parts,
    notes_block,
    seal,
)
from .model import Deck, Location
from .notework import context_hash, reusable, work_on
from .pipeline import build_time
from .project import (
    Source,
    code_fingerprint,
    deck_tags,
    find_sources,
    inputs_hash,
    read_source,
    short_hash,
    stale_reason,
)
from .writers.apkg import PackageNote, PackageOptions, write_package

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
class GoneDeck:
    """A deck of the lock whose source no longer exists."""

    key: str
    """The source's name, without suffix, as the lock knows it."""

    notes: int
    """How many of its notes students may still have."""

    output: Path | None
    """Its old .apkg, deleted by this build (or, with ``check``, still there); None if none."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build did and what it noticed."""

    built: tuple[BuiltDeck, ...]
    """The decks written, in source order."""

    skipped: tuple[Path, ...] = ()
    """Sources whose deck was already up to date."""

    warnings: tuple[Diagnostic, ...] = field(default=())
    """Problems worth reporting that did not stop the build."""

    stale: tuple[str, ...] = ()
    """With ``check``: what is out of date, one sentence each; empty when all is fresh."""

    gone: tuple[GoneDeck, ...] = ()
    """Decks whose source disappeared since the previous build."""

    failed: tuple[Path, ...] = ()
    """With ``keep_going``: sources with errors, whose decks were not written."""

    errors: tuple[Diagnostic, ...] = ()
    """With ``keep_going``: the errors of the failed sources."""


@dataclass(frozen=True, slots=True)
class _Planned:
    """One deck, built in memory and not yet written."""

    key: str
    locked: LockedDeck
    package: bytes
    result: BuiltDeck
    notes: tuple[str, bytearray]
    """The deck's seal and notes in the lock file (``lock.seal``, ``lock.notes_block``)."""


@parallel.without_collections
def build(
    sources: str | Path = "sources",
    out: str | Path = "build",
    *,
    config: Config | None = None,
    lock_path: str | Path | None = None,
    timestamp: int | None = None,
    check: bool = False,
    force: bool = False,
    allow_notetype_change: bool = False,
    keep_going: bool = False,
    progress: Progress | None = None,
) -> BuildResult:
    """Build every source in ``sources`` into an .apkg in ``out``, and update the lock.

    Every source is read and checked before anything is written: one bad source fails the
    whole build with every problem listed, and ``out`` and the lock keep what they had. A deck
    whose inputs and output match the lock is skipped unless ``force``. With ``keep_going``,
    the good decks are written and the failed ones keep their old package and lock entry.
    With ``check``, nothing is written and ``BuildResult.stale`` says what would change.
    """
    sources, out = Path(sources), Path(out)
    config = config if config is not None else load_config()
    if lock_path is None:
        lock_path = (config.path.parent if config.path else Path()) / LOCK_NAME
    lock_path = Path(lock_path)
    lock = load_lock(lock_path)
    report = Report()
    found = find_sources(sources, report)
    keys = {source.key for source in found}
    for key in sorted(set(config.decks) - keys):
        report.warning(
            Location(str(config.path)),
            f"[decks.{key}] names no source in {sources}",
            "unused-config",
            "fix the name or remove the section",
        )
    now = build_time() if timestamp is None else timestamp
    state = notetype.resolve(lock.notetype, now, allow_notetype_change)
    code = code_fingerprint()
    # Lock entries without a source: renamed files (taken over below) or deleted ones.
    vanished = {key: deck for key, deck in lock.decks.items() if key not in keys}

    planned: list[_Planned] = []
    skipped: list[Path] = []
    failed: list[Path] = []
    for source in found:
        data = files.read_bytes(source.path)
        inputs = inputs_hash(data, source.key, config.deck(source.key), state, code)
        output = out / f"{source.key}.apkg"
        if output.is_dir():
            raise UsageError(f"{output}: is a folder; remove it so the deck can be written there")
        previous = lock.decks.get(source.key)
        reason = stale_reason(previous, inputs, output, source.path.parent)
        if reason is None and not force:
            skipped.append(source.path)
            continue
        source_report = Report()
        try:
            # Read again rather than hand ``data`` on: a 50 MB source is not held twice while
            # it is parsed (the second read comes from the page cache).
            del data
            job = _Job(source, inputs, output, previous, reason or "--force")
            planned.append(_plan(job, vanished, config, state, code, now, source_report, progress))
        except SourceError:
            failed.append(source.path)
        finally:
            report.diagnostics.extend(source_report.diagnostics)
    # A failed source keeps its old package and lock entry (``keep_going``), like a skipped one.
    if failed and not keep_going:
        raise SourceError(report.diagnostics)

    decks = dict(lock.decks)
    for item in planned:
        if item.result.renamed_from:
            del decks[item.result.renamed_from]
        decks[item.key] = item.locked
    gone = _gone(vanished, decks, out)
    _check_guids_across_decks(decks, {source.key: source.path for source in found})
    # Bytes from the start: a 100,000-note lock is 25 MB, and one copy of it is enough.
    written = {item.key: item.notes for item in planned}
    new_lock = lock_parts(Lock(state, decks), written)
    del written
    lock_changed = not files.holds(lock_path, new_lock)
    built = tuple(item.result for item in planned)
    if check:
        stale = [
            f"{item.result.output}: out of date with {item.result.source}; run 'deck2anki build'"
            for item in planned
            if not item.result.output.is_file() or item.result.output.read_bytes() != item.package
        ]
        stale += [
            f"{deck.output}: its source is gone; run 'deck2anki build'"
            for deck in gone
            if deck.output is not None
        ]
        if lock_changed:
            stale.append(f"{lock_path}: out of date; run 'deck2anki build' and commit it")
        return BuildResult(
            built,
            tuple(skipped),
            tuple(report.warnings),
            tuple(stale),
            gone,
            tuple(failed),
            tuple(d for d in report.diagnostics if d.severity is Severity.ERROR),
        )
    outputs: dict[Path, files.Contents] = {item.result.output: item.package for item in planned}
    if lock_changed:
        outputs[lock_path] = new_lock
    # A renamed source's package under its old name is a stale copy; a gone source's too.
    removals = [
        out / f"{item.result.renamed_from}.apkg" for item in planned if item.result.renamed_from
    ]
    removals += [old.output for old in gone if old.output is not None]
    files.sweep(out)
    # Packages and lock change together: all of them, or (on any failure) none.
    files.write_all(outputs, removals)
    return BuildResult(
        built,
        tuple(skipped),
        tuple(report.warnings),
        (),
        gone,
        tuple(failed),
        tuple(d for d in report.diagnostics if d.severity is Severity.ERROR),
    )


def _plan(
    job: _Job,
    vanished: dict[str, LockedDeck],
    config: Config,
    state: LockedNoteType,
    code: str,
    now: int,
    report: Report,
    progress: Progress | None,
) -> _Planned:
    """Read the source, work on its notes, identify them against the lock, settle their
    times, build the package.

    The source is read here, not by the caller, so that the notes as read are let go as
    soon as they are worked on: a 100,000-note deck holds a few copies of its text otherwise.
    """
    source, previous, output = job.source, job.previous, job.output
    deck = read_source(source, config, report, prepare=False)
    renamed_from = None
    if previous is None:  # a renamed source continues the lock entry of its old name
        renamed_from = _renamed_from(deck, vanished)
        previous = vanished.pop(renamed_from) if renamed_from else None
    settings = config.deck(source.key)
    context = context_hash(source.key, settings, state, code, deck)

    def told(done: int, total: int) -> None:
        if progress is not None:
            progress(deck.name, done, total)

    notes, done = work_on(
        deck,
        str(source.path),
        settings,
        deck_tags(source.key, settings),
        config.disabled,
        reusable(previous, context, output),
        told,
    )
    for item in done:
        report.diagnostics += item.findings
    deck = replace(deck, notes=notes)  # the notes as read go
    del notes
    derived = [item.derived for item in done]
    identified = identify(deck, previous.notes if previous else (), report, derived)
    del derived
    report.raise_if_errors()
    deck = identified.deck  # the notes before identification go
    by_guid = {entry.guid: entry for entry in previous.notes} if previous else {}
    packaged = []
    entries = list(identified.removed)
    for note, item in zip(deck.notes, done, strict=True):
        guid = note.guid or ""
        mod = next_mod(by_guid.get(guid), item.content, now)
        packaged.append(PackageNote(guid, item.fields, note.tags, mod, item.cards))
        entries.append(
            LockedNote(guid, note.question, item.content, item.fingerprint, mod, source=item.source)
        )
    del done
    # Only the package's and the lock's copies of the notes are needed from here on.
    relinked, newly_removed = identified.relinked, identified.newly_removed
    del identified
    deck = replace(deck, notes=())
    # Times in the collection come from the lock, never the clock: same lock, same bytes.
    latest = max([state.mod, *(note.mod for note in packaged)])
    options = PackageOptions(latest, state.id, state.name, state.mod)
    # SQLite and zlib work without holding Python's lock: the entry's lines of the lock file
    # are written meanwhile.
    with ThreadPoolExecutor(1) as pool:
        writing = pool.submit(
            write_package, deck.name, deck.description, packaged, options, deck.media
        )
        block = notes_block(entries)
        package = writing.result()
    media = tuple(sorted((m.reference, short_hash(m.data)) for m in deck.media if m.reference))
    locked = LockedDeck(job.inputs, short_hash(package), tuple(entries), media, context=context)
    written = (seal(locked, block), block[0])
    del block
    if renamed_from:
        job = replace(job, reason=f"renamed from {renamed_from}")
    result = BuiltDeck(
        source.path,
        output,
        deck.name,
        len(packaged),
        relinked,
        newly_removed,
        renamed_from,
        job.reason,
    )
    return _Planned(source.key, locked, package, result, written)


@dataclass(frozen=True, slots=True)
class _Job:
    """One deck to build, as the lock and the sources folder describe it."""

    source: Source
    inputs: str
    output: Path
    previous: LockedDeck | None
    reason: str


def _renamed_from(deck: Deck, vanished: dict[str, LockedDeck]) -> str | None:
    """The vanished lock entry this new source continues, if exactly one shares its questions."""
    questions = {normalize_question(note.question) for note in deck.notes}
    matches = []
    for key, entry in vanished.items():
        active = [n for n in entry.notes if not n.removed]
        shared = sum(1 for n in active if normalize_question(n.question) in questions)
        if active and shared >= RENAME_OVERLAP * len(active):
            matches.append(key)
    return matches[0] if len(matches) == 1 else None


def _gone(
    vanished: dict[str, LockedDeck], decks: dict[str, LockedDeck], out: Path
) -> tuple[GoneDeck, ...]:
    """Decks whose source is gone: their notes marked removed in ``decks``, outputs named."""
    gone = []
    for key, entry in sorted(vanished.items()):
        active = [note for note in entry.notes if not note.removed]
        output = out / f"{key}.apkg"
        if not active and not output.exists():
            continue
        notes = tuple(replace(note, removed=True) for note in entry.notes)
        decks[key] = LockedDeck(entry.inputs, "", notes, entry.media)
        gone.append(GoneDeck(key, len(active), output if output.is_file() else None))
    return tuple(gone)


def _check_guids_across_decks(decks: dict[str, LockedDeck], sources: dict[str, Path]) -> None:
    """Two sources must not share a note: it happens when both build one deck name."""
    owner: dict[str, str] = {}
    report = Report()
    for key in sorted(decks):
        if key not in sources:
            continue
        for note in decks[key].notes:
            if note.removed:
                continue
            first = owner.setdefault(note.guid, key)
            if first != key:
                report.error(
                    Location(str(sources[key])),
                    f"the question {note.question!r} is also in {sources[first]}, and both"
                    " build the same deck name, so Anki would take them for one note",
                    "duplicate-question",
                    "give the two sources different deck names, or remove one of the questions",
                )
    report.raise_if_errors()
