"""Which media a Markdown card shows: images by relative path (Markdown's and an HTML
note's ``<img src>``) and Anki's sound tags. The build packs each as media; a note that came
from Anki (its id pinned) may name a flat file that is missing (a package exported without
its media): a warning then, not an error.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import Report
from ..model import Location, Media, Note

if TYPE_CHECKING:
    from markdown_it.token import Token

SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
"""A URL's scheme: what a reference to another place starts with (no media of ours)."""


def collect_images(
    token: Token,
    offset: int,
    path: str,
    media: dict[str, Media],
    report: Report,
    optional: bool = False,
) -> None:
    """Record every image the card shows by a relative path: the build packs it as media.

    The reference is kept as markdown-it writes it (percent-encoded), which is what the
    renderer maps to the media name; the file is looked for under the decoded path.
    ``optional``: the note came from Anki (its id pinned), a missing file is no error.
    """
    for child in token.children or ():
        if child.type == "image":
            source = str(child.attrGet("src") or "")
            line = offset + token.map[0] + 1 if token.map else None
            if source.startswith("//"):
                continue  # another host's image ("https:" goes before it): no media of ours
            if source.startswith("/"):
                report.error(
                    Location(path, line, 1),
                    f"image path {source!r} is absolute",
                    "media-outside",
                    "write it relative to the source file",
                )
            elif source and not SCHEME.match(source):
                _refer(media, source, Location(path, line, 1), optional)


def _refer(media: dict[str, Media], source: str, location: Location, optional: bool) -> None:
    """Record a media reference; a file any note needs stays needed (not ``optional``).

    Only a flat name, as Anki's media folder has them, may be optional: a path is the
    project's own file."""
    optional = optional and "/" not in source and "\\" not in source
    known = media.get(source)
    if known is None or (known.optional and not optional):
        media[source] = Media("", b"", source, location, optional)


# Anki's sound tag names a file of its flat media folder: one without folders is media.
_SOUND = re.compile(r"\[sound:([^\[\]/\\]+)\]")


def collect_sounds(note: Note, location: Location, media: dict[str, Media]) -> None:
    """Sound files a note plays (``[sound:x.mp3]``) are media, as its images are."""
    for field in (note.question, note.answer, note.analogy):
        if "[sound:" in field:
            for match in _SOUND.finditer(field):
                _refer(media, match.group(1), location, note.guid is not None)


_IMG_TAG = re.compile(r"<img\b", re.I)
_SRC = re.compile(r"""\ssrc\s*=\s*["']([^"']+)["']""", re.I)


def _html_image_sources(html: str) -> list[str]:
    """The ``src`` of every ``<img>``: the first ``src=`` that starts inside each tag.

    What ``<img\\b[^>]*?\\ssrc...`` finds, without its cost: retried at every ``<img`` of a
    tag that never closes, that pattern reads to its end each time (issue 13). One search for
    ``src=`` serves every ``<img`` before the place it was found.
    """
    found = []
    position = 0
    source: re.Match[str] | None = None
    searched = -1  # where ``source`` was searched from; None there: no src= after it at all
    while (tag := _IMG_TAG.search(html, position)) is not None:
        end = html.find(">", tag.end())
        end = len(html) if end < 0 else end
        if searched < 0 or (source is not None and source.start() < tag.end()):
            source, searched = _SRC.search(html, tag.end()), tag.end()
        if source is not None and source.start() < end:
            found.append(source.group(1))
            position = source.end()
            searched = -1
        else:  # every <img before this tag's end ends at it too, and finds no src= inside
            position = end
    return found


html_image_sources = _html_image_sources
"""The ``src`` of every ``<img>`` of Anki HTML, as written (what ``collect_field_media`` and
``collect_html_images`` take for media references)."""


def collect_html_images(note: Note, location: Location, media: dict[str, Media]) -> None:
    """Images an HTML note (in an anki-note block) shows by a relative name are media too."""
    for field in (note.question, note.answer, note.analogy):
        for source in _html_image_sources(field):
            if not SCHEME.match(source) and not source.startswith("/"):
                _refer(media, source, location, note.guid is not None)


def collect_field_media(
    values: list[str], location: Location, media: dict[str, Media], optional: bool
) -> None:
    """The images (``<img src>``) and sounds (``[sound:...]``) fields of Anki HTML show are
    media; ``optional``: the note came from Anki (its id pinned)."""
    for value in values:
        for source in _html_image_sources(value) if "<" in value else ():
            if not SCHEME.match(source) and not source.startswith("/"):
                _refer(media, source, location, optional)
        if "[sound:" in value:
            for match in _SOUND.finditer(value):
                _refer(media, match.group(1), location, optional)
