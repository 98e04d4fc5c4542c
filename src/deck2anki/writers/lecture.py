"""Lecture page text: a deck handed back as plain question and answer lines.

The format holds one line per question and per answer, the analogy after an ``Analogy:``
label, and the description; tags, ids, media and line breaks have no place in it.
"""

from __future__ import annotations

import html
import re

from ..cards.render import media_names, render_note, replace_tags
from ..cards.unrender import as_text
from ..errors import Report
from ..identity.guids import normalize_question
from ..model import Deck, Location
from ..readers.lecture import reads_as_description
from . import WriteOptions, each_note, pinned

_INLINE_TAG = re.compile(r"</?(?:code|em|strong|a|span|b|i|del|s|sub|sup)\b[^>]*>")


def write(deck: Deck, options: WriteOptions, report: Report) -> bytes:
    """The lecture text of ``deck``; what the format cannot hold is reported, one line a kind."""
    lost: dict[str, int] = {}
    lines = []
    # Counter, description and the page's table separator: the preamble the reader knows.
    # It is written even without a description, so no first card can read as one.
    lines.append(f"1/{len(deck.notes)}")
    description = _one_line(deck.description, lost)
    if description and not reads_as_description(description):
        # A description that asks, or looks like the page's chrome, would read back wrong.
        lost["this description (it would read back as a card or as page chrome)"] = 1
    elif description:
        lines.append(description)
    lines.append("|---|")
    cards: list[list[str]] = []
    questions: set[str] = set()
    for note in each_note(deck, options):
        source = as_text(note)
        if source is None:
            lost["formatting (shown as plain text)"] = (
                lost.get("formatting (shown as plain text)", 0) + 1
            )
            rendered = render_note(note, media_names(deck))
            question, answer, analogy = (
                _plain(value) for value in (rendered.question, rendered.answer, rendered.analogy)
            )
        else:
            question, answer, analogy = source.question, source.answer, source.analogy
        if note.tags:
            lost["tags"] = lost.get("tags", 0) + 1
        if note.cards:
            lost["optional cards (reverse, type-in)"] = (
                lost.get("optional cards (reverse, type-in)", 0) + 1
            )
        if pinned(note.guid, deck.name, question):
            lost["pinned ids"] = lost.get("pinned ids", 0) + 1
        line = _one_line(answer, lost)
        if analogy:
            line += f" Analogy: {_one_line(analogy, lost)}"
        first = _one_line(question, lost)
        # A card is two lines: without a question or an answer line the cards after it
        # would pair wrongly; without ids, a repeated question would read back as one note.
        if not first or not line:
            _count(lost, "cards without a question or an answer as text (a cloze, an image)")
        elif normalize_question(first) in questions:
            _count(lost, "cards whose question repeats an earlier one (told apart by ids)")
        else:
            questions.add(normalize_question(first))
            cards.append([first, line])
    lines[0] = f"1/{len(cards)}"
    lines += [line for card in cards for line in card]
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


def _count(lost: dict[str, int], kind: str) -> None:
    lost[kind] = lost.get(kind, 0) + 1


def _plain(field_html: str) -> str:
    """What a field shows, as text: inline tags go without a trace, others leave a space."""
    return html.unescape(replace_tags(replace_tags(field_html, "", _INLINE_TAG), " "))


def _one_line(text: str, lost: dict[str, int]) -> str:
    folded = " ".join(line.strip() for line in text.splitlines() if line.strip())
    if "\n" in text.strip():
        lost["line breaks"] = lost.get("line breaks", 0) + 1
    return folded
