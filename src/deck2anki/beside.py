"""The note types a Markdown source keeps beside it, read from disk for its reader.

``deck.md``'s notes of other note types (Anki's Basic, Cloze, a user's own) name folders of
``deck.notetypes/``, each a note type's ``notetype.json``, templates and CSS
(``readers.notetype_folder``). Readers open no file: this reads the folder's files, within
the project and within bounds (a FIFO, a device, a link out of the project, a huge file or
folder is refused, located), and gives the reader their text.
"""

from __future__ import annotations

import itertools
from pathlib import Path, PurePosixPath

from . import files
from .errors import Report, UsageError
from .model import Deck, Location, shown
from .readers.notetype_folder import SUFFIX

MAX_FILES = 10_000
"""The most files a note type folder holds: 500 templates (two files each) of a few types."""

MAX_FILE = 4 << 20
"""The most bytes of one template, CSS or manifest (Anki's own are a few kilobytes)."""

MAX_TOTAL = 64 << 20
"""The most bytes of all of them together."""

_RULE = "bad-notetype"


def folder_of(path: str) -> Path:
    """The note type folder of the Markdown source at ``path``: ``deck.md``, ``deck.notetypes``."""
    source = Path(path)
    return source.with_name(source.stem + SUFFIX)


def notetype_outputs(deck: Deck, target: Path) -> dict[Path, bytes]:
    """The files of ``deck``'s note types, to write beside the Markdown file ``target``.

    A note type folder already there that is not one of them (left by an earlier conversion
    of a deck whose note type was renamed since) is refused: reading the Markdown back reads
    every folder, and one of the same id made it unreadable."""
    folder = folder_of(str(target))
    found: dict[str, bytes] = {}
    if deck.notetypes:
        from .writers.markdown_notetypes import native_clozes, side_files

        found = side_files(native_clozes(deck), target.stem)
    outputs = {target.parent / name: data for name, data in found.items()}
    # A link on the way (planted, or left) would have the files written where it leads.
    inside = target.parent.resolve()
    away = next((path for path in outputs if not path.resolve().is_relative_to(inside)), None)
    if away is not None or (folder.is_symlink() and not folder.resolve().is_relative_to(inside)):
        raise UsageError(
            f"{shown(away or folder)}: would be written outside the output's folder (a link"
            " on the way); remove the link, or write the Markdown elsewhere"
        )
    if folder.is_dir():
        written = {PurePosixPath(name).parts[1] for name in found}
        entries = itertools.islice(folder.iterdir(), MAX_FILES)
        stale = sorted(
            e.name for e in entries if not e.name.startswith(".") and e.name not in written
        )
        if stale:
            raise UsageError(
                f"{shown(folder / stale[0])}: a note type folder that is not one of this"
                f" deck's ({len(stale)} such); remove it, or write the Markdown elsewhere"
            )
    return outputs


def not_written(deck: Deck, name: str, report: Report) -> None:
    """Say that Markdown written to standard output leaves its note types' files out."""
    if not deck.notetypes:
        return
    from .writers.markdown_notetypes import native_clozes

    deck = native_clozes(deck)  # deck2anki's own cloze notes are written as its own cards
    if deck.notetypes:
        report.warning(
            Location(name),
            f"the files of {len(deck.notetypes)} note types not written to standard"
            " output (their notes name them)",
            "lossy-conversion",
            "write to a file instead: the note types go into a folder beside it",
        )


def notetype_files(
    path: str, root: Path, report: Report
) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """The folder beside the Markdown source at ``path`` as messages show it, and each of its
    files: (its path as shown, ``NOTETYPE/FILE``, its text). () when it has no such folder."""
    folder = folder_of(path)
    label = shown(folder)
    if not folder.is_dir():
        if folder.exists() or folder.is_symlink():
            report.error(
                Location(label),
                "not a folder of note types",
                _RULE,
                "move it away: deck2anki reads this name as the note types of"
                f" {shown(Path(path).name)}",
            )
        return label, ()
    root = root.resolve()
    if not folder.resolve().is_relative_to(root):
        link = folder.is_symlink() or folder.absolute().is_relative_to(root)
        report.error(
            Location(label),
            f"{'a link out of' if link else 'outside'} the project ({shown(root)}):"
            " deck2anki reads a deck's files only inside it",
            _RULE,
            "copy the folder into the project instead"
            if link
            else "run deck2anki in the folder that holds the deck (or one above it)",
        )
        return label, ()
    found: list[tuple[str, str, str]] = []
    total = count = 0
    for notetype in sorted(folder.iterdir()):
        if notetype.name.startswith("."):
            continue
        if not notetype.is_dir():
            report.warning(
                Location(shown(notetype)),
                "not a note type's folder: ignored",
                "unknown-source",
                "each note type is a folder of its own, with its notetype.json",
            )
            continue
        for entry in sorted(notetype.iterdir()):
            count += 1
            if count > MAX_FILES:
                report.error(
                    Location(label),
                    f"more than {MAX_FILES:,} files",
                    _RULE,
                    "keep only the note types' files in it",
                )
                return label, tuple(found)
            text = _read(entry, root, report)
            if text is None:
                continue
            total += len(text)
            if total > MAX_TOTAL:
                report.error(
                    Location(label),
                    f"its files hold more than the {MAX_TOTAL:,} bytes deck2anki reads",
                    _RULE,
                    "keep only the note types' files in it",
                )
                return label, tuple(found)
            found.append((shown(entry), f"{notetype.name}/{entry.name}", text))
    return label, tuple(found)


def _read(entry: Path, root: Path, report: Report) -> str | None:
    """The text of one file of a note type folder; None (said, when it matters) if none."""
    where = Location(shown(entry))
    if entry.name.startswith("."):
        return None
    if entry.is_symlink() and not entry.resolve().is_relative_to(root):
        report.error(
            where,
            f"a link out of the project ({shown(root)})",
            _RULE,
            "copy the file into the note type's folder instead",
        )
        return None
    if entry.is_dir():
        report.warning(where, "a folder in a note type's folder: ignored", "unknown-source")
        return None
    try:
        data = files.read_regular(entry, MAX_FILE)
    except (files.NotRegular, files.TooLarge) as error:
        report.error(
            where,
            f"is {error.strerror}",
            _RULE,
            "give a template, CSS or notetype.json file (not a FIFO or a device) of a"
            " sensible size",
        )
        return None
    except OSError as error:
        report.error(where, f"cannot read it: {error.strerror}", _RULE, "check the file")
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        report.error(
            Location(shown(entry), line),
            f"not UTF-8 text: byte 0x{data[error.start]:02x} at offset {error.start}",
            _RULE,
            "save it as UTF-8",
        )
        return None
