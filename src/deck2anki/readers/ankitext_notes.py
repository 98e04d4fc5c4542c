"""The notes of Anki's text export, its rows read (``readers.ankitext``): each row a note of
the note type it names, in the deck it names.

- A note type deck2anki made (``deck2anki (v1)``, a project's ``... (deck2anki)`` and their
  cloze note types), or none named at all: deck2anki's own notes, as before.
- One of Anki's stock note types (Basic, Cloze, ...): made again as Anki defines it.
- Any other: a note type of the fields the file shows, and one warning that its templates
  and CSS were not in the file.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass

from ..cards.generated import card_ords
from ..errors import Report
from ..model import Deck, Location, Markup, Note, NoteKind, NoteType, is_cloze
from . import losses
from .delimited import COLUMNS
from .notetypes import common_parent, deck_tree, foreign_note
from .stock_notetypes import has_cloze, made_up, stock

_ANALOGY_NAMES = ("analogy", "extra", "back extra")
_SWITCHES = ("add reverse", "add type-in")
_OWN = "\x00own"
_NO_CARDS: frozenset[str] = frozenset()
MAX_FIELDS = 1000
"""The most fields deck2anki gives a note type it makes of a text export's columns: Anki's
own have two to five, a user's rarely tens; a file of a million separators on one line is
not a note type of a million fields."""  # the key of deck2anki's own notes among the note types


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the file: where it starts, its cells, which hold the GUID, note type, deck
    and tags (0-based), and the others: its fields, in order."""

    location: Location
    cells: list[str]
    meta: dict[str, int]
    values: list[str]

    def get(self, what: str) -> str:
        index = self.meta.get(what)
        return self.cells[index] if index is not None and index < len(self.cells) else ""


def own_kind(name: str) -> str | None:
    """``"basic"`` or ``"cloze"`` for the name of a note type deck2anki made
    (``deck2anki (v1)``, ``Biology (deck2anki)``, ``Biology cloze (deck2anki v2)``), else None."""
    label, paren, rest = name.rpartition(" (")
    if not paren or not rest.endswith(")"):
        return None
    version = rest[:-1]
    ours = version == "deck2anki" or (version.startswith("deck2anki v") and version[11:].isdigit())
    shared = label in ("deck2anki", "deck2anki cloze") and (
        version.startswith("v") and version[1:].isdigit()
    )
    if not (ours or shared):
        return None
    return "cloze" if label.endswith(" cloze") or label == "deck2anki cloze" else "basic"


def read_rows(
    rows: list[Row],
    *,
    path: str,
    labels: list[str],
    is_html: bool,
    notetype: str,
    deck: str,
    tags: tuple[str, ...],
    named_fields: dict[str, tuple[str, ...]],
    keeping: bool,
    to_text: bool,
    report: Report,
) -> Deck:
    """The notes of ``rows``; ``notetype``, ``deck`` and ``tags`` are the head's, for every
    row; ``labels`` the ``#columns:`` names; ``named_fields`` deck2anki's header; ``keeping``:
    the output holds note types; ``to_text``: it is Anki's text again (which updates a
    collection by note type name)."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        name = row.get("notetype").strip() if "notetype" in row.meta else notetype
        key = _OWN if not name or own_kind(name) else name
        groups.setdefault(key, []).append(row)
    meta = _meta(rows)
    field_labels = [label for index, label in enumerate(labels) if index not in meta]
    notetypes: dict[str, NoteType] = {}
    for name, members in groups.items():
        if name != _OWN:
            notetypes[name] = _notetype(
                name, members, named_fields, field_labels, len(groups) == 1, keeping, report
            )
    notes: list[Note] = []
    picks: dict[str, list[int | None] | None] = {}
    decks: Counter[str] = Counter()
    dropped_cells = 0
    own_name = ""
    lost = losses.Losses()
    for row in rows:
        name = row.get("notetype").strip() if "notetype" in row.meta else notetype
        deck_name = row.get("deck").strip() if "deck" in row.meta else deck
        if deck_name:
            decks[deck_name] += 1
        # The head's tags (each once already) are one tuple for every row that adds none.
        own_tags = row.get("tags").split()
        row_tags = tuple(dict.fromkeys([*tags, *own_tags])) if own_tags else tags
        guid = row.get("guid").strip() or None
        if name in notetypes:
            values = row.values
            if "notetype" not in row.meta and field_labels:
                if name not in picks:  # once per note type: the labels may be a million
                    picks[name] = _by_label(notetypes[name].field_names, field_labels)
                values = _picked(picks[name], values)
            note = _foreign(row, values, notetypes[name], is_html, row_tags, guid, deck_name)
            if not keeping:
                losses.tally(note, lost)
        else:
            own_name = own_name or name
            place = ((0, deck_name),) if deck_name else ()
            mine, dropped = _own(
                row, field_labels, bool(name), is_html, row_tags, guid, place, report
            )
            dropped_cells += dropped
            if mine is None:
                continue
            note = mine
        notes.append(note)
    where = Location(path)
    if dropped_cells:
        report.warning(
            rows[0].location,
            # Rows, not notes of a note type: the file does not say whose notes they are.
            "the file names no note type: fields past the question, answer and analogy of"
            f" {dropped_cells} {'row' if dropped_cells == 1 else 'rows'}"
            " have no place in a deck2anki note and are not kept",
            "lossy-conversion",
            "export from Anki with the note type column, or name the columns with #columns:",
        )
    pinned = sum(1 for note in notes if note.notetype is not None and note.guid)
    if keeping and pinned and not to_text:
        # ANKI-FACTS 5: a note whose note type differs (here: by id) is not updated.
        report.warning(
            where,
            f"Anki's text export names note types, not their ids: imported over the collection"
            f" it came from, the {pinned} {'note' if pinned == 1 else 'notes'} of"
            f" {len(notetypes)} note {'type' if len(notetypes) == 1 else 'types'}"
            f" {'is left there as it is' if pinned == 1 else 'are left there as they are'}"
            f" (Anki reports {'it' if pinned == 1 else 'them'} conflicting) and the note"
            f" {'type is added as a copy' if len(notetypes) == 1 else 'types are added as copies'}",
            "notetype-fork",
            "to update that collection, import this file itself in Anki (File > Import);"
            " the converted deck is for other collections",
        )
    if not keeping:
        losses.say(where, report, lost, [])
        if len(decks) > 1:
            report.warning(
                where,
                f"notes of {len(decks)} decks are read as one deck: {', '.join(sorted(decks))}",
                "lossy-conversion",
                "convert to apkg or json to keep every deck",
            )
    if not notes and not report.has_errors:
        report.error(Location(path, 1, 1), "no cards found", "no-cards")
    used = sorted(decks)
    name = common_parent(used) or (decks.most_common(1)[0][0] if decks else deck)
    return Deck(
        name=name,
        notes=tuple(notes),
        notetype=own_name,
        notetypes=tuple(sorted(notetypes.values(), key=lambda n: n.id)),
        tree=deck_tree({}, set(used)) if used else (),
    )


def _meta(rows: list[Row]) -> set[int]:
    return set(rows[0].meta.values()) if rows else set()


def _notetype(
    name: str,
    rows: list[Row],
    named_fields: dict[str, tuple[str, ...]],
    labels: list[str],
    alone: bool,
    keeping: bool,
    report: Report,
) -> NoteType:
    """The note type ``name`` the ``rows`` name: Anki's stock one when its notes fit it,
    else one of their fields (and a warning, if it is kept, that its templates are not in
    the file)."""
    made = stock(name)
    widest = max(_last_filled(row.values) for row in rows)
    fits = made is not None and widest <= len(made.fields)
    if made is not None and fits and named_fields.get(name, made.field_names) == made.field_names:
        return made
    if name in named_fields:
        fields = list(named_fields[name])
    elif alone:
        # The only note type of the file: every field column is one of its fields.
        width = max(len(row.values) for row in rows)
        fields = labels[:width] if len(labels) >= width else []
        fields = fields or [f"Field {index}" for index in range(1, width + 1)]
    else:
        # Anki pads each row to the widest note type's fields: its last filled one ends it.
        fields = [f"Field {index}" for index in range(1, max(widest, 1) + 1)]
    if len(fields) > MAX_FIELDS:
        report.error(
            rows[0].location,
            f"note type {name!r}: {len(fields):,} fields, more than the {MAX_FIELDS:,}"
            " deck2anki makes a note type of",
            "bad-csv",
            "check the separator the file names (#separator:) and the quoting of its rows",
        )
        return made_up(name, fields[:MAX_FIELDS], ())
    count = len(fields)
    cloze_fields = sorted(
        {index for row in rows for index, v in enumerate(row.values[:count]) if has_cloze(v)}
    )
    notetype = made_up(name, fields, cloze_fields)
    if keeping:
        why = (
            f"its notes hold more fields than Anki's {name} has ({len(made.fields)}); "
            if made is not None
            else ""
        )
        names = notetype.field_names
        shown = ", ".join(names) if len(names) <= 8 else f"{names[0]} to {names[-1]}"
        what = "a cloze card" if notetype.kind is NoteKind.CLOZE else "one card"
        report.warning(
            rows[0].location,
            f"note type {name!r} ({len(rows)} {'note' if len(rows) == 1 else 'notes'}): {why}its"
            f" card templates and CSS are not in the file; made with the fields {shown} and"
            f" {what} showing them",
            "lossy-conversion",
            "export the deck from Anki as a package (.apkg) to keep its note type whole",
        )
    return notetype


def _last_filled(values: list[str]) -> int:
    """How many of ``values`` there are up to the last that is not empty."""
    return next((len(values) - i for i, v in enumerate(reversed(values)) if v.strip()), 0)


def _by_label(fields: tuple[str, ...], labels: list[str]) -> list[int | None] | None:
    """The column of each of ``fields``, by their ``#columns:`` names, as Anki maps them
    for the note type a file's head names: a field no column names has none, but the
    first, which takes the first column; None when no column names a field (then the
    columns are the fields in order)."""
    wanted = set(fields)
    where: dict[str, int] = {}
    for index, label in enumerate(labels):
        if label in wanted:
            where.setdefault(label, index)
    if not where:
        return None
    picked = [where.get(name) for name in fields]
    picked[0] = 0 if picked[0] is None else picked[0]
    return picked


def _picked(picked: list[int | None] | None, values: list[str]) -> list[str]:
    """A row's ``values`` in the order ``_by_label`` picked."""
    if picked is None:
        return values
    return [values[i] if i is not None and i < len(values) else "" for i in picked]


def _foreign(
    row: Row,
    values: list[str],
    notetype: NoteType,
    is_html: bool,
    tags: tuple[str, ...],
    guid: str | None,
    deck: str,
) -> Note:
    values = values[: len(notetype.fields)]
    values += [""] * (len(notetype.fields) - len(values))
    if not is_html:  # as Anki imports text: escaped, its line breaks <br>
        values = [html.escape(v).replace("\n", "<br>") for v in values]
    if notetype.kind is NoteKind.STANDARD:
        ords = card_ords(notetype, values) if notetype.stock_kind else (0,)
    else:
        ords = (0,)
    decks = tuple((order, deck) for order in ords) if deck else ()
    return foreign_note(notetype, values, tags, guid, row.location, decks=decks)


def _own(
    row: Row,
    labels: list[str],
    named: bool,
    is_html: bool,
    tags: tuple[str, ...],
    guid: str | None,
    decks: tuple[tuple[int, str], ...],
    report: Report,
) -> tuple[Note | None, int]:
    """A note of deck2anki's own note type; and 1 if the row holds fields it drops. Columns
    named by ``#columns:`` map by name; a note type deck2anki made has its fields in order
    (Question, Answer, Analogy, Add Reverse, Add Type-in; or Text, Back Extra, Analogy);
    with neither, the first two columns are the question and the answer."""
    values = row.values
    padded = values if len(values) >= 5 else [*values, "", "", "", "", ""]
    by_name = (
        {label.strip().lower(): v for label, v in zip(labels, values, strict=False)}
        if labels
        else {}
    )
    if by_name:

        def named_as(names: tuple[str, ...]) -> str | None:
            return next((by_name[n] for n in names if n in by_name), None)

        question = named_as((*COLUMNS["question"], "front", "text"))
        answer = named_as((*COLUMNS["answer"], "back"))
        analogy = named_as(_ANALOGY_NAMES) or ""
        switches = (by_name.get("add reverse", ""), by_name.get("add type-in", ""))
        known = {*COLUMNS["question"], *COLUMNS["answer"], *_ANALOGY_NAMES, *_SWITCHES, "text"}
        dropped = any(v.strip() for n, v in by_name.items() if n not in known)
        question = padded[0] if question is None else question
        answer = padded[1] if answer is None else answer
    elif named:
        question, answer, analogy = padded[:3]
        switches = (padded[3], padded[4])
        dropped = any(v.strip() for v in values[5:])
    else:
        question, answer, analogy = padded[0], padded[1], ""
        switches = ("", "")
        dropped = len(values) > 2 and any(v.strip() for v in values[2:])
    if not question.strip() or (not answer.strip() and not is_cloze(question)):
        report.error(
            row.location,
            "row without a question or an answer",
            "empty-field",
            ""
            if named or by_name
            else "the file names no note type: export from Anki with the note type column"
            " to keep its notes as they are",
        )
        return None, int(dropped)
    on = (switches[0].strip(), switches[1].strip())
    # One empty set for the usual note without optional cards (this runs once per row).
    cards = (
        frozenset(c for c, o in zip(("Reverse", "Type-in"), on, strict=True) if o)
        if any(on)
        else _NO_CARDS
    )
    markup = Markup.HTML if is_html else Markup.TEXT
    note = Note(question, answer, analogy, tags, guid, markup, row.location, cards, decks=decks)
    return note, int(dropped)
