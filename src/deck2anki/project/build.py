"""sources/ -> build/: one .apkg per source, all of them or none, only what changed.

Each build reads the lock (``deck2anki.lock``) to give every note the GUID and modification
time earlier builds gave it, writes the packages whose inputs changed, then writes the lock.
"""

from __future__ import annotations

import functools
import gc
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import ParamSpec, TypeVar

from .. import files
from ..cards import notetype
from ..config import Config, load_config
from ..conversion import build_time
from ..errors import Diagnostic, Report, Severity, SourceError, UsageError
from ..identity import lockcheck
from ..identity.lock import Lock, LockedDeck, LockedNoteType, lock_parts
from ..identity.lockread import damaged, load_lock
from ..model import Location, shown
from .deck import BuiltDeck, Job, Planned, Progress, plan
from .locking import WAIT, lock_file, project_lock
from .moves import take_moves
from .previous import read_notetype
from .sources import Source, code_fingerprint, find_sources, inputs_hash, stale_reason
from .style import own_notetype


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

    merged: bool = False
    """The lock held both sides of a git merge: read as their union, every deck rebuilt."""


Params = ParamSpec("Params")
Result = TypeVar("Result")


def without_collections(function: Callable[Params, Result]) -> Callable[Params, Result]:
    """Run ``function`` with Python's cycle collector paused, then restore it.

    A build makes a few objects per note and keeps them to the end, so every collection
    walks a heap that only grows: a seventh of a 100,000-note build went to collections
    that found nothing. The build makes no reference cycles worth collecting on the way.
    """

    @functools.wraps(function)
    def paused(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if collecting:
                gc.enable()

    return paused


@without_collections
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
    wait: float = WAIT,
    waiting: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build every source in ``sources`` into an .apkg in ``out``, and update the lock.

    Every source is read and checked before anything is written: one bad source fails the
    whole build with every problem listed, and ``out`` and the lock keep what they had. A deck
    whose inputs and output match the lock is skipped unless ``force``. With ``keep_going``,
    the good decks are written and the failed ones keep their old package and lock entry.
    With ``check``, nothing is written and ``BuildResult.stale`` says what would change.

    One build of a project runs at a time (``locking``): another one waits up to ``wait``
    seconds (``waiting`` is told so once), then this raises a UsageError.
    """
    sources, out = Path(sources), Path(out)
    config = config if config is not None else load_config()
    lock_path = lock_file(config, lock_path)
    # ``check`` writes nothing: it shares the lock with other checks, not with a build.
    with project_lock(lock_path, shared=check, wait=wait, waiting=waiting):
        return _build(
            sources,
            out,
            config,
            lock_path,
            timestamp,
            check,
            force,
            allow_notetype_change,
            keep_going,
            progress,
        )


def _build(
    sources: Path,
    out: Path,
    config: Config,
    lock_path: Path,
    timestamp: int | None,
    check: bool,
    force: bool,
    allow_notetype_change: bool,
    keep_going: bool,
    progress: Progress | None,
) -> BuildResult:
    """``build``, with the project lock held."""
    lock = load_lock(lock_path)
    report = Report()
    found = find_sources(sources, report)
    keys = {source.key for source in found}
    for key in sorted(set(config.decks) - keys):
        report.warning(
            Location(str(config.path)),
            f"[decks.{key}] names no source in {shown(sources)}",
            "unused-config",
            "fix the name or remove the section",
        )
    now = build_time() if timestamp is None else timestamp
    # A lost lock forgets the project's note type, but build/ still has it: students have it.
    known = lock.notetype or _previous_notetype(found, out, config)
    state = notetype.resolve(
        known,
        now,
        allow_notetype_change,
        config.style,
        partial(own_notetype, found, config, now),
    )
    # The cloze note type beside it: the lock's, or settled now (and recorded only once a
    # deck has cloze notes, so a project without any keeps its lock as it was).
    cloze = notetype.resolve_cloze(known.cloze if known else None, state, now, config.style)
    state = replace(state, cloze=cloze)
    code = code_fingerprint()
    # Lock entries without a source: renamed files (taken over below) or deleted ones.
    vanished = {key: deck for key, deck in lock.decks.items() if key not in keys}

    if not check:  # ``check`` writes nothing, and deletes nothing either
        files.sweep(out)  # what a killed build left, before this build stages its own files
        files.sweep(lock_path.parent, lock_path.name)  # a lock being written, killed
    planned: list[Planned] = []
    created = not out.exists()
    # Packages are staged as they are made, beside their place (or, with ``check``, in a
    # scratch folder); ``write_all`` renames them into place, and whatever is left goes.
    scratch = tempfile.TemporaryDirectory(prefix="deck2anki-")
    try:
        skipped: list[Path] = []
        failed: list[Path] = []
        reports: dict[str, Report] = {}  # per source, in order
        for source in found:
            data = files.read_bytes(source.path)
            inputs = inputs_hash(data, source.key, config.deck(source.key), state, code)
            output = out / f"{source.key}.apkg"
            if output.is_dir():
                raise UsageError(
                    f"{shown(output)}: is a folder; remove it so the deck can be written there"
                )
            previous = lock.decks.get(source.key)
            try:
                reason = stale_reason(previous, inputs, output, source.path.parent)
            except lockcheck.Damaged as error:  # a media path of its entry leads out
                where = ("decks", source.key, *error.where)
                raise damaged(lock_path, lockcheck.Damaged(where, error.detail)) from None
            if reason is None and not force:
                skipped.append(source.path)
                continue
            source_report = Report()
            reports[source.key] = source_report
            try:
                # Read again rather than hand ``data`` on: a 50 MB source is not held twice while
                # it is parsed (the second read comes from the page cache).
                del data
                folder = Path(scratch.name) if check else None
                job = Job(source, inputs, output, previous, reason or "--force", folder)
                planned.append(
                    plan(job, vanished, config, state, code, now, source_report, progress)
                )
            except SourceError:
                failed.append(source.path)
        # Cards moved between sources keep their notes: a deck given a note another deck lost
        # is planned again, taking it over (what it says replaces what it said).
        planned = take_moves(planned, vanished, reports, config, state, code, now, progress)
        for source_report in reports.values():
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
        recorded = state
        if (lock.notetype is None or lock.notetype.cloze is None) and not any(
            item.cloze for item in planned
        ):
            recorded = replace(state, cloze=None)
        new_lock = lock_parts(Lock(recorded, decks), written)
        del written
        lock_changed = not files.has_contents(lock_path, new_lock)
        built = tuple(item.result for item in planned)
        if check:
            stale = [
                f"{shown(item.result.output)}: out of date with {shown(item.result.source)};"
                " run 'deck2anki build'"
                for item in planned
                if not files.same(item.result.output, item.package.path)
            ]
            stale += [
                f"{shown(deck.output)}: its source is gone; run 'deck2anki build'"
                for deck in gone
                if deck.output is not None
            ]
            if lock_changed:
                stale.append(
                    f"{shown(lock_path)}: out of date; run 'deck2anki build' and commit it"
                )
            return BuildResult(
                built,
                tuple(skipped),
                tuple(report.warnings),
                tuple(stale),
                gone,
                tuple(failed),
                tuple(d for d in report.diagnostics if d.severity is Severity.ERROR),
            )
        outputs: dict[Path, files.Contents | files.Staged] = {
            item.result.output: item.package for item in planned
        }
        if lock_changed:
            outputs[lock_path] = new_lock
        # A renamed source's package under its old name is a stale copy; a gone source's too.
        removals = [
            out / f"{item.result.renamed_from}.apkg" for item in planned if item.result.renamed_from
        ]
        removals += [old.output for old in gone if old.output is not None]
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
            lock.merged,
        )
    finally:
        for item in planned:  # renamed into place (then already gone), or not wanted
            item.package.discard()
        scratch.cleanup()
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # a failed first build leaves no empty folder behind


def _previous_notetype(found: list[Source], out: Path, config: Config) -> LockedNoteType | None:
    """The note type the previous packages in ``out`` gave students (None: none there)."""
    for source in found:
        previous = read_notetype(out / f"{source.key}.apkg")
        if previous is not None:
            p, c = previous, previous.cloze
            main = notetype.recovered(
                p.id, p.name, p.mod, p.fields, p.templates, p.css, config.style
            )
            if c is None:
                return main
            cloze = notetype.recovered_cloze(c.id, c.name, c.mod, c.templates, c.css, config.style)
            return replace(main, cloze=cloze)
    return None


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
                    f"the question {note.question!r} is also in {shown(sources[first])}, and both"
                    " build the same deck name, so Anki would take them for one note",
                    "duplicate-question",
                    "give the two sources different deck names, or remove one of the questions",
                )
    report.raise_if_errors()
