"""Read any format into a Deck, write a Deck to any format: the library behind ``convert``.

The pipeline every source goes through: read (a reader from the format table), name the
deck, load the media it refers to, turn package HTML back into Markdown where that is exact,
split analogies, and (in ``read``) give every note its GUID.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path, PurePosixPath

from . import beside, files
from .cards.decknames import check_deck_names
from .cards.prepare import prepare_deck
from .errors import Report, UsageError
from .formats import Format, by_name, for_path, sniff
from .identity import lockcheck
from .identity.assign import identify
from .media_files import load_media, media_beside
from .model import EMPTY_DECK_PART_HINT, Deck, Location, empty_deck_part, has_control
from .readers import ReadOptions
from .readers.losses import say_unkept
from .writers import WriteOptions

_ALWAYS_KEEP = frozenset({"json", "markdown"})
"""Readers that keep note types whatever the output (the others say what it drops)."""

STDIO = "-"
"""The path that means standard input or standard output."""

LATEST_TIME = lockcheck.LATEST_TIME
"""The last second of the year 9999: later times do not fit Anki's or zip's fields."""


_KEEPS_NOTETYPES = frozenset({"apkg", "json", "anki-text", "markdown"})
"""The output formats that hold a package's note types, fields, cards and decks (Anki's
text format: each note's note type by name, every field, its deck; its writer says what of
the rest it cannot hold)."""


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
        seconds = int(value)
    except ValueError:
        seconds = -1
    if not 0 <= seconds <= LATEST_TIME:
        raise UsageError(
            f"SOURCE_DATE_EPOCH={value!r} is not a time deck2anki can use: give whole seconds"
            f" since 1970 up to {LATEST_TIME} (the year 9999), or unset it"
        )
    return seconds


def parse(
    data: bytes | bytearray,
    path: str,
    fmt: Format,
    *,
    deck_name: str | None = None,
    report: Report | None = None,
    options: ReadOptions | None = None,
    root: Path | None = None,
    disabled: Collection[str] = (),
    strict: bool = True,
    as_read: bool = False,
) -> Deck:
    """Turn one source's bytes into a Deck: read, name, load media, split, check the notes.
    A ``bytearray`` the caller gives up: it is emptied once decoded, so that a large source's
    bytes are not held beside its text and its notes while they are read.

    No GUIDs are derived here (``read`` does, or a build from its lock). ``disabled`` names
    warnings of ``rules.RULES`` to leave out. With ``as_read=True`` the notes stay as read,
    neither split nor checked: the caller prepares them (``cards.prepare.note_changes``).

    Every problem of the source is collected, past the first error; then, if any is an
    error, one ``SourceError`` carries them all (with ``strict=False`` the caller raises,
    after checks of its own). Warnings are left in ``report``. Media a source refers to by a
    relative path are read from beside it, and must lie inside ``root`` (default: here).
    """
    report = report if report is not None else Report()
    options = options or ReadOptions()
    if deck_name is not None and not deck_name.strip():
        raise UsageError("the deck name is empty; give --deck a name")
    if deck_name is not None and has_control(deck_name):
        raise UsageError(f"the deck name {deck_name!r} holds a control character; give a plain one")
    if deck_name is not None and (problem := empty_deck_part(deck_name)):
        raise UsageError(f"{problem}; {EMPTY_DECK_PART_HINT}")
    if fmt.name == "markdown" and path != STDIO:
        # Its notes of other note types name folders beside it: read them for the reader.
        folder, found = beside.notetype_files(path, root or Path.cwd(), report)
        now = build_time() if found else 0
        options = replace(options, notetype_files=found, notetype_folder=folder, notetype_time=now)
    if fmt.text_reader is not None:
        text = files.decode(data, path, report, options.encoding)
        if isinstance(data, bytearray):  # given up by the caller: not held beside its text
            del data[:]
        deck = fmt.text_reader(text, path, report, options) if not report.has_errors else Deck("")
        del text  # the notes hold what they need; the whole text need not stay alive
    elif fmt.bytes_reader is not None:
        deck = fmt.bytes_reader(bytes(data), path, report, options)
    else:
        raise UsageError(f"deck2anki can write {fmt.name} files but not read them")
    fallback = "Deck" if path == STDIO else deck_name_from_path(Path(path))
    name = (deck_name or "").strip() or deck.name or fallback
    deck = replace(deck, name=name)
    check_deck_names(deck, path, report)
    if options.output and not options.keeps_notetypes and fmt.name in _ALWAYS_KEEP:
        say_unkept(deck, Location(path), report)
    base = Path.cwd() if path == STDIO else Path(path).parent
    media = load_media(deck.media, path, base, root or Path.cwd(), report)
    deck = replace(deck, name=name, media=media)
    if not as_read:
        deck = prepare_deck(deck, path, report, disabled)
    if strict:
        report.raise_if_errors()
    return deck


def input_format(path: str, data: bytes, fmt: str | None, report: Report) -> Format:
    """The format to read ``path`` with: named, from the suffix, or sniffed (and said so)."""
    if fmt:
        return by_name(fmt)
    suffix = PurePosixPath(path).suffix.lower()
    if path != STDIO and suffix:
        try:
            chosen = for_path(path)
        except UsageError:
            chosen = None
        if chosen is not None:
            # .txt is lecture text, Anki's export (its headers tell) or Quizlet's (tabs tell).
            if chosen.name == "lecture" and sniff(data).name == "anki-text":
                return by_name("anki-text")
            if chosen.name == "lecture" and _tab_separated(data):
                report.warning(
                    Location(path),
                    "read as quizlet: its lines hold a term, a tab and a definition",
                    "format-guess",
                    "name the format with --from lecture if that is wrong",
                )
                return by_name("quizlet")
            return chosen
    guess = sniff(data)
    report.warning(
        Location(path),
        f"read as {guess.name}, guessed from the content",
        "format-guess",
        "name the format with --from if that is wrong",
    )
    return guess


def _tab_separated(data: bytes) -> bool:
    """True when most lines of the text's start hold a tab: an export, not lecture text."""
    lines = [line for line in data[:65536].splitlines() if line.strip()]
    return len(lines) >= 1 and sum(b"\t" in line for line in lines) >= 0.8 * len(lines)


def read(
    path: str | Path,
    *,
    fmt: str | None = None,
    deck_name: str | None = None,
    report: Report | None = None,
    options: ReadOptions | None = None,
) -> Deck:
    """Read the file at ``path`` (``-``: standard input) into a Deck with a GUID on every note.

    ``fmt`` names the format; else the suffix decides, and the content when the suffix cannot.
    """
    report = report if report is not None else Report()
    name = str(path)
    data: bytes | bytearray
    data = sys.stdin.buffer.read() if name == STDIO else files.read_bytes(Path(path))
    chosen = input_format(name, data, fmt, report)
    if not chosen.readable:
        raise UsageError(f"{name}: deck2anki can write {chosen.name} files but not read them")
    if chosen.text_reader is not None:
        data = bytearray(data)  # for ``parse`` to empty once decoded: not held beside the text
    deck = parse(data, name, chosen, deck_name=deck_name, report=report, options=options)
    return _identified(deck, report)


def read_text(
    text: str,
    *,
    fmt: str = "lecture",
    name: str = "<text>",
    deck_name: str | None = None,
    report: Report | None = None,
    options: ReadOptions | None = None,
) -> Deck:
    """Read source text held in memory; ``name`` stands for the file in messages."""
    chosen = by_name(fmt)
    if chosen.text_reader is None:
        raise UsageError(f"{chosen.name} is not a text format; use read() on its file")
    report = report if report is not None else Report()
    data = bytearray(text, "utf-8")  # ``parse`` empties it once decoded: not held beside text
    deck = parse(data, name, chosen, deck_name=deck_name, report=report, options=options)
    return _identified(deck, report)


def _identified(deck: Deck, report: Report) -> Deck:
    """The deck with a GUID on every note, derived from its name and questions (no lock)."""
    deck = identify(deck, (), report).deck
    report.raise_if_errors()
    return deck


def write(
    deck: Deck,
    path: str | Path,
    *,
    fmt: str | None = None,
    timestamp: int | None = None,
    report: Report | None = None,
    options: WriteOptions | None = None,
) -> None:
    """Write ``deck`` to ``path`` (``-``: standard output), atomically.

    ``fmt`` names the format, else the suffix does. What the format cannot hold is reported
    in ``report``, one warning per kind of loss.
    """
    report = report if report is not None else Report()
    if any(note.guid is None for note in deck.notes):
        deck = _identified(deck, report)
    name = str(path)
    if fmt:
        chosen = by_name(fmt)
    elif name == STDIO:
        raise UsageError("writing to standard output needs --to FORMAT")
    else:
        chosen = for_path(name, writing=True)
    if chosen.writer is None:
        raise UsageError(f"{name}: deck2anki can read {chosen.name} files but not write them")
    stamp = build_time() if timestamp is None else timestamp
    options = replace(options or WriteOptions(stamp), timestamp=stamp, target=name)
    data = chosen.writer(deck, options, report)
    if name == STDIO:
        if chosen.media_beside and deck.media:
            report.warning(
                Location(name),
                f"{len(deck.media)} media files not written to standard output",
                "lossy-conversion",
                "write to a file instead",
            )
        if chosen.name == "markdown":
            beside.not_written(deck, name, report)
        for piece in (data,) if isinstance(data, bytes) else data:
            sys.stdout.buffer.write(piece)
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    outputs = media_beside(deck, target, report) if chosen.media_beside else {}
    if chosen.name == "markdown":  # its note types, as files to edit, beside it
        outputs.update(beside.notetype_outputs(deck, target))
    outputs[target] = data
    files.write_all(outputs)  # the output and its media: all of them, or none


def convert(
    source: str | Path,
    target: str | Path,
    *,
    from_format: str | None = None,
    to_format: str | None = None,
    deck_name: str | None = None,
    report: Report | None = None,
    read_options: ReadOptions | None = None,
    write_options: WriteOptions | None = None,
) -> Deck:
    """Convert one file into another format; returns the deck that was written."""
    # Resolve the output format first, so a bad target fails before any reading is done.
    if to_format is not None:
        output = by_name(to_format)
    elif str(target) == STDIO:
        raise UsageError("writing to standard output needs --to FORMAT")
    else:
        output = for_path(str(target), writing=True)
    report = report if report is not None else Report()
    keeps = output.name in _KEEPS_NOTETYPES
    read_options = replace(read_options or ReadOptions(), output=output.name)
    if keeps:
        read_options = replace(read_options, keeps_notetypes=True)
    deck = read(source, fmt=from_format, deck_name=deck_name, report=report, options=read_options)
    write(deck, target, fmt=to_format, report=report, options=write_options)
    return deck
