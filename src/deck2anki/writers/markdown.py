"""Markdown: the format a person edits, read back by ``readers.markdown`` to the same deck.

Each note is written as a level-2 heading, its id and tags as comments, the answer, and the
analogy as a paragraph starting with ``Analogy:``. A note whose HTML Markdown cannot say
exactly (what Anki's editor writes: ``<b>``, ``<div>``, ``<br>``, ...) keeps its fields as
that HTML, in the same places, marked ``<!-- format: html -->``: still a section a person
reads and edits. Every note is read back before it is kept: one that does not read back (a
multi-line question, an answer with an ``Analogy:`` line of its own) is written as an
``anki-note`` block of JSON instead, so nothing is lost.
"""

from __future__ import annotations

import json
from dataclasses import replace

from ..cards.unrender import as_markdown
from ..errors import Report
from ..model import Deck, Markup, Note
from ..readers.markdown import FENCE_INFO
from ..readers.markdown import parse as read_markdown
from . import WriteOptions, each_note, pinned


def _yaml(value: str) -> str:
    """A YAML scalar: bare when safe, else double-quoted (JSON's escaping is valid YAML)."""
    safe = value and value == value.strip() and not any(c in value for c in ":#'\"[]{},&*!|>%@`")
    return value if safe else json.dumps(value, ensure_ascii=False)


def _common_tags(deck: Deck) -> tuple[str, ...]:
    """Tags every note starts with, in order: front matter holds them once for all."""
    if not deck.notes:
        return ()
    prefix = deck.notes[0].tags
    for note in deck.notes[1:]:
        length = 0
        while length < min(len(prefix), len(note.tags)) and prefix[length] == note.tags[length]:
            length += 1
        prefix = prefix[:length]
    return prefix


def _section(note: Note, deck_tags: tuple[str, ...]) -> str:
    lines = [f"## {note.question}"]
    if note.guid:
        lines.append(f"<!-- id: {note.guid} -->")
    own = [tag for tag in note.tags if tag not in deck_tags]
    if own:
        lines.append(f"<!-- tags: {' '.join(own)} -->")
    if note.cards:
        lines.append(f"<!-- cards: {' '.join(sorted(note.cards))} -->")
    if note.markup is Markup.HTML:
        lines.append("<!-- format: html -->")
    lines += ["", note.answer]
    if note.analogy:
        lines += ["", f"Analogy: {note.analogy}"]
    return "\n".join(lines)


def _fenced(note: Note, deck_tags: tuple[str, ...]) -> str:
    """The note as JSON in an ``anki-note`` block; the heading only shows the question."""
    data: dict[str, object] = {
        "question": note.question,
        "answer": note.answer,
        "analogy": note.analogy,
        "format": note.markup.value,
        "tags": [tag for tag in note.tags if tag not in deck_tags],
    }
    if note.cards:
        data["cards"] = sorted(note.cards)
    if note.guid:
        data["id"] = note.guid
    # JSON strings escape newlines, so no line of the body can close the fence early.
    body = json.dumps(data, ensure_ascii=False, indent=2)
    heading = " ".join(note.question.split()) or "(no question)"
    return f"## {heading}\n\n```{FENCE_INFO}\n{body}\n```"


def _reads_back(section: str, note: Note, deck_tags: tuple[str, ...]) -> bool:
    report = Report()
    deck = read_markdown(section, "<check>", report)
    if report.diagnostics or len(deck.notes) != 1:
        return False
    back = deck.notes[0]
    tags = tuple(tag for tag in note.tags if tag not in deck_tags)
    return (
        back.question,
        back.answer,
        back.analogy,
        back.guid,
        back.tags,
        back.cards,
        back.markup,
    ) == (note.question, note.answer, note.analogy, note.guid, tags, note.cards, note.markup)


def write(deck: Deck, options: WriteOptions, report: Report) -> bytes:
    """The Markdown text of ``deck``."""
    deck_tags = _common_tags(deck)
    head = ["---"]
    if deck.name:
        head.append(f"deck: {_yaml(deck.name)}")
    if deck.description:
        head.append(f"description: {_yaml(deck.description)}")
    if deck_tags:
        head.append(f"tags: [{', '.join(deck_tags)}]")
    head.append("---")
    sections = []
    expected = []
    for note in each_note(deck, options):
        # Markdown where it says the note exactly; else the note's own HTML (or text).
        source = as_markdown(note) or note
        # Only an id a reader could not derive again from the deck name and the question as
        # written is written.
        source = replace(source, guid=pinned(note.guid, deck.name, source.question))
        text = source.markup is Markup.TEXT  # never from as_markdown: no section says it
        sections.append(_fenced(source, deck_tags) if text else _section(source, deck_tags))
        expected.append(source)
    front = "\n".join(head) + "\n\n"
    # Every note must read back as it is. Reading the whole document once tells which do
    # not; only those are read alone (a parse per note costs as much as the rest of the
    # conversion), and the ones that do not read back even alone are written as JSON.
    misread = _misread(front + "\n\n".join(sections), expected)
    for index in misread:
        if not _reads_back(sections[index], expected[index], deck_tags):
            sections[index] = _fenced(expected[index], deck_tags)
    # A note can leave something open (a code fence, an HTML block) that swallows the notes
    # after it, which reading each section alone does not show: read the whole document
    # back, and write the first note that reads differently as JSON, until all read right.
    for _ in range(len(sections) if misread else 0):
        wrong = _misread(front + "\n\n".join(sections), expected)
        if not wrong:
            break
        sections[wrong[0]] = _fenced(expected[wrong[0]], deck_tags)
    return (front + "\n\n".join(sections) + "\n").encode("utf-8")


def _misread(text: str, expected: list[Note]) -> list[int]:
    """The indices of the notes the whole document does not give back, in order: from the
    first on, all of them, once the notes read are not the notes written one for one."""
    report = Report()
    notes = read_markdown(text, "<check>", report).notes
    wrong: list[int] = []
    for index, want in enumerate(expected):
        if index >= len(notes) or not _same(notes[index], want):
            if len(notes) != len(expected):  # one for one no more: all from here on
                return wrong + list(range(index, len(expected)))
            wrong.append(index)
    return wrong


def _same(got: Note, want: Note) -> bool:
    return (got.question, got.answer, got.analogy, got.guid, got.cards, got.markup) == (
        want.question,
        want.answer,
        want.analogy,
        want.guid,
        want.cards,
        want.markup,
    ) and set(got.tags) == set(want.tags)
