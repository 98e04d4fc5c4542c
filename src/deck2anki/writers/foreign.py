"""What an .apkg holds beyond deck2anki's own notes: note types of other tools (Anki's Basic,
Cloze, a user's own), written back as they were read, and the decks each card was in.

Written so that a package read and written again updates the collection it came from: the
note type keeps its id, its fields' and templates' names, order and ids, and its ``mod``
(ANKI-FACTS 5 and 6); a note keeps its GUID and ``mod`` (ANKI-FACTS 1 and 2).
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..cards import cloze, generated
from ..cards import notetype as own_notetype
from ..cards.notetype import Templates, card_ords, card_templates
from ..identity.guids import deck_id
from ..model import NoteKind, NoteType
from ..readers.markdown_media import html_image_sources

if TYPE_CHECKING:
    from ..model import Note
    from .apkg import PackageNote


@functools.cache
def _own_templates() -> Templates:
    return card_templates(own_notetype.genanki_model())


def foreign_ords(note: Note) -> tuple[int, ...]:
    """The ords of the cards a note of a foreign note type has: for a cloze note type one
    per cloze number its fields hold (a number added by an edit makes its card); for a
    standard one those the source placed in decks, or those Anki makes of its fields if it
    says nothing."""
    given = {order for order, _ in note.decks}
    kind = note.notetype.kind if note.notetype is not None else NoteKind.STANDARD
    if kind is not NoteKind.STANDARD:
        # Anki's rule, as for deck2anki's own cloze: a card per cloze number in any field,
        # numbers past cloze.MAX_NUMBER the card of the last. A card the source placed whose
        # number no field holds would be a blank card: not made (its deck is just unused).
        return cloze.ords("\x1f".join(note.fields))
    if note.notetype is None:
        return (0,)
    # A card of a template the note type lacks is no card Anki could show.
    given = {order for order in given if order < len(note.notetype.templates)}
    made = generated.card_ords(note.notetype, note.fields)
    if given and note.mod is not None:
        return tuple(sorted(given))
    # A note new or edited since (its time unknown) also has each card Anki makes of its
    # fields, as Anki gives a note it adds or edits: a reverse asked for in the Markdown
    # (Add Reverse filled in) was never made, <!-- cards: 1 --> said only the old cards.
    return tuple(sorted(given.union(made)))


def placed(package_note: PackageNote, note: Note) -> PackageNote:
    """``package_note`` (rendered from ``note``) with what the source said of ``note``: its
    time, its note type and every field of a foreign one, and the deck of each card."""
    mod = package_note.mod if note.mod is None else note.mod
    if note.notetype is not None:
        ords = foreign_ords(note)
        where = dict(note.decks)
        first = note.decks[0][1] if note.decks else ""
        decks = tuple(where.get(order, first) for order in ords) if first else ()
        return package_note._replace(
            fields=note.fields, mod=mod, cards=ords, notetype=note.notetype.id, decks=decks
        )
    if not note.decks:
        return package_note._replace(mod=mod)
    ords = card_ords_own(package_note.fields)
    where = dict(note.decks)
    first = note.decks[0][1]
    decks = tuple(where.get(order, first) for order in ords)
    return package_note._replace(mod=mod, cards=ords, decks=decks)


def media_named(fields: tuple[str, ...], renamed: Mapping[str, str]) -> tuple[str, ...]:
    """``fields`` (Anki HTML passed through as written) with each ``<img src>`` that names a
    media file by how the source refers to it (``img/cell.png``, ``my%20pic.png``) naming it
    by its name in the package, as Anki's flat media folder holds it: else Anki finds no
    such file, and its Check Media calls the image missing and the file unused."""
    out = []
    for value in fields:
        if "<img" in value or "<IMG" in value:
            for source in dict.fromkeys(html_image_sources(value)):
                name = renamed.get(source)
                if name is not None:
                    for quote in "\"'":
                        old, new = f"src={quote}{source}{quote}", f"src={quote}{name}{quote}"
                        value = value.replace(old, new)
        out.append(value)
    return tuple(out)


def card_ords_own(fields: tuple[str, ...]) -> tuple[int, ...]:
    """The cards of a note of deck2anki's note type, as a build gives them."""
    return card_ords(fields, _own_templates())


def full_tree(tree: tuple[tuple[str, str], ...], used: set[str]) -> tuple[tuple[str, str], ...]:
    """``tree`` with every deck a card is placed in, and its parents, that it lacks (without
    a description): a card whose deck the package does not hold is in no deck at all."""
    known = {name for name, _ in tree}
    missing: set[str] = set()
    for name in used:
        parts = name.split("::")
        missing.update("::".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return (*tree, *((name, "") for name in sorted(missing - known)))


def add(
    connection: sqlite3.Connection,
    notetypes: tuple[NoteType, ...],
    tree: tuple[tuple[str, str], ...],
    own: bool,
    own_id: int,
) -> None:
    """Add ``notetypes`` and the decks of ``tree`` to the collection genanki wrote; without
    ``own`` notes, deck2anki's note type is left out (an import would add it for nothing).

    A foreign note type may have deck2anki's id: ours, changed in Anki (a field added) and
    exported. Anki matches note types by id, so it is written as it now is, in our model's
    place (never deleted after); ``clashes`` refuses a package that holds notes of ours too."""
    models_json, decks_json = connection.execute("SELECT models, decks FROM col").fetchone()
    models: dict[str, Any] = json.loads(models_json)
    decks: dict[str, Any] = json.loads(decks_json)
    model = models[str(own_id)]
    for notetype in notetypes:
        models[str(notetype.id)] = _model(notetype, model)
    if not own and notetypes and own_id not in {notetype.id for notetype in notetypes}:
        del models[str(own_id)]
    template = next(iter(decks.values()))
    if any(name.casefold() == "default" for name, _ in tree):
        # genanki's deck 1, "Default", holds no card; beside a deck of that name it would
        # be a second one, and Anki would put the cards in a renamed copy ("Default_").
        decks.pop("1", None)
    for name, description in tree:
        did = deck_id(name)
        decks[str(did)] = {**template, "id": did, "name": name, "desc": description}
    connection.execute(
        "UPDATE col SET models = ?, decks = ?",
        (json.dumps(models, sort_keys=True), json.dumps(decks, sort_keys=True)),
    )


def _model(notetype: NoteType, like: dict[str, Any]) -> dict[str, Any]:
    """``notetype`` as schema 11 JSON, the keys of genanki's own (``like``) filled in."""
    field_like, template_like = like["flds"][0], like["tmpls"][0]
    fields = []
    for order, field in enumerate(notetype.fields):
        entry = {**field_like, "name": field.name, "ord": order}
        entry.pop("id", None)
        if field.id is not None:
            entry["id"] = field.id
        fields.append(entry)
    templates = []
    for order, card in enumerate(notetype.templates):
        entry = {
            **template_like,
            "name": card.name,
            "ord": order,
            "qfmt": card.front,
            "afmt": card.back,
        }
        entry.pop("id", None)
        if card.id is not None:
            entry["id"] = card.id
        templates.append(entry)
    model = {
        **like,
        "id": notetype.id,
        "name": notetype.name,
        "type": 0 if notetype.kind is NoteKind.STANDARD else 1,
        "mod": notetype.mod,
        "sortf": notetype.sort_field,
        "flds": fields,
        "tmpls": templates,
        "css": notetype.css,
        "latexPre": notetype.latex_pre,
        "latexPost": notetype.latex_post,
        "latexsvg": notetype.latex_svg,
        "req": [],
        "did": None,
    }
    if notetype.stock_kind:
        model["originalStockKind"] = notetype.stock_kind
    return model


def clashes(
    notes: Sequence[PackageNote], notetypes: tuple[NoteType, ...], own_id: int, cloze_id: int
) -> int | None:
    """The index of the first of deck2anki's own ``notes`` whose note type (``own_id``, or
    ``cloze_id`` for a cloze note) has the id of one of ``notetypes``: a package cannot hold
    both under one id. None when there is none."""
    taken = {notetype.id for notetype in notetypes} & {own_id, cloze_id}
    if not taken:
        return None
    return next(
        (
            index
            for index, note in enumerate(notes)
            if note.notetype is None
            and (cloze_id if cloze.is_cloze_fields(note.fields) else own_id) in taken
        ),
        None,
    )
