"""The one table of formats: name, suffixes, reader, writer.

``deck2anki convert --from/--to`` and ``deck2anki formats`` are built from this table; a new
format is a new row here and a module in ``readers/`` or ``writers/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from .errors import Report, UsageError
from .model import Deck
from .writers.apkg import PackageOptions

TextReader = Callable[[str, str, Report], Deck]
BytesReader = Callable[[bytes, str, Report], Deck]
Writer = Callable[[Deck, PackageOptions], bytes]


def _read_lecture(text: str, path: str, report: Report) -> Deck:
    from .readers import lecture

    return lecture.parse(text, path, report)


def _read_apkg(data: bytes, path: str, report: Report) -> Deck:
    from .readers import apkg

    return apkg.parse(data, path, report)


def _write_apkg(deck: Deck, options: PackageOptions) -> bytes:
    from .writers.apkg import write_apkg

    return write_apkg(deck, options)


@dataclass(frozen=True, slots=True)
class Format:
    """One file format deck2anki reads, writes or both."""

    name: str
    """The name used by ``--from`` and ``--to``."""

    suffixes: tuple[str, ...]
    """File name endings that select this format, lower case, with the dot."""

    description: str
    """One line for ``deck2anki formats``."""

    text_reader: TextReader | None = None
    """Reads decoded text; None when the format is binary or write-only."""

    bytes_reader: BytesReader | None = None
    """Reads raw bytes; None when the format is text or write-only."""

    writer: Writer | None = None
    """Writes a deck's bytes; None when the format is read-only."""

    @property
    def readable(self) -> bool:
        """True when deck2anki can read this format."""
        return self.text_reader is not None or self.bytes_reader is not None


# Readers and writers are imported on first use: `deck2anki --help` must not pay for genanki.
FORMATS: tuple[Format, ...] = (
    Format(
        "lecture",
        (".txt",),
        "flashcard page text: question and answer lines, with the page's preamble",
        text_reader=_read_lecture,
    ),
    Format(
        "apkg",
        (".apkg",),
        "Anki deck package; written with deck2anki's note type",
        bytes_reader=_read_apkg,
        writer=_write_apkg,
    ),
    # Read only: importing a .colpkg replaces a student's whole collection, so we never write one.
    Format(
        "colpkg",
        (".colpkg",),
        "Anki collection package (a whole collection)",
        bytes_reader=_read_apkg,
    ),
)


def by_name(name: str) -> Format:
    """The format called ``name``."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    known = ", ".join(fmt.name for fmt in FORMATS)
    raise UsageError(f"unknown format {name!r}; known formats: {known}")


def for_path(path: str) -> Format:
    """The format a file name's suffix selects."""
    suffix = PurePath(path).suffix.lower()
    for fmt in FORMATS:
        if suffix in fmt.suffixes:
            return fmt
    known = ", ".join(suffix for fmt in FORMATS for suffix in fmt.suffixes)
    raise UsageError(
        f"{path}: cannot tell the format from the suffix {suffix or '(none)'!r};"
        f" known suffixes: {known}; or name the format with --from/--to"
    )
