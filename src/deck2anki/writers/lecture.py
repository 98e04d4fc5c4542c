"""Lecture page text: a deck handed back as plain question and answer lines.

The format holds one line per question and per answer, the analogy after an ``Analogy:``
label, and the description; tags, ids, media and line breaks have no place in it.
"""

from __future__ import annotations

import html
import re

from ..errors import Report
from ..model import Deck, Location
from ..unrender import as_source
from . import WriteOptions, pinned

_TAG = re.compile(r"<[^>]*>")


def write(deck: Deck, options: WriteOptions, report: Report) -> bytes:
    """The lecture text of ``deck``; what the format cannot hold is reported, one line a kind."""
    lost: dict[str, int] = {}
    lines = []
    if deck.description:
        # Counter, description and the page's table separator: the preamble the reader knows.
        lines += [f"1/{len(deck.notes)}", _one_line(deck.description, lost), "|---|"]
    for note in deck.notes:
        source = as_source(note)
        if source is None:
            lost["HTML formatting"] = lost.get("HTML formatting", 0) + 1
            question, answer, analogy = (
                html.unescape(_TAG.sub(" ", value))
                for value in (note.question, note.answer, note.analogy)
            )
        else:
            question, answer, analogy = source.question, source.answer, source.analogy
        if note.tags:
            lost["tags"] = lost.get("tags", 0) + 1
        if pinned(note.guid, deck.name, question):
            lost["pinned ids"] = lost.get("pinned ids", 0) + 1
        line = _one_line(answer, lost)
        if analogy:
            line += f" Analogy: {_one_line(analogy, lost)}"
        lines += [_one_line(question, lost), line]
    if deck.media:
        lost["media files"] = len(deck.media)
    for kind, count in lost.items():
        report.warning(
            Location(options.target),
            f"lecture text cannot hold {kind}: {count} dropped",
            "lossy-conversion",
            "convert to markdown or json to keep everything",
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def _one_line(text: str, lost: dict[str, int]) -> str:
    folded = " ".join(text.split())
    if "\n" in text.strip():
        lost["line breaks"] = lost.get("line breaks", 0) + 1
    return folded
