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
import re
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice

from ..cards.split import LABELS
from ..cards.unrender import as_markdown
from ..errors import Report
from ..model import Deck, Markup, Note
from ..readers import ReadOptions
from ..readers.markdown import parse as read_markdown
from ..readers.markdown_notetypes import FENCE_INFO
from ..readers.notetypes import fingerprint
from . import WriteOptions, each_note, pinned
from .markdown_notetypes import Section, folder_names, native_clozes, same, tree_lines

# Text Markdown reads as nothing but paragraphs of itself: none of these characters (nor
# "$", which the reader turns into math), no white space but spaces and line breaks, no
# space before a line break, no line that starts with white space, a list, quote or heading
# marker or a setext underline (what cards.render takes as plain, and "$").
_NOT_PLAIN = re.compile(
    r"[\\`*_\[\]<>&#|~!$\r\x00]|[^\S \n]| \n|^[-+=>]|^\d+[.)]|\n[-+=>]|\n\d+[.)]|\n "
)
_LABEL = re.compile(r"(?:" + "|".join(map(re.escape, LABELS)) + r")\s*:", re.I)
_COMMENT_VALUE = re.compile(r"[!-~]+")
# A line of an HTML section that could start anything but a paragraph or an HTML block that a
# blank line ends: a heading or an underline, a fence, code, a list, a quote, a definition,
# an HTML block that runs to its end tag (<pre>, <script>, <style>, <textarea>, <!, <?), or
# the analogy's label. Characters the reader turns or sees as line breaks go too.
_RISKY_LINE = re.compile(
    r"(?:^|\n)(?:[ \t#`~\[\-=>*+_|]|\d+[.)]|<(?:pre|script|style|textarea|[!?])|(?:"
    + "|".join(map(re.escape, LABELS))
    + r")\s*:)|[\r\x00\x0b\x0c]",
    re.I,
)
_Check = tuple[str, ReadOptions, str]
"""What reading written notes back needs: the front matter, the note types, the deck's name."""
_PROBE = "?"
"""Question and answer of the plain section read after a note to see it leaves nothing open."""


def _plain(note: Note) -> bool:
    """Whether the note's section reads back as written, on its own and among any others,
    without reading it: its Markdown fields are paragraphs of plain text (no paragraph of the
    answer taken for the analogy), its HTML fields lines that start nothing but paragraphs or
    HTML blocks a blank line ends, its id, tags and cards plain words.

    Such a section opens nothing that could reach into the next (no code, no open HTML block,
    no link definition), so only the other sections need reading back (issue 16: a Markdown
    parse of the whole document costs more than the rest of the conversion).
    """
    question, answer, analogy = note.question, note.answer, note.analogy
    if note.markup is Markup.TEXT or not question or not answer:
        return False
    if "\n" in question or any(value != value.strip() for value in (question, answer, analogy)):
        return False
    if note.markup is Markup.HTML:
        # Lines taken as they are, so only what a line starts with matters.
        if question.endswith("#") or _RISKY_LINE.search(question):
            return False
        if _RISKY_LINE.search(answer) or _RISKY_LINE.search(analogy):
            return False
    elif any(_NOT_PLAIN.search(value) for value in (question, answer, analogy)):
        return False
    if note.markup is Markup.MARKDOWN and any(map(_LABEL.match, answer.split("\n\n"))):
        return False
    return plain_words([*note.tags, *note.cards, *([note.guid] if note.guid else [])])


def plain_words(words: list[str]) -> bool:
    """Whether ``words`` (tags, an id) are plain in a comment: printable ASCII, no ``--``."""
    return all(_COMMENT_VALUE.fullmatch(word) and "--" not in word for word in words)


NOT_PLAIN = _NOT_PLAIN
"""Text that may not read as the paragraph of itself it is (``writers.markdown_notetypes``)."""


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
    if note.mod is not None:
        lines.append(f"<!-- mod: {note.mod} {fingerprint(note)} -->")
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
    mod = f"\n<!-- mod: {note.mod} {fingerprint(note)} -->" if note.mod is not None else ""
    return f"## {heading}{mod}\n\n```{FENCE_INFO}\n{body}\n```"


def _reads_back(section: str, note: Note, deck_tags: tuple[str, ...], check: _Check) -> bool:
    report = Report()
    front, options, name = check
    if note.notetype is not None:  # in its deck, with the note types it may name
        deck = read_markdown(front + section, "<check>", report, options)
        return not report.diagnostics and len(deck.notes) == 1 and same(deck.notes[0], note, name)
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


_CHUNK = 1000
"""Notes written and read back together: the most the writer holds at once besides the deck."""


def write(deck: Deck, options: WriteOptions, report: Report) -> Iterator[bytes]:
    """The Markdown text of ``deck``, in pieces to be written one after another.

    Made and read back a thousand notes at a time: the sections, the notes turned to Markdown
    and the Markdown parse of a whole 100,000-note document took 900 MB beside the deck.
    """
    deck = native_clozes(deck)
    deck_tags = _common_tags(deck)
    head = ["---"]
    if deck.name:
        head.append(f"deck: {_yaml(deck.name)}")
    if deck.description:
        head.append(f"description: {_yaml(deck.description)}")
    if deck_tags:
        head.append(f"tags: [{', '.join(deck_tags)}]")
    head += tree_lines(deck)
    head.append("---")
    front = "\n".join(head) + "\n\n"
    folders = folder_names(deck.notetypes)
    check = (front, _check_options(deck, folders), deck.name)
    notes = each_note(deck, options)
    size = max(len(deck.notes), 1) if _may_define_links(deck) else _CHUNK
    chunk = list(islice(notes, size))
    yield front.encode("utf-8")
    separator, swallowing = "", False
    while chunk:
        following = list(islice(notes, size))
        sections, swallowing = _written(
            chunk, deck, deck_tags, folders, check, swallowing, last=not following
        )
        yield (separator + "\n\n".join(sections)).encode("utf-8")
        separator, chunk = "\n\n", following
    yield b"\n"


def _may_define_links(deck: Deck) -> bool:
    """Whether a note's text could hold a link reference definition (``[label]: url``, so
    ``]:``; turned to Markdown, a field holds it only where its HTML does): one reaches every
    note of the document, before or after it, so such a deck is read back whole."""
    return any(
        "]:" in text
        for note in deck.notes
        for text in (note.question, note.answer, note.analogy, *note.fields)
    )


def _written(
    chunk: list[Note],
    deck: Deck,
    deck_tags: tuple[str, ...],
    folders: dict[int, str],
    check: _Check,
    swallowing: bool,
    last: bool,
) -> tuple[list[str], bool]:
    """The sections of ``chunk``, notes of the deck written one after another, each of them
    read back as it is; and whether a note so far swallowed the ones after it.

    The chunk is read back on its own, after the front matter: a note that leaves something
    open (a code fence, an HTML block) swallows the probe after the chunk's last note as it
    would the next chunk's first. Once a note swallowed the others, every later note is
    read back alone too, as when the whole document was read back at once.
    """
    sections: list[str] = []
    expected: list[Note] = []
    foreign: dict[int, Section] = {}  # notes of other note types, by index
    for note in chunk:
        if note.notetype is not None:
            folder = folders[note.notetype.id]
            note = replace(note, guid=pinned(note.guid, deck.name, note.question))
            foreign[len(sections)] = Section(note, folder, deck.name, deck_tags)
            sections.append(foreign[len(sections)].first)
            expected.append(note)
            continue
        # Markdown where it says the note exactly; else the note's own HTML (or text).
        source = as_markdown(note) or note
        # Only an id a reader could not derive again from the deck name and the question as
        # written is written.
        source = replace(source, guid=pinned(note.guid, deck.name, source.question))
        text = source.markup is Markup.TEXT  # never from as_markdown: no section says it
        sections.append(_fenced(source, deck_tags) if text else _section(source, deck_tags))
        expected.append(source)
    # Every note must read back as it is. A plain one does (``_plain``); the others are read
    # back together, each followed by a plain probe where a plain note follows it (what
    # swallows the probe would swallow that note) or the chunk ends before the deck does.
    # Only those misread are read alone; the ones that do not read back even alone are
    # written as JSON.
    plain = [foreign[i].plain if i in foreign else _plain(note) for i, note in enumerate(expected)]
    read = [i for i, p in enumerate(plain) if not p]
    after = [*plain[1:], not last]
    probed = {i for i in read if after[i]}
    probe = Note(_PROBE, _PROBE, tags=deck_tags)
    misread, swallowed = _misread(sections, expected, read, probed, probe, check)
    if swallowing:
        misread = read
    for index in misread:
        way = foreign.get(index)
        # A note of another note type may read back as HTML where its Markdown did not.
        tried = way.candidates if way is not None else sections[index : index + 1]
        sections[index] = next(
            (text for text in tried if _reads_back(text, expected[index], deck_tags, check)),
            way.fenced() if way is not None else _fenced(expected[index], deck_tags),
        )
    # A note can leave something open (a code fence, an HTML block) that swallows the notes
    # after it, which reading each section alone does not show: read them back together
    # again, and write the first note that reads differently as JSON, until all read right.
    for _ in range(len(read) if misread else 0):
        wrong, _ = _misread(sections, expected, read, probed, probe, check)
        if not wrong:
            break
        last_way = foreign.get(wrong[0])
        sections[wrong[0]] = (
            last_way.fenced() if last_way else _fenced(expected[wrong[0]], deck_tags)
        )
    return sections, swallowing or swallowed


def _check_options(deck: Deck, folders: dict[int, str]) -> ReadOptions:
    """What reading the written text back needs: the note types its notes name."""
    return ReadOptions(notetypes=tuple((folders[nt.id], nt) for nt in deck.notetypes))


def _misread(
    sections: list[str],
    expected: list[Note],
    read: list[int],
    probed: set[int],
    probe: Note,
    check: _Check,
) -> tuple[list[int], bool]:
    """The indices (of those in ``read``) of the notes a document of the ``read`` sections,
    each in ``probed`` followed by a probe section, does not give back, in order: from the
    first on, all of them, once the notes read are not the notes written one for one. A probe
    read wrong counts against the note before it. And whether the notes read are not the
    notes written one for one (a note swallowed the ones after it)."""
    if not read:
        return [], False
    parts: list[str] = []
    wanted: list[tuple[int, Note]] = []
    for index in read:
        parts.append(sections[index])
        wanted.append((index, expected[index]))
        if index in probed:
            parts.append(f"## {_PROBE}\n\n{_PROBE}")
            wanted.append((index, probe))
    report = Report()
    front, options, name = check
    notes = read_markdown(front + "\n\n".join(parts), "<check>", report, options).notes
    wrong: list[int] = []
    for position, (index, want) in enumerate(wanted):
        if position >= len(notes) or not _same(notes[position], want, name):
            if len(notes) != len(wanted):  # one for one no more: all from here on
                return list(dict.fromkeys([*wrong, *(i for i, _ in wanted[position:])])), True
            if index not in wrong:
                wrong.append(index)
    return wrong, False


def _same(got: Note, want: Note, deck_name: str) -> bool:
    if want.notetype is not None or got.notetype is not None:
        return same(got, want, deck_name)
    return (got.question, got.answer, got.analogy, got.guid, got.cards, got.markup) == (
        want.question,
        want.answer,
        want.analogy,
        want.guid,
        want.cards,
        want.markup,
    ) and set(got.tags) == set(want.tags)
