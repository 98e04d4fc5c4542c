"""sources/ -> build/: one .apkg per source, all of them or none, only what changed.

Each build reads the lock (``deck2anki.lock``) to give every note the GUID and modification
time earlier builds gave it, writes the packages whose inputs changed, then writes the lock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from . import files, notetype
from .config import Config, DeckConfig, load_config
from .convert import build_time, parse
from .errors import Diagnostic, Report, SourceError, UsageError
from .formats import FORMATS, Format
from .identity import Relink, content_hash, fingerprint, identify, next_mod
from .lock import LOCK_NAME, Lock, LockedDeck, LockedNote, LockedNoteType, dumps_lock, load_lock
from .model import Location
from .version import __version__
from .writers.apkg import PackageOptions, package_notes, write_package


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


def _source_format(path: Path) -> Format | None:
    suffix = path.suffix.lower()
    return next((f for f in FORMATS if suffix in f.suffixes and f.readable), None)


def find_sources(sources: Path, report: Report) -> list[tuple[Path, Format]]:
    """The readable sources in ``sources``, by name; other files are reported and skipped."""
    if not sources.is_dir():
        raise UsageError(f"{sources}: no such folder; create it or pass --sources DIR")
    found: list[tuple[Path, Format]] = []
    for path in sorted(p for p in sources.iterdir() if p.is_file() and not p.name.startswith(".")):
        fmt = _source_format(path)
        if fmt is None:
            report.warning(
                Location(str(path)),
                f"skipped: no reader for {path.suffix or 'files without a suffix'}",
                "unknown-source",
                "give it a known suffix (see 'deck2anki formats') or move it out of the folder",
            )
        else:
            found.append((path, fmt))
    if not found:
        raise UsageError(f"{sources}: no sources found; add a .txt file of cards to it")
    stems: dict[str, Path] = {}
    for path, _ in found:
        if path.stem in stems:
            raise UsageError(
                f"{path}: same name as {stems[path.stem]}; both would build"
                f" {path.stem}.apkg, so rename one"
            )
        stems[path.stem] = path
    return found


def code_fingerprint() -> str:
    """A hash of deck2anki itself (version, code, templates): new code may build new bytes."""
    digest = hashlib.sha256(__version__.encode())
    package = resources.files("deck2anki")
    pending = [package]
    entries = []
    while pending:
        for entry in pending.pop().iterdir():
            if entry.is_dir():
                if entry.name != "__pycache__":
                    pending.append(entry)
            elif entry.name.endswith((".py", ".html", ".css")):
                entries.append(entry)
    for entry in sorted(entries, key=str):
        digest.update(str(entry).removeprefix(str(package)).encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()[:16]


def _inputs(data: bytes, stem: str, settings: DeckConfig, state: LockedNoteType, code: str) -> str:
    """A hash of everything one deck's package is made from."""
    digest = hashlib.sha256(data)
    described: list[object] = [stem, settings.name, settings.description, code]
    described += [state.id, state.name, state.version, state.content, state.mod]
    digest.update(json.dumps(described).encode())
    return digest.hexdigest()[:16]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _shows(fields: tuple[str, ...], name: str) -> bool:
    """True when one of the fields refers to the media file ``name``."""
    return any(name in value for value in fields)


def _fresh(previous: LockedDeck, inputs: str, output: Path, folder: Path) -> bool:
    """True when the lock says this deck was built from these inputs into this very output."""
    if previous.inputs != inputs or not output.is_file():
        return False
    if _sha(output.read_bytes()) != previous.package:
        return False
    for reference, digest in previous.media:
        try:
            if _sha((folder / reference).read_bytes()) != digest:
                return False
        except OSError:
            return False
    return True


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
) -> BuildResult:
    """Build every source in ``sources`` into an .apkg in ``out``, and update the lock.

    Every source is read and checked before anything is written: one bad source fails the
    whole build with every problem listed, and ``out`` and the lock keep what they had. A deck
    whose inputs and output match the lock is skipped unless ``force``. With ``check``,
    nothing is written and ``BuildResult.stale`` says what a build would change.
    """
    sources, out = Path(sources), Path(out)
    config = config if config is not None else load_config()
    if lock_path is None:
        lock_path = (config.path.parent if config.path else Path()) / LOCK_NAME
    lock_path = Path(lock_path)
    lock = load_lock(lock_path)
    report = Report()
    found = find_sources(sources, report)
    for stem in sorted(set(config.decks) - {path.stem for path, _ in found}):
        report.warning(
            Location(str(config.path)),
            f"[decks.{stem}] names no source in {sources}",
            "unused-config",
            "fix the name or remove the section",
        )
    now = build_time() if timestamp is None else timestamp
    state = notetype.resolve(lock.notetype, now, allow_notetype_change)
    code = code_fingerprint()

    planned: list[tuple[Path, Path, LockedDeck, bytes, BuiltDeck]] = []
    skipped: list[Path] = []
    failed = False
    for path, fmt in found:
        settings = config.deck(path.stem)
        data = files.read_bytes(path)
        inputs = _inputs(data, path.stem, settings, state, code)
        output = out / f"{path.stem}.apkg"
        previous = lock.decks.get(path.stem)
        if not force and previous is not None and _fresh(previous, inputs, output, path.parent):
            skipped.append(path)
            continue
        source_report = Report()
        try:
            deck = parse(data, str(path), fmt, deck_name=settings.name, report=source_report)
            if settings.description is not None:
                deck = replace(deck, description=settings.description)
            identified = identify(deck, previous.notes if previous else (), source_report)
            source_report.raise_if_errors()
        except SourceError:
            failed = True
            continue
        finally:
            report.diagnostics.extend(source_report.diagnostics)

        deck = identified.deck
        by_guid = {entry.guid: entry for entry in previous.notes} if previous else {}
        notes = []
        entries = list(identified.removed)
        digests = {item.name: _sha(item.data) for item in deck.media}
        for note, packaged in zip(deck.notes, package_notes(deck, now), strict=True):
            shown = [digests[name] for name in sorted(digests) if _shows(packaged.fields, name)]
            content = content_hash(packaged.fields, packaged.tags, shown)
            mod = next_mod(by_guid.get(packaged.guid), content, now)
            notes.append(replace(packaged, mod=mod))
            entries.append(
                LockedNote(packaged.guid, note.question, content, fingerprint(note), mod)
            )
        # Times in the collection come from the lock, never the clock: same lock, same bytes.
        latest = max([state.mod, *(note.mod for note in notes)])
        options = PackageOptions(latest, state.id, state.name, state.mod)
        package = write_package(deck.name, deck.description, notes, options, deck.media)
        sources_media = tuple(
            sorted((item.reference, _sha(item.data)) for item in deck.media if item.reference)
        )
        locked = LockedDeck(inputs, _sha(package), tuple(entries), sources_media)
        built = BuiltDeck(
            path, output, deck.name, len(notes), identified.relinked, identified.newly_removed
        )
        planned.append((path, output, locked, package, built))
    if failed:
        raise SourceError(report.diagnostics)

    decks = dict(lock.decks)
    for path, _, locked, _, _ in planned:
        decks[path.stem] = locked
    _check_guids_across_decks(decks, {path.stem: path for path, _ in found})
    new_lock = dumps_lock(Lock(state, decks))
    old_lock = lock_path.read_text(encoding="utf-8") if lock_path.is_file() else ""
    built_decks = tuple(item[4] for item in planned)
    if check:
        stale = [
            f"{output}: out of date with {path}; run 'deck2anki build'"
            for path, output, _, package, _ in planned
            if not output.is_file() or output.read_bytes() != package
        ]
        if new_lock != old_lock:
            stale.append(f"{lock_path}: out of date; run 'deck2anki build' and commit it")
        return BuildResult(built_decks, tuple(skipped), tuple(report.warnings), tuple(stale))
    for _, output, _, package, _ in planned:
        files.write_atomic(output, package)
    # The lock goes last: if a package write failed, the old lock still describes build/.
    if new_lock != old_lock:
        files.write_atomic(lock_path, new_lock.encode("utf-8"))
    return BuildResult(built_decks, tuple(skipped), tuple(report.warnings))


def _check_guids_across_decks(decks: dict[str, LockedDeck], sources: dict[str, Path]) -> None:
    """Two sources must not share a note: it happens when both build one deck name."""
    owner: dict[str, str] = {}
    report = Report()
    for stem in sorted(decks):
        if stem not in sources:
            continue
        for note in decks[stem].notes:
            if note.removed:
                continue
            first = owner.setdefault(note.guid, stem)
            if first != stem:
                report.error(
                    Location(str(sources[stem])),
                    f"the question {note.question!r} is also in {sources[first]}, and both"
                    " build the same deck name, so Anki would take them for one note",
                    "duplicate-question",
                    "give the two sources different deck names, or remove one of the questions",
                )
    report.raise_if_errors()
