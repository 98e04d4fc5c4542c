"""The media files of a conversion: read from beside a source, written beside an output.

Its own module because this is where conversion touches the disk for files other than the
source and the output, with the checks that keeps safe: a name Anki's flat media folder
takes, nothing read from outside the project, nothing written outside the output's folder
or over another file.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from . import files
from .errors import Report, UsageError
from .model import Deck, Location, Media


def is_plain_name(name: str) -> bool:
    """A file name without folders, fit for Anki's flat media folder."""
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\\0")


def load_media(
    media: tuple[Media, ...], path: str, base: Path, root: Path, report: Report
) -> tuple[Media, ...]:
    """Read the files a source refers to and give each a unique flat name (ANKI-FACTS 9).

    ``path`` names the source in messages; references are read relative to ``base`` (its
    folder) and must lie inside ``root``.
    """
    base = base.resolve()
    root = root.resolve()
    for item in media:
        # A media name becomes a file name in Anki's flat folder and beside converted output.
        if item.name and not is_plain_name(item.name):
            report.error(
                item.location or Location(path),
                f"media name {item.name!r} is not a plain file name",
                "media-outside",
                "use a name without folders",
            )
    loaded: list[Media] = [
        item for item in media if (item.data or item.name) and is_plain_name(item.name)
    ]
    taken = {item.name: item.data for item in loaded}
    for item in media:
        if item.data or item.name:
            continue
        where = item.location or Location(path)
        # markdown-it percent-encodes what it reads (café.png is caf%C3%A9.png): decode it.
        target = (base / unquote(item.reference)).resolve()
        if not target.is_relative_to(root):
            report.error(
                where,
                f"image {item.reference!r} points outside the project ({root})",
                "media-outside",
                "move the image into the project and refer to it there",
            )
            continue
        try:
            data = files.read_regular(target)
        except (files.NotRegular, files.TooLarge) as error:
            report.error(
                where,
                f"image {item.reference!r} is {error.strerror}",
                "missing-media",
                "give an image file (not a FIFO or a device) of a sensible size",
            )
            continue
        except OSError:
            if item.optional:
                report.warning(
                    where,
                    f"media file not found: {item.reference!r}; the deck is written without it",
                    "missing-anki-media",
                    "export the deck from Anki with its media, or put the file"
                    " beside the source; Anki shows the copy a collection already has",
                )
                continue
            report.error(
                where,
                f"image not found: {item.reference!r}",
                "missing-media",
                f"check the path; it is read relative to {base}",
            )
            continue
        name = PurePosixPath(unquote(item.reference)).name
        if name in taken and taken[name] != data:
            stem, suffix = os.path.splitext(name)
            name = f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}{suffix}"
            report.warning(
                where,
                f"another image is also called {PurePosixPath(item.reference).name!r};"
                f" this one goes into the deck as {name!r}",
                "media-renamed",
                "give the two images different file names",
            )
        taken[name] = data
        loaded.append(Media(name, data, item.reference, item.location))
    return tuple(sorted(loaded, key=lambda item: item.name))


def media_beside(
    deck: Deck, target: Path, report: Report
) -> dict[Path, files.Contents | files.Pieces]:
    """Where a text output's media go: beside it, where its references point."""
    folder = target.parent.resolve()
    outputs: dict[Path, files.Contents | files.Pieces] = {}
    for item in deck.media:
        where = (folder / (item.reference or item.name)).resolve()
        if not where.is_relative_to(folder):
            report.warning(
                Location(str(target)),
                f"media {item.reference!r} would be written"
                " outside the output's folder; written under its plain name instead",
                "media-renamed",
            )
            if not is_plain_name(item.name):
                raise UsageError(f"media name {item.name!r} is not a plain file name")
            where = folder / item.name
        if where.exists() and where.read_bytes() != item.data:
            raise UsageError(
                f"{where}: already there, with other content; write the"
                " output into a folder of its own"
            )
        outputs[where] = item.data
    return outputs
