"""Note types as Anki packages hold them, read into ``NoteType``: schema 11 keeps each as a
JSON object in ``col.models``, schema 18 in the ``notetypes``, ``fields`` and ``templates``
tables, with their settings as protobuf messages (``Notetype.Config`` and its kin in Anki's
``notetypes.proto``; the field numbers below are that file's)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

from ..cards.notetype import FIELDS as OWN_FIELDS
from ..model import CardTemplate, Location, Markup, Note, NoteField, NoteKind, NoteType
from . import ankidb

_IMAGE_OCCLUSION = 6
"""Anki's ``StockNotetype.OriginalStockKind.ORIGINAL_STOCK_KIND_IMAGE_OCCLUSION``."""


def is_own(notetype: NoteType) -> bool:
    """Whether a package's note type is deck2anki's own (any version, any project's name):
    it has our fields, by name (their ids are ours too, but older packages lack them)."""
    return notetype.field_names == OWN_FIELDS


_LATEST = 253402300799  # the last second of the year 9999: a later mod fits no zip or Anki

MAX_TEMPLATES = 500
"""The most card templates a note type may have: as many cards as a cloze note can have
(``cloze.MAX_NUMBER``). Anki's own note types have one to three, a user's rarely tens; each
template is a card of every note, so thousands of them turn a small file into millions."""

# Characters Anki removes from a field name, and those it strips from its start (rslib's
# NoteField::fix_name): a name holding one is not the name Anki would keep.
_RENAMED_ANYWHERE = frozenset(':{}"')
_RENAMED_AT_START = frozenset("#/^")


def unfit(notetype: NoteType) -> str | None:
    """What Anki would refuse or change in a note type, so that a package holding it would
    not import as written: None when nothing."""
    if not 0 < notetype.id < 1 << 63:
        return f"id {notetype.id} is no note type id: it must be a positive whole number"
    if not 0 <= notetype.mod <= _LATEST:
        return f"mod {notetype.mod} must be whole seconds since 1970, up to the year 9999"
    if len(notetype.templates) > MAX_TEMPLATES:
        return (
            f"{len(notetype.templates):,} card templates, more than the {MAX_TEMPLATES}"
            " deck2anki writes"
        )
    seen: dict[str, str] = {}
    for name in notetype.field_names:
        if not name.strip():
            return "a field has an empty name: Anki refuses it"
        bad = sorted(set(name) & _RENAMED_ANYWHERE)
        if bad or name[0] in _RENAMED_AT_START or name != name.strip():
            what = f"holds {bad[0]!r}" if bad else "starts or ends with a character Anki drops"
            return f"field {name!r} {what}: Anki would rename it"
        if (folded := name.casefold()) in seen:
            return f"fields {seen[folded]!r} and {name!r} differ only in case: Anki renames one"
        seen[folded] = name
    return None


class ProtobufError(ValueError):
    """A protobuf message that does not parse; a damaged package."""


def varints(data: bytes) -> Iterator[tuple[int, int, bytes | int]]:
    """Protobuf wire format: (field number, wire type, value) for each field in ``data``."""
    position = 0

    def varint() -> int:
        nonlocal position
        value = shift = 0
        while True:
            if position >= len(data) or shift > 70:
                raise ProtobufError("truncated protobuf")
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    while position < len(data):
        key = varint()
        number, kind = key >> 3, key & 7
        if kind == 0:
            yield number, kind, varint()
        elif kind == 2:
            size = varint()
            yield number, kind, data[position : position + size]
            position += size
        elif kind == 5:
            position += 4
        elif kind == 1:
            position += 8
        else:
            raise ProtobufError(f"unexpected protobuf wire type {kind}")


def _message(data: bytes) -> dict[int, bytes | int]:
    """A message's fields by number (the last one wins, as protobuf says for scalars)."""
    return {number: value for number, _, value in varints(data)}


def _text(message: dict[int, bytes | int], number: int) -> str:
    value = message.get(number, b"")
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else ""


def _int(message: dict[int, bytes | int], number: int, signed: bool = False) -> int:
    value = message.get(number, 0)
    if not isinstance(value, int):
        return 0
    # int64 in protobuf: a negative number is its 64-bit two's complement.
    return value - (1 << 64) if signed and value >= 1 << 63 else value


def _kind(cloze: bool, stock: int) -> NoteKind:
    if not cloze:
        return NoteKind.STANDARD
    return NoteKind.IMAGE_OCCLUSION if stock == _IMAGE_OCCLUSION else NoteKind.CLOZE


def from_schema11(mid: int, model: dict[str, Any]) -> NoteType:
    """A note type from its JSON object in ``col.models`` (ids of fields and templates kept
    when Anki 2.1.67+ wrote them)."""
    where = f"col.models: note type {mid}"
    fields, templates = model.get("flds"), model.get("tmpls", [])
    if not isinstance(fields, list):
        raise ankidb.Damaged(f"{where}: flds is not a list of fields")
    if not isinstance(templates, list):
        raise ankidb.Damaged(f"{where}: tmpls is not a list of templates")
    for index, item in enumerate([*fields, *templates]):
        if not isinstance(item, dict):
            raise ankidb.Damaged(f"{where}: field or template {index} is not a JSON object")

    def number(value: object) -> int | None:
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def string(value: object, what: str) -> str:
        return ankidb.text("" if value is None else str(value), f"{where}: {what}")

    stock = number(model.get("originalStockKind")) or 0
    return NoteType(
        name=string(model.get("name", ""), "name"),
        id=mid,
        fields=tuple(
            NoteField(ankidb.text(f.get("name"), f"{where}: field {i}: name"), number(f.get("id")))
            for i, f in enumerate(fields)
        ),
        templates=tuple(
            CardTemplate(
                string(t.get("name", ""), f"template {i}: name"),
                string(t.get("qfmt", ""), f"template {i}: qfmt"),
                string(t.get("afmt", ""), f"template {i}: afmt"),
                number(t.get("id")),
            )
            for i, t in enumerate(templates)
        ),
        css=string(model.get("css", ""), "css"),
        kind=_kind(model.get("type") == 1, stock),
        sort_field=number(model.get("sortf")) or 0,
        latex_pre=string(model.get("latexPre", ""), "latexPre"),
        latex_post=string(model.get("latexPost", ""), "latexPost"),
        latex_svg=bool(model.get("latexsvg", False)),
        mod=number(model.get("mod")) or 0,
        stock_kind=stock,
    )


def _column(database: ankidb.Collection, table: str, column: str, default: str) -> str:
    """``column`` if ``table`` has it, else an SQL literal that stands for it."""
    return column if column in database.columns(table) else default


def from_schema18(database: ankidb.Collection) -> dict[int, NoteType]:
    """Every note type of a schema 18 collection, by id."""
    fields: dict[int, list[NoteField]] = {}
    # Anki writes every column below; a collection without one (an older or a hand-made
    # one) reads with the defaults Anki's protobuf messages have.
    config = _column(database, "fields", "config", "x''")
    query = f"SELECT ntid, ord, name, {config} FROM fields ORDER BY ntid, ord"
    for ntid, order, name, config in database.rows("fields", query):
        where = f"fields (note type {ankidb.label(ntid)}, ord {ankidb.label(order)})"
        message = _message(ankidb.blob(config, f"{where}: config"))
        field_id = _int(message, 9, signed=True) or None
        fields.setdefault(ntid, []).append(NoteField(ankidb.text(name, f"{where}: name"), field_id))
    templates: dict[int, list[CardTemplate]] = {}
    query = "SELECT ntid, ord, name, config FROM templates ORDER BY ntid, ord"
    if not database.columns("templates") >= {"ntid", "ord", "name", "config"}:
        query = "SELECT 0, 0, '', x'' WHERE 0"
    for ntid, order, name, config in database.rows("templates", query):
        where = f"templates (note type {ankidb.label(ntid)}, ord {ankidb.label(order)})"
        message = _message(ankidb.blob(config, f"{where}: config"))
        templates.setdefault(ntid, []).append(
            CardTemplate(
                ankidb.text(name, f"{where}: name"),
                _text(message, 1),
                _text(message, 2),
                _int(message, 8, signed=True) or None,
            )
        )
    notetypes = {}
    mtime = _column(database, "notetypes", "mtime_secs", "0")
    config = _column(database, "notetypes", "config", "x''")
    query = f"SELECT id, name, {mtime}, {config} FROM notetypes"
    for ntid, name, mod, config in database.rows("notetypes", query):
        where = f"notetypes id {ankidb.label(ntid)}"
        message = _message(ankidb.blob(config, f"{where}: config"))
        stock = _int(message, 9)
        notetypes[ntid] = NoteType(
            name=ankidb.text(name, f"{where}: name"),
            id=ntid,
            fields=tuple(fields.get(ntid, ())),
            templates=tuple(templates.get(ntid, ())),
            css=_text(message, 3),
            kind=_kind(_int(message, 1) == 1, stock),
            sort_field=_int(message, 2),
            latex_pre=_text(message, 5),
            latex_post=_text(message, 6),
            latex_svg=bool(_int(message, 7)),
            mod=mod if isinstance(mod, int) else 0,
            stock_kind=stock,
        )
    return notetypes


_ANALOGY_FIELDS = ("analogy", "extra", "back extra")
# Our note type's switch fields, and the optional card each one asks for.
SWITCHES = {"add reverse": "Reverse", "add type-in": "Type-in"}


def basic_view(names: list[str], values: list[str], guid: str, tags: str) -> Note:
    """Map one note's fields: ours by name; others' first to Question, second to Answer."""
    lowered = [name.lower() for name in names]
    if "question" in lowered and "answer" in lowered:
        picked = [lowered.index("question"), lowered.index("answer")]
    else:
        picked = [0, 1]
    # A field named Analogy or Extra is the analogy, unless it already is the answer
    # (Cloze's second field is Back Extra).
    extras = [i for i, name in enumerate(lowered) if name in _ANALOGY_FIELDS and i not in picked]
    extra = min(extras, key=lambda i: _ANALOGY_FIELDS.index(lowered[i]), default=None)
    padded = [*values, "", ""]
    question, answer = padded[picked[0]], padded[picked[1]]
    analogy = padded[extra] if extra is not None and extra < len(values) else ""
    cards = frozenset(
        card
        for index, name in enumerate(lowered)
        if (card := SWITCHES.get(name)) and index < len(values) and values[index].strip()
    )
    return Note(
        question=question,
        answer=answer,
        analogy=analogy,
        tags=tuple(tags.split()),
        guid=guid,
        markup=Markup.HTML,
        cards=cards,
    )


def foreign_note(
    notetype: NoteType,
    values: Sequence[str],
    tags: tuple[str, ...],
    guid: str | None,
    location: Location | None,
    mod: int | None = None,
    decks: tuple[tuple[int, str], ...] = (),
) -> Note:
    """A note of ``notetype``, a note type not deck2anki's, as a reader of text makes it
    (Markdown, JSON, Anki's text export): every field's value kept, and the fields
    ``basic_view`` picks shown as deck2anki's question, answer and analogy."""
    view = basic_view(list(notetype.field_names), list(values), guid or "", "")
    return Note(
        view.question,
        view.answer,
        view.analogy,
        tags,
        guid,
        Markup.HTML,
        location,
        view.cards,
        notetype,
        tuple(values),
        mod,
        decks,
    )


def fingerprint(note: Note) -> str:
    """A short hash of what a user edits in a note: a format that carries the note's ``mod``
    carries this beside it, so that a note edited there is known as changed."""
    if note.notetype is not None:  # its fields as Anki holds them; the rest is derived
        parts: tuple[str, ...] = (*note.fields, " ".join(note.tags))
    else:
        parts = (note.question, note.answer, note.analogy, " ".join(note.tags), note.markup.value)
        parts += tuple(sorted(note.cards))
    text = "\x1f".join(parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def with_source(
    note: Note,
    notetype: NoteType,
    values: list[str],
    mod: object,
    cards: tuple[tuple[int, str], ...],
) -> Note:
    """The note with what a package says beyond a deck2anki note: its time and its cards'
    decks; and, of a note type not deck2anki's, the note type and every field's value."""
    own = is_own(notetype)
    padded = (*values, *[""] * (len(notetype.fields) - len(values)))[: len(notetype.fields)]
    n = note
    # The constructor, not dataclasses.replace: this runs once per note of every package.
    return Note(
        n.question,
        n.answer,
        n.analogy,
        n.tags,
        n.guid,
        n.markup,
        n.location,
        n.cards,
        None if own else notetype,
        () if own else padded,
        mod if isinstance(mod, int) and 0 <= mod <= _LATEST else None,
        cards,
    )


def deck_tree(decks: dict[int, tuple[str, str]], used: set[str]) -> tuple[tuple[str, str], ...]:
    """The decks that hold cards and their parents, by name: (name, description)."""
    by_name = dict(decks.values())
    names: set[str] = set()
    for name in used:
        parts = name.split("::")
        names.update("::".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return tuple((name, by_name.get(name, "")) for name in sorted(names))


def common_parent(names: list[str]) -> str:
    """The deck all of ``names`` are in or under; "" when they have none in common."""
    if not names:
        return ""
    split = [name.split("::") for name in names]
    common = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) > 1:
            break
        common.append(parts[0])
    return "::".join(common)
