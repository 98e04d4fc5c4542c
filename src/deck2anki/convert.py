"""Read any format into a Deck, write a Deck to any format: the library behind ``convert``."""

from __future__ import annotations

import os
import re
import time
from dataclasses import replace
from pathlib import Path

from . import files
from .errors import Report, UsageError
from .formats import Format, by_name, for_path
from .identity import identify
from .model import Deck
from .split import split_deck
from .writers.apkg import PackageOptions


def deck_name_from_path(path: Path) -> str:
    """``deep-learning-lecture-06.txt`` gives the deck name ``Deep Learning Lecture 06``."""
    words = re.split(r"[-_\s]+", path.stem)
    return " ".join(word[:1].upper() + word[1:] for word in words if word) or path.stem


def build_time() -> int:
    """The time to record where a build needs one: ``SOURCE_DATE_EPOCH`` if set, else now."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return int(time.time())
    try:
        return int(value)
    except ValueError:
        raise UsageError(
            f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds; fix or unset it"
        ) from None


def parse(
    data: bytes,
    path: str,
    fmt: Format,
    *,
    deck_name: str | None = None,
    report: Report | None = None,
) -> Deck:
    """Turn one source's bytes into a Deck: read, name, split (GUIDs only where pinned).

    Every problem of the source is collected; if any is an error, one ``SourceError`` carries
    them all. Warnings are left in ``report`` when one is given.
    """
    report = report if report is not None else Report()
    if fmt.text_reader is not None:
        text = files.decode(data, path, report)
        deck = fmt.text_reader(text, path, report) if not report.has_errors else Deck(name="")
    elif fmt.bytes_reader is not None:
        deck = fmt.bytes_reader(data, path, report)
    else:
        raise UsageError(f"deck2anki can write {fmt.name} files but not read them")
    report.raise_if_errors()
    name = deck_name or deck.name or deck_name_from_path(Path(path))
    return split_deck(replace(deck, name=name))


def read(
    path: str | Path,
    *,
    fmt: str | None = None,
    deck_name: str | None = None,
    report: Report | None = None,
) -> Deck:
    """Read the file at ``path`` into a Deck; ``fmt`` names the format, else the suffix does."""
    path = Path(path)
    chosen = by_name(fmt) if fmt else for_path(str(path))
    if not chosen.readable:
        raise UsageError(f"{path}: deck2anki can write {chosen.name} files but not read them")
    return _identified(
        parse(files.read_bytes(path), str(path), chosen, deck_name=deck_name, report=report),
        report,
    )


def _identified(deck: Deck, report: Report | None) -> Deck:
    """The deck with a GUID on every note, derived from its name and questions (no lock)."""
    report = report if report is not None else Report()
    deck = identify(deck, (), report).deck
    report.raise_if_errors()
    return deck


def read_text(
    text: str,
    *,
    fmt: str = "lecture",
    name: str = "<text>",
    deck_name: str | None = None,
    report: Report | None = None,
) -> Deck:
    """Read source text held in memory; ``name`` stands for the file in messages."""
    chosen = by_name(fmt)
    if chosen.text_reader is None:
        raise UsageError(f"{chosen.name} is not a text format; use read() on its file")
    return _identified(
        parse(text.encode("utf-8"), name, chosen, deck_name=deck_name, report=report), report
    )


def write(
    deck: Deck, path: str | Path, *, fmt: str | None = None, timestamp: int | None = None
) -> None:
    """Write ``deck`` to ``path`` atomically; ``fmt`` names the format, else the suffix does."""
    path = Path(path)
    chosen = by_name(fmt) if fmt else for_path(str(path))
    if chosen.writer is None:
        raise UsageError(f"{path}: deck2anki can read {chosen.name} files but not write them")
    options = PackageOptions(timestamp=build_time() if timestamp is None else timestamp)
    files.write_atomic(path, chosen.writer(deck, options))


def convert(
    source: str | Path,
    target: str | Path,
    *,
    from_format: str | None = None,
    to_format: str | None = None,
    deck_name: str | None = None,
    report: Report | None = None,
) -> Deck:
    """Convert one file into another format; returns the deck that was written."""
    # Resolve the output format first, so a bad target fails before any reading is done.
    if to_format is None:
        for_path(str(target))
    else:
        by_name(to_format)
    deck = read(source, fmt=from_format, deck_name=deck_name, report=report)
    write(deck, target, fmt=to_format)
    return deck
