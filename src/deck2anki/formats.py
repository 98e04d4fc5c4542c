"""The one table of formats: name, suffixes, reader, writer.

``deck2anki convert --from/--to`` and ``deck2anki formats`` are built from this table; a new
format is a new row here and a module in ``readers/`` or ``writers/``. Readers and writers are
imported on first use, so ``deck2anki --help`` does not pay for genanki or markdown-it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only names here: `deck2anki --help` imports this table and nothing more
    from .errors import Report
    from .model import Deck
    from .readers import ReadOptions
    from .writers import WriteOptions

TextReader = Callable[[str, str, "Report", "ReadOptions"], "Deck"]
BytesReader = Callable[[bytes, str, "Report", "ReadOptions"], "Deck"]
Writer = Callable[["Deck", "WriteOptions", "Report"], "bytes | Iterator[bytes]"]
"""A deck's bytes, whole or in pieces made as they are written (``files.Pieces``)."""


def _lazy(target: str) -> Callable[..., Any]:
    """A function named ``module:function`` in this package, imported when first called."""
    module, function = target.split(":")

    def call(*args: Any) -> Any:
        return getattr(import_module(f"deck2anki.{module}"), function)(*args)

    call.__name__ = function
    return call


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
    """Writes a deck's bytes (whole, or pieces as they are made); None when read-only."""

    media_beside: bool = False
    """The writer refers to media files by path: convert writes them beside the output."""

    @property
    def readable(self) -> bool:
        """True when deck2anki can read this format."""
        return self.text_reader is not None or self.bytes_reader is not None


FORMATS: tuple[Format, ...] = (
    Format(
        "lecture",
        (".txt",),
        "flashcard page text: question and answer lines, with the page's preamble",
        text_reader=_lazy("readers.lecture:parse"),
        writer=_lazy("writers.lecture:write"),
    ),
    Format(
        "markdown",
        (".md", ".markdown"),
        "Markdown: front matter, one card per '## ' heading",
        text_reader=_lazy("readers.markdown:parse"),
        writer=_lazy("writers.markdown:write"),
        media_beside=True,
    ),
    Format(
        "csv",
        (".csv",),
        "comma-separated values, with or without a header row",
        text_reader=_lazy("readers.delimited:parse_csv"),
        writer=_lazy("writers.delimited:write_csv"),
    ),
    Format(
        "tsv",
        (".tsv", ".tab"),
        "tab-separated values, with or without a header row",
        text_reader=_lazy("readers.delimited:parse_tsv"),
        writer=_lazy("writers.delimited:write_tsv"),
    ),
    Format(
        "quizlet",
        (),
        "Quizlet export: term, separator, definition (--field-sep, --card-sep)",
        text_reader=_lazy("readers.delimited:parse_quizlet"),
    ),
    Format(
        "anki-text",
        (),
        "Anki's 'Notes in Plain Text': its headers, note type, deck and GUID columns (.txt)",
        text_reader=_lazy("readers.ankitext:parse"),
        writer=_lazy("writers.ankitext:write"),
    ),
    Format(
        "json",
        (".json",),
        "deck2anki's own JSON: the whole deck, media included, lossless",
        text_reader=_lazy("readers.json:parse"),
        writer=_lazy("writers.json:write"),
    ),
    Format(
        "apkg",
        (".apkg",),
        "Anki deck package: every note type, deck, card and media file",
        bytes_reader=_lazy("readers.apkg:parse"),
        writer=_lazy("writers.apkg:write"),
    ),
    # Read only: importing a .colpkg replaces a student's whole collection, so we never write one.
    Format(
        "colpkg",
        (".colpkg",),
        "Anki collection package (a whole collection)",
        bytes_reader=_lazy("readers.apkg:parse"),
    ),
)


def by_name(name: str) -> Format:
    """The format called ``name``."""
    from .errors import UsageError

    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    known = ", ".join(fmt.name for fmt in FORMATS)
    raise UsageError(f"unknown format {name!r}; known formats: {known}")


def for_path(path: str, *, writing: bool = False) -> Format:
    """The format a file name's suffix selects, among those that read (or write)."""
    from .errors import UsageError

    suffix = PurePath(path).suffix.lower()
    for fmt in FORMATS:
        if suffix in fmt.suffixes and (fmt.writer is not None if writing else fmt.readable):
            return fmt
    read_only = next((fmt for fmt in FORMATS if suffix in fmt.suffixes), None) if writing else None
    if read_only is not None:
        raise UsageError(
            f"{path}: {suffix} is read-only: deck2anki reads {read_only.name} files but does not"
            " write them (importing a .colpkg replaces a student's whole collection);"
            " write an .apkg instead"
        )
    known = ", ".join(dict.fromkeys(s for fmt in FORMATS for s in fmt.suffixes))
    raise UsageError(
        f"{path}: cannot tell the format from the suffix {suffix or '(none)'!r};"
        f" known suffixes: {known}; or name the format with --from/--to"
    )


def sniff(data: bytes) -> Format:
    """The format a file's content looks like, for input without a telling suffix."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"PK\x03\x04"):
        return by_name("apkg")
    text = head.decode("utf-8", "replace")
    if text.startswith("{"):
        return by_name("json")
    from .readers.ankitext import looks_like

    if looks_like(text):
        return by_name("anki-text")
    lines = text.split("\n")
    if text.startswith("---") or any(line.startswith("## ") for line in lines):
        return by_name("markdown")
    first = lines[0]
    if "\t" in first:
        return by_name("tsv")
    from .readers.delimited import looks_like_csv

    if looks_like_csv(text):
        return by_name("csv")
    return by_name("lecture")
