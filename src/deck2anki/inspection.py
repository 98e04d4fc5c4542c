"""What a package holds, as a table for people or JSON for scripts (``deck2anki inspect``)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

from . import files
from .cards.render import replace_tags
from .errors import Report
from .model import Deck
from .readers import apkg

_SPACE = re.compile(r"\s+")
COLUMNS = ("Question", "Answer", "Analogy", "Tags")


def plain_text(field_html: str) -> str:
    """A field's HTML as one line of readable text: tags dropped, entities decoded, space folded."""
    return _SPACE.sub(" ", html.unescape(replace_tags(field_html, " "))).strip()


def inspect_package(path: str | Path) -> Deck:
    """The deck inside the package at ``path``, fields exactly as Anki stores them (HTML).

    Unlike ``read``, nothing is converted or split: this is what a student's Anki would hold.
    """
    # Any file name will do: the contents, not the suffix, decide whether it is a package.
    report = Report()
    deck = apkg.parse(files.read_bytes(Path(path)), str(path), report)
    report.raise_if_errors()
    return deck


def as_json(deck: Deck) -> str:
    """The deck as JSON: name, description and each note's GUID, fields (HTML) and tags."""
    return "".join(json_parts(deck))


def json_parts(deck: Deck, size: int = 1 << 20) -> Iterator[str]:
    """``as_json(deck)`` in parts of about ``size`` characters, for printing as it is made.

    What ``json.dumps(document, ensure_ascii=False, indent=2)`` writes, a note at a time:
    its indented encoder is Python's, which makes a list of every piece of the document
    before joining it (100,000 notes: about 100 MB, then the text twice, issue 17).
    """
    head, _, tail = json.dumps(
        {"deck": deck.name, "description": deck.description, "notes": []},
        ensure_ascii=False,
        indent=2,
    ).rpartition("[]")  # the notes' place: the document's last value
    part = [head + "["]
    length = 0
    separator = "\n    "
    for note in deck.notes:
        entry = {
            "guid": note.guid,
            "question": note.question,
            "answer": note.answer,
            "analogy": note.analogy,
            "tags": list(note.tags),
        }
        # Two levels deep: each of its lines four spaces further in (a string in JSON holds
        # no raw newline, so every newline in it starts a line).
        text = json.dumps(entry, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        part += (separator, text)
        length += len(text)
        separator = ",\n    "
        if length >= size:
            yield "".join(part)
            part, length = [], 0
    part.append(("\n  ]" if deck.notes else "]") + tail)
    yield "".join(part)


def as_table(deck: Deck, width: int = 120) -> str:
    """The deck as a text table that fits ``width`` columns, long fields cut with an ellipsis."""
    rows = [
        (
            plain_text(note.question),
            plain_text(note.answer),
            plain_text(note.analogy),
            " ".join(note.tags),
        )
        for note in deck.notes
    ]
    number = len(str(len(rows))) + 1
    # Question, answer, analogy and tags share what the row number and the gaps leave.
    share = max(width - number - 2 * len(COLUMNS), 4 * 8)
    widths = [share * 3 // 10, share * 4 // 10, share * 2 // 10, share // 10]
    header = f"{'#':>{number}}  " + "  ".join(
        f"{c:<{w}}" for c, w in zip(COLUMNS, widths, strict=True)
    )
    lines = [f"{deck.name}: {len(rows)} note{'s' if len(rows) != 1 else ''}", header.rstrip()]
    for index, row in enumerate(rows, start=1):
        cells = [_cut(cell, w) for cell, w in zip(row, widths, strict=True)]
        lines.append(
            (
                f"{index:>{number}}  "
                + "  ".join(f"{c:<{w}}" for c, w in zip(cells, widths, strict=True))
            ).rstrip()
        )
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
