"""sources/ -> build/: one .apkg per source, all of them or none."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from . import files
from .config import Config, load_config
from .convert import build_time, parse
from .errors import Diagnostic, Report, SourceError, UsageError
from .formats import FORMATS, Format
from .model import Location
from .writers.apkg import PackageOptions, write_apkg


@dataclass(frozen=True, slots=True)
class BuiltDeck:
    """One deck a build wrote."""

    source: Path
    """The source it was built from."""

    output: Path
    """The .apkg written."""

    deck_name: str
    """The deck's name in Anki."""

    notes: int
    """How many notes the deck holds."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build did and what it noticed."""

    built: tuple[BuiltDeck, ...]
    """The decks written, in source order."""

    warnings: tuple[Diagnostic, ...] = field(default=())
    """Problems worth reporting that did not stop the build."""


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
    return found


def build(
    sources: str | Path = "sources",
    out: str | Path = "build",
    *,
    config: Config | None = None,
    timestamp: int | None = None,
) -> BuildResult:
    """Build every source in ``sources`` into an .apkg in ``out``.

    Every source is read and checked before anything is written: one bad source fails the
    whole build with every problem listed, and ``out`` keeps what it had.
    """
    sources, out = Path(sources), Path(out)
    config = config if config is not None else load_config()
    report = Report()
    found = find_sources(sources, report)
    stems: dict[str, Path] = {}
    for path, _ in found:
        if path.stem in stems:
            raise UsageError(
                f"{path}: same name as {stems[path.stem]}; both would build"
                f" {out / (path.stem + '.apkg')}, so rename one"
            )
        stems[path.stem] = path
    for stem in sorted(set(config.decks) - set(stems)):
        report.warning(
            Location(str(config.path)),
            f"[decks.{stem}] names no source in {sources}",
            "unused-config",
            "fix the name or remove the section",
        )

    decks = []
    failed = False
    for path, fmt in found:
        settings = config.deck(path.stem)
        source_report = Report()
        try:
            deck = parse(
                files.read_bytes(path),
                str(path),
                fmt,
                deck_name=settings.name,
                report=source_report,
            )
        except SourceError:
            failed = True
            continue
        finally:
            report.diagnostics.extend(source_report.diagnostics)
        if settings.description is not None:
            deck = replace(deck, description=settings.description)
        decks.append((path, deck))
    if failed:
        raise SourceError(report.diagnostics)

    options = PackageOptions(timestamp=build_time() if timestamp is None else timestamp)
    packages = [(path, deck, write_apkg(deck, options)) for path, deck in decks]
    built = []
    for path, deck, data in packages:
        output = out / (path.stem + ".apkg")
        files.write_atomic(output, data)
        built.append(BuiltDeck(path, output, deck.name, len(deck.notes)))
    return BuildResult(tuple(built), tuple(report.warnings))
