"""``deck2anki check``: read every source as a build would, write nothing, and report every
problem: what a build would refuse, what it would only mention, notes the lock has that a
source dropped, and a change that would fork the note type."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..cards import notetype
from ..cards.notetype import NoteTypeChangeError
from ..config import Config, load_config
from ..conversion import build_time
from ..errors import Diagnostic, Report, Severity
from ..identity.assign import identify
from ..identity.lockread import load_lock
from ..model import Location
from .locking import lock_file
from .sources import Source, find_sources, read_source, source_key


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What ``deck2anki check`` found."""

    diagnostics: tuple[Diagnostic, ...]
    """Every problem, in file order."""

    files: int
    """How many sources were read."""

    @property
    def errors(self) -> int:
        """How many of the diagnostics are errors."""
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        """How many of the diagnostics are warnings."""
        return len(self.diagnostics) - self.errors


def check(
    paths: Sequence[str | Path] = ("sources",),
    *,
    config: Config | None = None,
    lock_path: str | Path | None = None,
) -> CheckResult:
    """Read every source in ``paths`` (files or folders) and report every problem, writing
    nothing: what a build would refuse (errors) and what it would only mention (warnings),
    including notes the lock has that a source dropped and a change that would fork the
    note type.
    """
    config = config if config is not None else load_config()
    lock_path = lock_file(config, lock_path)
    lock = load_lock(lock_path)
    report = Report()
    sources: list[Source] = []
    for path in map(Path, paths):
        if path.is_dir():
            sources += find_sources(path, report)
        else:
            sources.append(Source(path, source_key(path)))
    try:
        notetype.resolve(lock.notetype, build_time(), False, config.style)
    except NoteTypeChangeError as change:
        report.warning(Location(str(lock_path)), str(change), "notetype-fork")
    # A set beside the list: asking the list whether it holds each diagnostic is quadratic in
    # a source with thousands of them (issue 13).
    seen = set(report.diagnostics)
    for source in sources:
        found = Report()
        deck = read_source(source, config, found)
        previous = lock.decks.get(source.key)
        identified = identify(deck, previous.notes if previous else (), found)
        # A source with errors lost lines to them: those are no removed notes.
        if identified.newly_removed and not found.has_errors:
            questions = ", ".join(repr(n.question) for n in identified.newly_removed[:3])
            more = len(identified.newly_removed) - 3
            found.warning(
                Location(str(source.path)),
                f"{len(identified.newly_removed)} notes of the lock are gone from this source"
                f" ({questions}{f' and {more} more' if more > 0 else ''}); students keep them",
                "notes-removed",
                "tell students to delete them, or bring the cards back",
            )
        for diagnostic in found.diagnostics:
            if diagnostic not in seen:
                seen.add(diagnostic)
                report.diagnostics.append(diagnostic)
    shown = [
        d
        for d in report.diagnostics
        if d.severity is Severity.ERROR or d.rule not in config.disabled
    ]
    return CheckResult(tuple(shown), len(sources))


def as_json(result: CheckResult) -> str:
    """The result for machines: every diagnostic's parts, and the counts."""
    return json.dumps(
        {
            "files": result.files,
            "errors": result.errors,
            "warnings": result.warnings,
            "diagnostics": [
                {
                    "path": d.location.path,
                    "line": d.location.line,
                    "column": d.location.column,
                    "severity": d.severity.value,
                    "message": d.message,
                    "rule": d.rule,
                    "hint": d.hint,
                }
                for d in result.diagnostics
            ],
        },
        ensure_ascii=False,
        indent=2,
    )
