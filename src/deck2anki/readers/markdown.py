"""Markdown sources: optional front matter, then one card per level-2 heading.

    ---
    deck: Biology::Cells            # the deck name; "::" for subdecks
    tags: [biology, cells]          # added to every note
    description: Week 3 of BIO 101
    ---

    ## What does ATP synthase do?
    <!-- id: atp-synthase -->       # optional: pins the note's identity
    <!-- tags: exam -->             # optional: this note's own tags
    <!-- format: html -->           # optional: question and answer are Anki HTML, kept as is

    It makes ATP from ADP as protons flow through it. $\\Delta G < 0$.

    Analogy: a water wheel turned by a stream.

The document is read with markdown-it-py's tokens and their line maps, never with regular
expressions over lines, so code blocks that contain ``## `` or ``Analogy:`` stay code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from ..cards.rules import MAX_FIELD
from ..cards.split import LABELS
from ..errors import Report
from ..model import Deck, Location, Markup, Media, Note, is_cloze
from . import ReadOptions
from .frontmatter import deck_tree, front_matter, front_matter_lines
from .json import lone_surrogate
from .markdown_blocks import read_cards, watch
from .markdown_math import dollars
from .markdown_media import collect_html_images, collect_images, collect_sounds
from .markdown_notetypes import FENCE_INFO, ForeignNotes, comment, mod_time, top_blocks
from .markdown_references import with_definitions
from .markdown_simple import read_simple
from .notetypes import fingerprint

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token


_COMMENT_KEYS = ("id", "tags", "cards", "format", "mod")
"""The comments a note of deck2anki's own note type reads (a value may run over lines)."""
_NO_CARDS: frozenset[str] = frozenset()  # one for every note that asks for none (216 bytes each)
_ANALOGY = re.compile(r"(?:" + "|".join(map(re.escape, LABELS)) + r")\s*:\s*", re.I)


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # html=True only so that comments are tokens with line maps; nothing here renders HTML.
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.core.ruler.at("inline", _images_only)
    watch(md)
    return md


def _images_only(state: StateCore) -> None:
    """markdown-it's inline pass, for the text that may show an image and no other.

    Of the inline tokens, only images are read here (each field is rendered on its own
    later); parsing every paragraph's inline text was two thirds of reading a deck of
    Markdown notes (issue 17). An image starts at a literal ``![`` (an escaped or
    entity-written ``!`` starts none), so text without one would have no image child.
    """
    for token in state.tokens:
        # Past MAX_FIELD the field is refused (field-too-long) and never rendered: its images
        # are not looked for, so hostile inline syntax costs no parse (issue 13).
        if token.type == "inline" and "![" in token.content and len(token.content) <= MAX_FIELD:
            token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)


def parse(text: str, path: str, report: Report, options: ReadOptions | None = None) -> Deck:
    """Read a Markdown source into a Deck; problems go to ``report``."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta, offset = front_matter(front_matter_lines(text), path, report)
    deck_tags = meta.get("tags", [])
    assert isinstance(deck_tags, list)
    said = len(report.diagnostics)
    notes = _Notes(meta.get("deck", ""), deck_tags, path, report, options)
    # A source in the form most take is read without markdown-it (markdown_simple); any
    # other is parsed a card at a time, its tokens let go as it goes (markdown_blocks).
    if read_simple(text, offset, notes):
        pass
    elif not read_cards(_parser(), text, offset, notes, whole=False):
        del report.diagnostics[said:]  # said again, by the whole parse
        notes = _Notes(meta.get("deck", ""), deck_tags, path, report, options)
        read_cards(_parser(), text, offset, notes, whole=True)
    if not notes.cards:
        report.error(
            Location(path, 1, 1),
            "no cards found",
            "no-cards",
            "start each card with a level-2 heading: '## The question'",
        )
    name = notes.name
    description = meta.get("description", "")
    return Deck(
        name=name if isinstance(name, str) else "",
        notes=tuple(notes.notes),
        description=description if isinstance(description, str) else "",
        media=tuple(notes.media.values()),
        notetypes=notes.foreign.notetypes(),
        tree=deck_tree(meta),
    )


class _Notes:
    """The notes of one source, made card by card as the parse hands them on."""

    def __init__(
        self,
        name: object,
        deck_tags: list[str],
        path: str,
        report: Report,
        options: ReadOptions | None,
    ) -> None:
        self.name = name
        self.deck_tags = deck_tags
        self.path = path
        self.report = report
        self.notes: list[Note] = []
        self.media: dict[str, Media] = {}
        self.cards = 0
        self.foreign = ForeignNotes(options, report)  # notes of other note types (Basic, ...)

    def preamble(self, tokens: list[Token]) -> None:
        if not self.name:
            self.name = _title(tokens)

    def card(
        self,
        tokens: list[Token],
        stop: int,
        lines: Callable[[int, int], str],
        definitions: dict[str, dict[str, str]],
    ) -> None:
        self.cards += 1
        seal: list[str] = []
        path, report, media = self.path, self.report, self.media
        end = len(tokens)
        if self.foreign.claims(tokens, 0, end):
            self.foreign.deck_name = self.name if isinstance(self.name, str) else ""
            read = self.foreign.card
        else:
            read = _card
        note = read(tokens, 0, end, stop, lines, 0, path, report, media, definitions, seal)
        if note is not None:
            tags = tuple(dict.fromkeys([*self.deck_tags, *note.tags]))
            if tags != note.tags:  # most notes of most decks: no tags, and none of the deck
                note = note.but(tags=tags)  # every part kept (its mod too)
            if note.mod is not None and (not seal or seal[0] != fingerprint(note)):
                note = replace(note, mod=None)  # edited since: the output's time is newer
            self.notes.append(note)


def _title(tokens: Sequence[Token]) -> str:
    """A level-1 heading before the first card names the deck when front matter does not."""
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            return tokens[index + 1].content.strip()
    return ""


def _card(
    tokens: Sequence[Token],
    start: int,
    end: int,
    stop: int,
    body: Callable[[int, int], str],
    offset: int,
    path: str,
    report: Report,
    media: dict[str, Media],
    definitions: dict[str, dict[str, str]],
    seal: list[str],
) -> Note | None:
    heading = tokens[start]
    assert heading.map is not None
    line = offset + heading.map[0] + 1
    location = Location(path, line, 1)
    question = tokens[start + 1].content.strip()
    blocks = top_blocks(tokens, start, end)
    guid: str | None = None
    tags: tuple[str, ...] = ()
    cards = _NO_CARDS
    markup = Markup.MARKDOWN
    mod: int | None = None
    content_start = heading.map[1]
    for _, block in blocks:
        comment = _own_comment(block.content) if block.type == "html_block" else None
        if comment is None:
            break
        key, value = comment
        if key == "id":
            guid = value or None
        elif key == "cards":
            cards = frozenset(value.split())
        elif key == "mod":
            mod = mod_time(value, seal, location, report)
            if mod is None:
                return None
        elif key == "format":
            if value not in (Markup.HTML, Markup.MARKDOWN):
                report.error(
                    location,
                    f"the note's format {value!r} is not one deck2anki reads",
                    "bad-note-block",
                    "write <!-- format: html --> for a note in Anki HTML, or leave it out",
                )
                return None
            markup = Markup(value)
        else:
            tags = tuple(value.split())
        assert block.map is not None
        content_start = block.map[1]
    for _, block in blocks:
        if block.type == "fence" and block.info.strip() == FENCE_INFO:
            note = _fenced_note(block, guid, tags, location, path, offset, report)
            if note is not None and mod is not None:
                note = replace(note, mod=mod)
            if note is not None and note.markup is Markup.HTML:
                collect_html_images(note, location, media)
            if note is not None:
                collect_sounds(note, location, media)
            return note
    analogy_start = stop
    for index, block in blocks:
        assert block.map is not None
        # The first paragraph that opens with the label, after some answer, is the analogy.
        if (
            block.type == "paragraph_open"
            and block.map[0] > content_start
            and _ANALOGY.match(tokens[index + 1].content)
        ):
            analogy_start = block.map[0]
            break
    answer = body(content_start, analogy_start).strip()
    analogy = _ANALOGY.sub("", body(analogy_start, stop).strip(), count=1)
    if markup is Markup.MARKDOWN:
        for token in tokens[start:end]:
            collect_images(token, offset, path, media, report, optional=guid is not None)
    for tag in tags:
        if any(not c.isprintable() for c in tag):
            report.error(location, f"tag {tag!r} has a control character", "bad-tag")
    if not question:
        report.error(
            location, "card without a question", "empty-question", "write the question after '## '"
        )
        return None
    if not answer and not analogy and not is_cloze(question):
        report.error(
            location, "card without an answer", "empty-answer", "write the answer below the heading"
        )
        return None
    if markup is Markup.HTML:
        # Anki HTML as written (what Anki's editor wrote, read from a package): kept as it is.
        note = Note(question, answer, analogy, tags, guid, markup, location, cards)
        collect_html_images(note, location, media)
        return note
    if definitions:  # a note of this file's Markdown (an anki-note block stays as it is)
        answer = with_definitions(answer, definitions, _parser)
        analogy = with_definitions(analogy, definitions, _parser)
    fields = (dollars(question), dollars(answer), dollars(analogy))
    note = Note(
        *fields, tags=tags, guid=guid, markup=markup, location=location, cards=cards, mod=mod
    )
    collect_sounds(note, location, media)
    return note


def _own_comment(content: str) -> tuple[str, str] | None:
    """A comment of a note of deck2anki's own note type, as ``comment`` reads it."""
    return comment(content, _COMMENT_KEYS, one_line=False)


def _fenced_note(
    block: Token,
    guid: str | None,
    tags: tuple[str, ...],
    location: Location,
    path: str,
    offset: int,
    report: Report,
) -> Note | None:
    """A note kept verbatim in an ``anki-note`` block, as JSON (what Markdown cannot say)."""
    assert block.map is not None
    where = Location(path, offset + block.map[0] + 1, 1)
    try:
        data = json.loads(block.content)
        fields = [data["question"], data["answer"], data.get("analogy", ""), data.get("id", guid)]
        own_tags = data.get("tags", list(tags))
        cards = frozenset(map(str, data.get("cards", [])))
        if not all(isinstance(value, str) for value in fields[:3]) or not all(
            isinstance(tag, str) for tag in own_tags
        ):
            raise TypeError("fields and tags must be strings")
        texts = [*fields[:3], *own_tags, *cards, fields[3] if isinstance(fields[3], str) else ""]
        surrogate = next(filter(None, map(lone_surrogate, texts)), None)
        if surrogate is not None:
            raise ValueError(f"{surrogate} is half of a surrogate pair: no character on its own")
        markup = Markup(data.get("format", "markdown"))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        report.error(
            where,
            f"the {FENCE_INFO} block is not valid: {error}",
            "bad-note-block",
            'it holds {"question": ..., "answer": ..., "analogy": ..., "format": ...}',
        )
        return None
    note_guid = fields[3] if isinstance(fields[3], str) and fields[3] else None
    return Note(
        fields[0], fields[1], fields[2], tuple(own_tags), note_guid, markup, location, cards
    )
