"""Markdown sections of notes of other note types (Anki's Basic, Cloze, Image Occlusion, a
user's own), which ``readers.markdown`` hands over when a note names its note type:

    ## hola                          <- the note type's first field
    <!-- notetype: Vocab (mine) -->  <- its folder in NAME.notetypes/
    <!-- id: f3Kp9#x -->
    <!-- deck: Languages -->         <- where its cards are (else the deck of the file)
    <!-- mod: 1700000000 9f2c... -->

    ### Meaning                      <- every other field that is not empty, by name

    hello

A field is Markdown (rendered to the HTML Anki holds), or Anki HTML taken as written when
the note says ``<!-- format: html -->``. ``<!-- cards: 1 -->`` lists the cards of a note
that has not every template's card, ``<!-- deck 2: NAME -->`` the deck of a card not in
the note's deck. What Markdown cannot say exactly is a fenced ``anki-note`` block of JSON
under the heading: ``{"fields": {...}, "tags": [...], "id": ..., "card_decks": [...]}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..cards import cloze
from ..cards.render import render_field
from ..errors import Report
from ..identity.lockcheck import LATEST_TIME
from ..model import Location, Markup, Media, Note, NoteKind, NoteType
from . import ReadOptions
from .json import lone_surrogate
from .markdown_media import collect_field_media
from .notetype_folder import NoteTypeFiles, read_notetypes
from .notetypes import foreign_note

if TYPE_CHECKING:
    from markdown_it.token import Token

FENCE_INFO = "anki-note"
"""Info string of the fenced block that holds a note Markdown cannot express, as JSON."""

_KEYS = ("notetype", "id", "tags", "deck", "cards", "format", "mod")

_MAX_CARD = 10_000
_RULE = "bad-note-block"


def _number(text: str) -> bool:
    """Whether ``text`` is a whole number deck2anki reads: ASCII digits, not so many that
    Python refuses to read them (past 4,300), nor more than any time or card needs."""
    return text.isascii() and text.isdigit() and len(text) <= 20


def _listed(names: Sequence[str], most: int = 20) -> str:
    """``names`` for a message, the first ``most`` of them: a hint repeated for every note
    must not hold all 100,000 fields a hand-made note type may have (21 MB said for 32
    notes)."""
    shown = ", ".join(names[:most])
    return f"{shown} and {len(names) - most:,} more" if len(names) > most else shown


def mod_time(value: str, seal: list[str], location: Location, report: Report) -> int | None:
    """The time of ``<!-- mod: TIME FINGERPRINT -->``: when the note last changed, as the
    package it came from said, and (into ``seal``) a hash of what a user edits
    (``notetypes.fingerprint``): while the note is as it was, its time is kept, so Anki takes
    it as unchanged and a student's own edits stay. None, said, for a time not read."""
    time, _, fingerprint = value.partition(" ")
    seal[:] = [fingerprint.strip()]
    if not (_number(time) and int(time) <= LATEST_TIME):
        report.error(
            location,
            f"the note's mod {time!r} is not a time deck2anki reads",
            _RULE,
            "write whole seconds since 1970 (as convert writes them), or leave it out",
        )
        return None
    return int(time)


def top_blocks(tokens: Sequence[Token], start: int, end: int) -> list[tuple[int, Token]]:
    """The top-level blocks of the card whose heading opens at ``start`` (its tokens end at
    ``end``), each with its index: a paragraph's text is the next token."""
    return [
        (index, token)
        for index, token in enumerate(tokens[start + 3 : end], start=start + 3)
        if token.level == 0 and token.map is not None and token.nesting >= 0
    ]


def comment(
    content: str, keys: Sequence[str] = _KEYS, one_line: bool = True
) -> tuple[str, str] | None:
    """``<!-- key: value -->`` as (key, value), white space stripped, for a key of ``keys``
    (``deck 2`` is the key ``deck`` with a number); ``one_line``: a value over several lines
    is no comment of these. Plain string work, no pattern: three runs of optional white space
    around a lazy value backtrack in cubic time on a comment that never closes (issue 13)."""
    if not content.startswith("<!--"):
        return None
    inner = content[4:].lstrip()
    key = next((key for key in keys if inner.startswith(key)), None)
    if key is None:
        return None
    rest = inner[len(key) :]
    if key == "deck":
        number = rest.lstrip(" ")
        digits = len(number) - len(number.lstrip("0123456789"))
        if digits:
            key, rest = f"deck {number[:digits]}", number[digits:]
    rest = rest.lstrip()
    closed = rest[1:].rstrip()
    if not rest.startswith(":") or not closed.endswith("-->") or (one_line and "\n" in closed):
        return None
    return key, closed[:-3].strip()


class ForeignNotes:
    """The notes of other note types in one Markdown source, and the note types they use."""

    def __init__(self, options: ReadOptions | None, report: Report) -> None:
        self._options = options or ReadOptions()
        self._report = report
        self._known: dict[str, NoteType] | None = None
        self.used: dict[int, NoteType] = {}
        self.deck_name = ""
        """The deck of the file: where a note's cards are when it names no deck."""

    def claims(self, tokens: Sequence[Token], start: int, end: int) -> bool:
        """Whether the section at ``start`` names a note type among its first comments."""
        for token in tokens[start + 3 : end]:
            if token.type != "html_block" or token.level != 0:
                return False
            found = comment(token.content)
            if found is None:
                return False
            if found[0] == "notetype":
                return True
        return False

    def _notetypes(self) -> dict[str, NoteType]:
        if self._known is None:
            self._known = dict(self._options.notetypes)
            if self._options.notetype_files:
                files = NoteTypeFiles(self._options.notetype_folder, self._options.notetype_files)
                now = self._options.notetype_time
                self._known.update(read_notetypes(files, self._report, now))
        return self._known

    def notetypes(self) -> tuple[NoteType, ...]:
        """The note types the notes read so far have, by id."""
        return tuple(self.used[key] for key in sorted(self.used))

    def card(
        self,
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
        """The note of the section from ``start`` to ``end`` (``stop``: its last line), of the
        note type it names (``readers.markdown._card``'s arguments)."""
        heading = tokens[start]
        assert heading.map is not None
        location = Location(path, offset + heading.map[0] + 1, 1)
        said: dict[str, str] = {}
        blocks = top_blocks(tokens, start, end)
        first = len(blocks)
        for position, (_, block) in enumerate(blocks):
            found = comment(block.content) if block.type == "html_block" else None
            if found is None:
                first = position
                break
            said[found[0]] = found[1]
        notetype = self._lookup(said["notetype"], location, report)
        if notetype is None:
            return None
        markup = Markup.MARKDOWN
        if "format" in said:
            if said["format"] not in (Markup.HTML, Markup.MARKDOWN):
                report.error(
                    location,
                    f"the note's format {said['format']!r} is not one deck2anki reads",
                    _RULE,
                    "write <!-- format: html --> for a note in Anki HTML, or leave it out",
                )
                return None
            markup = Markup(said["format"])
        rest = blocks[first:]
        fence = next(
            (b for _, b in rest if b.type == "fence" and b.info.strip() == FENCE_INFO), None
        )
        raw_decks: tuple[tuple[int, str], ...] | None = None
        if fence is not None:
            parsed = _fenced(fence, notetype, path, offset, report)
            if parsed is None:
                return None
            values, tags, guid, raw_decks = parsed
        else:
            written = self._sections(tokens, rest, stop, body, offset, path, report, notetype)
            if written is None:
                return None
            values = written
            values[0] = tokens[start + 1].content.strip()
            if markup is Markup.MARKDOWN:
                values = [render_field(value) for value in values]
            tags, guid = tuple(said.get("tags", "").split()), said.get("id") or None
        for tag in tags:
            if any(not c.isprintable() for c in tag):
                report.error(location, f"tag {tag!r} has a control character", "bad-tag")
        mod: int | None = None
        if "mod" in said:
            mod = mod_time(said["mod"], seal, location, report)
            if mod is None:
                return None
        decks = (
            raw_decks if raw_decks is not None else self._decks(said, notetype, values, location)
        )
        if decks is None:
            return None
        collect_field_media(values, location, media, guid is not None)
        self.used[notetype.id] = notetype
        return foreign_note(notetype, values, tags, guid, location, mod, decks)

    def _lookup(self, name: str, location: Location, report: Report) -> NoteType | None:
        known = self._notetypes()
        if name in known:
            return known[name]
        folder = self._options.notetype_folder or "a NAME.notetypes folder beside the file"
        report.error(
            location,
            f"no note type {name!r} in {folder}",
            "unknown-notetype",
            f"name one of its folders ({_listed(sorted(known)) or 'it has none'}), or write"
            f" {name}/notetype.json there (convert writes one for each note type)",
        )
        return None

    def _sections(
        self,
        tokens: Sequence[Token],
        blocks: list[tuple[int, Token]],
        stop: int,
        body: Callable[[int, int], str],
        offset: int,
        path: str,
        report: Report,
        notetype: NoteType,
    ) -> list[str] | None:
        """Every field's text as written, the first left for the heading: each other field
        under a level-3 heading that names it."""
        names = notetype.field_names
        values = [""] * len(names)
        # By name, not by searching the names: a note type may have 100,000 fields, and a
        # note as many sections (40,000 took 19 s searched).
        place = {name: index for index, name in enumerate(names)}
        starts = [
            (index, block)
            for index, block in blocks
            if block.type == "heading_open" and block.tag == "h3"
        ]
        failed = False
        if blocks and (not starts or blocks[0][1] is not starts[0][1]):
            assert blocks[0][1].map is not None
            line = offset + blocks[0][1].map[0] + 1
            report.error(
                Location(path, line, 1),
                f"text before the first field of this {notetype.name!r} note",
                _RULE,
                f"put it under a level-3 heading that names its field: '### {names[-1]}'",
            )
            failed = True
        seen: set[str] = set()
        for position, (index, block) in enumerate(starts):
            assert block.map is not None
            line = offset + block.map[0] + 1
            name = tokens[index + 1].content.strip()
            following = starts[position + 1][1].map if position + 1 < len(starts) else None
            until = following[0] if following else stop
            if name not in place or name == names[0] or name in seen:
                why = (
                    "is the heading's"
                    if name == names[0]
                    else "is given twice"
                    if name in seen
                    else "is no field of it"
                )
                report.error(
                    Location(path, line, 1),
                    f"field {name!r} of note type {notetype.name!r} {why}",
                    "unknown-field",
                    f"its fields are {_listed(names)}: the heading holds {names[0]!r},"
                    " a '### NAME' section each other one",
                )
                failed = True
                continue
            seen.add(name)
            values[place[name]] = body(block.map[1], until).strip()
        return None if failed else values

    def _decks(
        self, said: dict[str, str], notetype: NoteType, values: list[str], location: Location
    ) -> tuple[tuple[int, str], ...] | None:
        """Where each card is, as the comments say; () when they say nothing (every card in
        the deck of the file)."""
        numbered = {key: value for key, value in said.items() if key.startswith("deck ")}
        if "deck" not in said and "cards" not in said and not numbered:
            return ()
        if notetype.kind is NoteKind.STANDARD:
            if "cards" in said:
                words = said["cards"].split()
                if not words or not all(_number(w) and 0 < int(w) <= _MAX_CARD for w in words):
                    self._report.error(
                        location,
                        f"the note's cards {said['cards']!r} are not card numbers",
                        _RULE,
                        "list the numbers of its cards' templates, from 1: <!-- cards: 1 2 -->",
                    )
                    return None
                ords = tuple(sorted({int(word) - 1 for word in words}))
            else:
                ords = tuple(range(max(len(notetype.templates), 1)))
        else:
            ords = cloze.ords("\x1f".join(values))
        default = said.get("deck") or self.deck_name
        chosen = {
            int(key[5:]) - 1: value for key, value in numbered.items() if value and _number(key[5:])
        }
        return tuple((order, chosen.get(order, default)) for order in ords)


def _fenced(
    block: Token, notetype: NoteType, path: str, offset: int, report: Report
) -> tuple[list[str], tuple[str, ...], str | None, tuple[tuple[int, str], ...]] | None:
    """A note kept as JSON in an ``anki-note`` block: its fields by name, tags, id and decks."""
    assert block.map is not None
    where = Location(path, offset + block.map[0] + 1, 1)
    names = notetype.field_names
    try:
        data: Any = json.loads(block.content)
        if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
            raise ValueError('it holds {"fields": {"NAME": "value", ...}, ...}')
        fields = data["fields"]
        known = set(names)
        unknown = [name for name in fields if name not in known]
        if unknown:
            raise ValueError(f"note type {notetype.name!r} has no field {unknown[0]!r}")
        values = [fields.get(name, "") for name in names]
        tags, guid = data.get("tags", []), data.get("id")
        placed = data.get("card_decks", [])
        strings = [*values, *tags] if isinstance(tags, list) else [1]
        if not all(isinstance(value, str) for value in strings):
            raise TypeError("fields and tags must be strings")
        if guid is not None and not isinstance(guid, str):
            raise TypeError("its id must be a string")
        if not isinstance(placed, list) or not all(
            isinstance(pair, list)
            and len(pair) == 2
            and type(pair[0]) is int
            and 0 <= pair[0] < _MAX_CARD
            and isinstance(pair[1], str)
            for pair in placed
        ):
            raise TypeError("card_decks must be pairs of a card's ord and its deck's name")
        decks = tuple((pair[0], pair[1]) for pair in placed)
        surrogate = next(
            filter(None, map(lone_surrogate, [*strings, *(d for _, d in decks)])), None
        )
        if surrogate is not None:
            raise ValueError(f"{surrogate} is half of a surrogate pair: no character on its own")
    except (ValueError, TypeError, RecursionError) as error:
        report.error(
            where,
            f"the {FENCE_INFO} block is not valid: {error}",
            _RULE,
            'it holds {"fields": {"NAME": "value", ...}, "tags": [...], "id": ...}',
        )
        return None
    return values, tuple(tags), guid or None, decks
