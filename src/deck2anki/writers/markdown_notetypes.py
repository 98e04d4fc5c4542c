"""Markdown for notes of other note types (Anki's Basic, Cloze, Image Occlusion, a user's
own): each note a section of named fields (``readers.markdown_notetypes`` reads it), each
note type a folder of files beside the ``.md`` (``readers.notetype_folder``): templates and
CSS a person edits, and a ``notetype.json`` that keeps what Anki matches it by.

A field is written as Markdown where that renders to exactly the HTML it holds (plain text
does), else the note keeps its fields' HTML as written, marked ``<!-- format: html -->``.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import replace

from ..cards import cloze
from ..cards import notetype as own
from ..cards.unrender import to_markdown
from ..model import Deck, Markup, Note, NoteKind, NoteType, is_cloze
from ..readers.markdown_notetypes import FENCE_INFO
from ..readers.notetype_folder import BACK, CSS, FRONT, MANIFEST, SUFFIX, manifest
from ..readers.notetypes import fingerprint
from .foreign import foreign_ords

# What a file name cannot hold on some system (and what would make it a path): replaced.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_LONGEST = 80


# Names Windows keeps for devices, whatever follows a dot: a folder "CON" cannot be made.
_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", *(f"{port}{n}" for port in ("COM", "LPT") for n in range(10))]
)


def _folded(name: str) -> str:
    """What a file system may take ``name`` for: no case (Windows, macOS), one Unicode form
    (macOS: ``é`` composed and ``e`` + accent are one name there)."""
    return unicodedata.normalize("NFC", name.casefold())


def _file_name(name: str, taken: set[str], fallback: str) -> str:
    """``name`` as a file name no other in ``taken`` has (in any case), deterministic."""
    base = _UNSAFE.sub("_", name).strip(" .")[:_LONGEST].strip(" .") or fallback
    if base.split(".", 1)[0].rstrip(" ").upper() in _DEVICES:
        base = f"_{base}"
    candidate, number = base, 2
    while _folded(candidate) in taken:
        candidate, number = f"{base} ({number})", number + 1
    taken.add(_folded(candidate))
    return candidate


def folder_names(notetypes: tuple[NoteType, ...]) -> dict[int, str]:
    """Each note type's folder in ``NAME.notetypes/``, by id: its name, made a file name."""
    taken: set[str] = set()
    return {nt.id: _file_name(nt.name, taken, "notetype") for nt in notetypes}


def side_files(deck: Deck, stem: str) -> dict[str, bytes]:
    """The files of ``deck``'s note types, by path from the folder of ``stem``.md: one folder
    per note type in ``stem.notetypes/``."""
    out: dict[str, bytes] = {}
    names = folder_names(deck.notetypes)
    for notetype in deck.notetypes:
        folder = f"{stem}{SUFFIX}/{names[notetype.id]}"
        taken = {MANIFEST.casefold(), CSS.casefold()}
        sides = []
        for index, template in enumerate(notetype.templates, start=1):
            base = _file_name(template.name, taken, f"Card {index}")
            sides.append((base + FRONT, base + BACK))
            out[f"{folder}/{base}{FRONT}"] = template.front.encode("utf-8")
            out[f"{folder}/{base}{BACK}"] = template.back.encode("utf-8")
        out[f"{folder}/{CSS}"] = notetype.css.encode("utf-8")
        out[f"{folder}/{MANIFEST}"] = manifest(notetype, sides, CSS).encode("utf-8")
    return out


def _own_cloze(notetype: NoteType) -> bool:
    """Whether ``notetype`` is deck2anki's shared cloze note type exactly as a conversion
    writes it again (id, name, fields, template, CSS): its notes can then be written as
    deck2anki's own cloze cards, which read back into this very note type."""
    name, front, back = cloze.TEMPLATE
    return (
        (notetype.id, notetype.name) == cloze.identity(own.ID, own.NAME)
        and notetype.kind is NoteKind.CLOZE
        and notetype.field_names == cloze.FIELDS
        and [(t.name, t.front, t.back) for t in notetype.templates]
        == [(name, own.template_text(front), own.template_text(back))]
        and notetype.css == own.cloze_css()
    )


def native_clozes(deck: Deck) -> Deck:
    """``deck`` with the notes of deck2anki's own cloze note type (``_own_cloze``) made notes
    of deck2anki's own again, written as ``## ... {{c1::...}}`` cards as their source had
    them, not as notes of another note type with a folder of files (issue 16). Their GUIDs,
    times and fields stay. All of them or none: a package cannot hold that note type and
    deck2anki's own cloze notes under one id, so if one cannot (a card in another deck, no
    cloze in its text), none is."""
    if not any(_own_cloze(notetype) for notetype in deck.notetypes):
        return deck

    def native(note: Note) -> bool:
        return all(name == deck.name for _, name in note.decks) and is_cloze(note.fields[0])

    ours = {notetype.id for notetype in deck.notetypes if _own_cloze(notetype)}
    for note in deck.notes:
        if note.notetype is not None and note.notetype.id in ours and not native(note):
            ours.discard(note.notetype.id)
    if not ours:
        return deck
    notes = tuple(
        _as_own(note) if note.notetype is not None and note.notetype.id in ours else note
        for note in deck.notes
    )
    kept = tuple(notetype for notetype in deck.notetypes if notetype.id not in ours)
    return replace(deck, notes=notes, notetypes=kept)


def _as_own(note: Note) -> Note:
    """A note of deck2anki's cloze note type as a note of deck2anki's own, in Anki's HTML."""
    text, extra, analogy = note.fields
    return Note(
        text, extra, analogy, note.tags, note.guid, Markup.HTML, note.location, mod=note.mod
    )


def tree_lines(deck: Deck) -> list[str]:
    """The front matter's ``decks:``, when the decks say more than ``deck:`` and
    ``description:`` do: other decks a note's cards are in, descriptions as Anki's HTML."""
    parts = deck.name.split("::")
    parents = {"::".join(parts[:depth]) for depth in range(1, len(parts))}
    implied = {(name, "") for name in parents} | {(deck.name, html.escape(deck.description))}
    if all(entry in implied for entry in deck.tree):
        return []
    rows = [json.dumps(list(pair), ensure_ascii=False) for pair in deck.tree]
    return ["decks:", *(f"  - {row}" for row in rows)]


def placement(note: Note, deck_name: str) -> tuple[tuple[int, str], ...]:
    """Each card of a note of another note type, and its deck, as a package gets them
    (``foreign.placed``): the file's deck where the note names none."""
    where = dict(note.decks)
    first = note.decks[0][1] if note.decks else deck_name
    return tuple((order, where.get(order, first)) for order in foreign_ords(note))


# A line that starts a heading, a setext underline, a fence, an HTML block that runs to its
# end tag, or a link definition (which reaches every note), and what the reader takes for a
# line break: a field without them cannot move a heading or reach past one.
_OPENS = re.compile(
    r"(?:^|\n) {0,3}(?:[#=~-]|```|<(?:pre|script|style|textarea|[!?])"
    r"|\[(?:[^\]\n]*(?:\n|$)|[^\n]*\]:))|[\r\x00\x0b\x0c]",
    re.I,
)


def _comment_safe(value: str) -> bool:
    return bool(value) and value == value.strip() and value.isprintable() and "-->" not in value


class Section:
    """The ways one note of another note type can be written, most editable first:
    ``first``, then ``candidates`` (made only when the first does not read back), then
    ``fenced``; ``plain``: the first reads back as written without reading it."""

    def __init__(self, note: Note, folder: str, deck_name: str, deck_tags: tuple[str, ...]):
        assert note.notetype is not None
        self.note, self.folder = note, folder
        self.deck_name, self.deck_tags = deck_name, deck_tags
        converted = [to_markdown(value) for value in note.fields]
        self._ways: list[tuple[list[str], Markup]] = []
        if all(value is not None for value in converted):
            self._ways.append(([value or "" for value in converted], Markup.MARKDOWN))
        self._ways.append((list(note.fields), Markup.HTML))
        self.first = self._text(*self._ways[0])
        self.plain = self._plain(*self._ways[0])

    @property
    def candidates(self) -> list[str]:
        """Every way but the JSON block, the first first."""
        return [self.first, *(self._text(*way) for way in self._ways[1:])]

    def _comments(self, markup: Markup) -> list[str]:
        note = self.note
        lines = [f"<!-- notetype: {self.folder} -->"]
        if note.guid:
            lines.append(f"<!-- id: {note.guid} -->")
        own = [tag for tag in note.tags if tag not in self.deck_tags]
        if own:
            lines.append(f"<!-- tags: {' '.join(own)} -->")
        if note.decks:
            placed = placement(note, self.deck_name)
            assert note.notetype is not None
            ords = tuple(order for order, _ in placed)
            every = tuple(range(max(len(note.notetype.templates), 1)))
            if note.notetype.kind is NoteKind.STANDARD and ords != every:
                lines.append(f"<!-- cards: {' '.join(str(o + 1) for o in ords)} -->")
            default = placed[0][1] if placed else self.deck_name
            if default != self.deck_name:
                lines.append(f"<!-- deck: {default} -->")
            lines += [f"<!-- deck {o + 1}: {d} -->" for o, d in placed if d != default]
        if markup is Markup.HTML:
            lines.append("<!-- format: html -->")
        if note.mod is not None:
            lines.append(f"<!-- mod: {note.mod} {fingerprint(note)} -->")
        return lines

    def _text(self, texts: list[str], markup: Markup) -> str:
        assert self.note.notetype is not None
        names = self.note.notetype.field_names
        lines = [f"## {texts[0]}" if texts[0] else "##", *self._comments(markup)]
        for name, text in zip(names[1:], texts[1:], strict=True):
            if text:
                lines += ["", f"### {name}", "", text]
        return "\n".join(lines)

    def _plain(self, texts: list[str], markup: Markup) -> bool:
        """Whether the first way reads back as written, on its own and among others: each
        field's text is taken as written between the headings (and rendered as it was when
        Markdown), so only what could move a heading or reach past one matters."""
        from .markdown import plain_words

        assert self.note.notetype is not None
        heading = texts[0]
        if not heading or "\n" in heading or heading.endswith("#"):
            return False
        if any(text != text.strip() or _OPENS.search(text) for text in texts if text):
            return False
        names = self.note.notetype.field_names
        if any(not _comment_safe(name) or "#" in name for name in names):
            return False
        decks = [deck for _, deck in self.note.decks]
        if not all(map(_comment_safe, [self.folder, *decks])):
            return False
        return plain_words([*self.note.tags, *([self.note.guid] if self.note.guid else [])])

    def fenced(self) -> str:
        """The note as JSON in an ``anki-note`` block: what no section says exactly."""
        note = self.note
        assert note.notetype is not None
        names = note.notetype.field_names
        data: dict[str, object] = {
            "fields": {name: value for name, value in zip(names, note.fields, strict=True)},
            "tags": [tag for tag in note.tags if tag not in self.deck_tags],
        }
        if note.guid:
            data["id"] = note.guid
        if note.decks:
            data["card_decks"] = [list(pair) for pair in note.decks]
        body = json.dumps(data, ensure_ascii=False, indent=2)
        heading = " ".join(note.fields[0].split()) if note.fields else ""
        lines = [f"## {heading}" if heading else "##", f"<!-- notetype: {self.folder} -->"]
        if note.mod is not None:
            lines.append(f"<!-- mod: {note.mod} {fingerprint(note)} -->")
        return "\n".join(lines) + f"\n\n```{FENCE_INFO}\n{body}\n```"


def same(got: Note, want: Note, deck_name: str) -> bool:
    """Whether a note of another note type read back is the note written."""
    return (
        got.notetype is not None
        and want.notetype is not None
        and got.notetype.id == want.notetype.id
        and got.fields == want.fields
        and got.guid == want.guid
        and set(got.tags) == set(want.tags)
        and placement(got, deck_name) == placement(want, deck_name)
    )
