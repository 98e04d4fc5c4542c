"""A deck project on disk: its sources, and what decides whether a deck must be rebuilt."""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from dataclasses import astuple, dataclass, replace
from importlib import resources
from pathlib import Path

from .. import files
from ..cards.prepare import with_changes
from ..config import Config, DeckConfig
from ..conversion import input_format, parse
from ..errors import Report, UsageError
from ..formats import FORMATS
from ..identity import lockcheck
from ..identity.lock import LockedDeck, LockedNoteType
from ..model import Deck, Location, Note, has_control, shown
from ..readers import ReadOptions
from ..readers.notetype_folder import SUFFIX
from ..version import __version__


@dataclass(frozen=True, slots=True)
class Source:
    """One source file of the project and the deck it builds."""

    path: Path
    """The file; its suffix, and for .txt its content, choose the reader."""

    key: str
    """Its name without the suffix, Unicode-normalised: its key in the config and the lock."""


def source_key(path: Path) -> str:
    """The key of a source: the same whether the file system stores names composed or not."""
    return unicodedata.normalize("NFC", path.stem)


def read_source(
    source: Source, config: Config, report: Report, data: bytes | None = None, as_read: bool = False
) -> Deck:
    """Read one source of the project with its settings, collecting problems without raising:
    the caller adds identity problems (duplicates) and then fails once.

    With ``as_read=True`` the notes stay as read, neither prepared (split, checked) nor
    tagged: the caller does both, with ``cards.prepare.note_changes`` and ``note_tags``.
    """
    settings = config.deck(source.key)
    given = data is not None
    data = files.read_bytes(source.path) if data is None else data
    # The suffix chose the format; the content may refine it (.txt from Anki or Quizlet).
    fmt = input_format(str(source.path), data, None, report)
    read: bytes | bytearray = data
    if not given and fmt.text_reader is not None:
        # Ours to give up: ``parse`` empties a bytearray once it is decoded, so that a large
        # source's bytes are not held beside its text and its notes while it is read.
        data = b""
        read = bytearray(read)
    deck = parse(
        read,
        str(source.path),
        fmt,
        deck_name=settings.name,
        report=report,
        options=ReadOptions(encoding=settings.encoding),
        disabled=config.disabled,
        strict=False,
        as_read=as_read,
    )
    del data, read  # read here (by check): the notes hold what they need of it
    if deck.notetypes:
        # A build makes notes of the project's note type only: say what that leaves out.
        names = ", ".join(sorted({nt.name for nt in deck.notetypes}))
        count = sum(note.notetype is not None for note in deck.notes)
        report.warning(
            Location(str(source.path)),
            f"{count} notes of other note types ({names}) are built as notes of the"
            " project's note type: their other fields and cards are not kept",
            "lossy-conversion",
            f"convert the file instead to keep them: deck2anki convert {shown(source.path)}"
            f" {shown(source.key)}.apkg",
        )
    if settings.description is not None:
        deck = replace(deck, description=settings.description)
    if as_read:
        return deck
    extra = deck_tags(source.key, settings)
    notes = tuple(with_changes(n, None, note_tags(n, extra)) for n in deck.notes)
    return replace(deck, notes=notes)


def deck_tags(key: str, settings: DeckConfig, tag: str | None = None) -> tuple[str, ...]:
    """The tags every note of source ``key`` gets: the deck's own, and the source's tag (so
    students can find and filter its cards): ``tag``, or by default ``source_tag(key)``.

    A renamed source keeps the tag of the name it had (the lock records it): Anki replaces
    a note's tags when it updates it, so a new tag would be a change to every note, and would
    replace every student's own edits for a rename they cannot see.
    """
    return tuple(dict.fromkeys((*settings.tags, tag or source_tag(key))))


def note_tags(note: Note, extra: tuple[str, ...]) -> tuple[str, ...]:
    """The note's own tags, then the deck's (``deck_tags``), each once."""
    return tuple(dict.fromkeys((*note.tags, *extra))) if note.tags else extra


def source_tag(key: str) -> str:
    """The tag every note built from source ``key`` carries: ``deck2anki::KEY``."""
    return "deck2anki::" + "_".join(key.split())


MEDIA_SUFFIXES = frozenset(
    {
        # images
        *(".avif", ".bmp", ".gif", ".ico", ".jpeg", ".jpg", ".png", ".svg", ".tif", ".tiff"),
        ".webp",
        # sound
        *(".aac", ".flac", ".m4a", ".mp3", ".oga", ".ogg", ".opus", ".wav"),
        # video
        *(".mkv", ".mov", ".mp4", ".mpeg", ".mpg", ".ogv", ".webm"),
    }
)
"""What Anki shows from a note's media: such files in sources/ are not skipped sources."""


def _media_only(path: Path) -> bool:
    """Whether ``path`` is a media file, or a folder of nothing but media (``sources/img/``)."""
    if not path.is_dir():
        return path.suffix.lower() in MEDIA_SUFFIXES
    found = False
    # os.walk follows no symbolic link below the folder: a link to a folder above cannot
    # loop. The first file that is not media ends the walk (a link to /usr costs nothing).
    for _, folders, names in os.walk(path):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            if name.startswith("."):
                continue
            if Path(name).suffix.lower() not in MEDIA_SUFFIXES:
                return False
            found = True
    return found


def _notetypes_of_source(path: Path) -> bool:
    """Whether ``path`` is the note type folder of a Markdown source beside it
    (``deck.notetypes`` of ``deck.md``), which its reader reads."""
    return path.suffix == SUFFIX and any(
        path.with_suffix(suffix).is_file() for suffix in (".md", ".markdown")
    )


def _check_special(path: Path, inside: tuple[Path, ...]) -> None:
    """Refuse a link out of the project (as a source's images are) and a FIFO, device or
    socket, which could block a build forever or never end."""
    if path.is_symlink():
        target = path.resolve()
        if not any(target.is_relative_to(folder) for folder in inside):
            raise UsageError(
                f"{shown(path)}: a link to {shown(target)}, outside the project; deck2anki"
                " reads sources only inside it (a pull request could link to any file):"
                " copy the file in instead"
            )
    if path.exists() and not path.is_dir() and not path.is_file():
        raise UsageError(
            f"{shown(path)}: not a regular file (a FIFO, a device or a socket); deck2anki"
            " reads only files: remove it from the sources folder"
        )


def find_sources(folder: Path, report: Report) -> list[Source]:
    """The readable sources in ``folder``, by name; other files and folders are reported,
    but for media (images a source shows)."""
    if not folder.is_dir():
        raise UsageError(f"{shown(folder)}: no such folder; create it or pass --sources DIR")
    found: list[Source] = []
    inside = (Path.cwd().resolve(), folder.resolve())
    for path in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
        _check_special(path, inside)
        if _media_only(path) or _notetypes_of_source(path):  # what a source shows, beside it
            continue
        if path.is_dir():
            report.warning(
                Location(str(path)),
                "skipped: a folder; deck2anki builds the files directly in the sources folder",
                "unknown-source",
                "move its files up, or build it with --sources",
            )
            continue
        suffix = path.suffix.lower()
        if not any(suffix in f.suffixes and f.readable for f in FORMATS):
            report.warning(
                Location(str(path)),
                f"skipped: no reader for {shown(path.suffix) or 'files without a suffix'}",
                "unknown-source",
                "give it a known suffix (see 'deck2anki formats') or move it out of the folder",
            )
            continue
        if has_control(path.name):
            # Its name makes the deck's tag (and, unconfigured, its name): students would get
            # the escape sequence, and a package 'inspect' then refuses.
            raise UsageError(
                f"{shown(path)}: the file name holds a control character; rename the file in"
                " plain characters (terminals act on control characters)"
            )
        found.append(Source(path, source_key(path)))
    if not found:
        raise UsageError(
            f"{shown(folder)}: no sources found; add a .txt or .md file of cards to it"
        )
    keys: dict[str, Path] = {}
    for source in found:
        if source.key in keys:
            raise UsageError(
                f"{shown(source.path)}: same name as {shown(keys[source.key])}; both would build"
                f" {shown(source.key)}.apkg, so rename one"
            )
        keys[source.key] = source.path
    return found


def code_fingerprint() -> str:
    """A hash of deck2anki itself: its version, code and templates.

    Not of the machine (Python, SQLite, zlib) or of library versions: a deck repository's CI
    runs elsewhere than its maintainer, and ``build --check`` must agree with them while the
    inputs are the same. What a newer library renders differently shows as a content change
    (and a new ``mod``) on the next rebuild of that deck.
    """
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


def inputs_hash(
    data: bytes, key: str, settings: DeckConfig, state: LockedNoteType, code: str
) -> str:
    """A hash of everything one deck's package is made from, but the media it refers to."""
    digest = hashlib.sha256(data)
    described: list[object] = [key, *astuple(settings), code]
    described += [state.id, state.name, state.version, state.content, state.mod]
    digest.update(json.dumps(described).encode())
    return digest.hexdigest()[:16]


def stale_reason(
    previous: LockedDeck | None, inputs: str, output: Path, folder: Path, root: Path | None = None
) -> str | None:
    """Why a deck must be rebuilt, in words; None when the lock says it is up to date (built
    from these very inputs into this very output).

    The lock's media paths are only opened inside ``root`` (default: here, where a source's
    images must be), and only when they are regular files: a path leading out of the project
    is a damaged lock (``lockcheck.Damaged``, at ``("media", path)``); a link out of it or a
    FIFO is a change, and the rebuild reads the source's images with their own checks."""
    if previous is None:
        return "new: the lock has no entry for it"
    if previous.inputs != inputs:
        return "its source, settings, the note type or deck2anki changed"
    if not previous.intact:
        return "its entry in the lock was edited by hand"
    if not output.is_file():
        return f"{shown(output)} is missing"
    if files.digest(output) != previous.package:
        return f"{shown(output)} is not the package the lock describes"
    root = (root or Path.cwd()).resolve()
    for reference, digest in previous.media:
        target = Path(os.path.normpath(folder.resolve() / reference))
        if not target.is_relative_to(root):
            raise lockcheck.Damaged(("media", reference), f"leads out of the project ({root})")
        if not target.resolve().is_relative_to(root):
            return f"the image {shown(reference)} is a link out of the project"
        try:
            if files.digest(target) != digest:
                return f"the image {shown(reference)} changed"
        except OSError:
            return f"the image {shown(reference)} is missing"
    return None
