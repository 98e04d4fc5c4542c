"""Our note type: its fields, card templates and CSS, a public contract (ANKI-FACTS 5 and 6).

Anki forks a note type whose fields or templates change in name, number or order, and then
stops updating the notes of every student who imported an earlier deck. So the set is
designed once, for everything deck2anki offers: the forward card always, the reversed and the
type-in card only for notes whose ``Add Reverse`` / ``Add Type-in`` field is not empty (the
same switch Anki's stock "Basic (optional reversed card)" uses), so turning them on for a
deck fills a field and never changes the note type.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

from .._compat import card_requirements
from ..errors import Deck2AnkiError
from ..identity.guids import stable_id
from ..identity.lock import LockedNoteType
from ..model import Note, is_cloze
from . import cloze
from .render import render_note


class NoteTypeChangeError(Deck2AnkiError):
    """A build would change the note type's schema, which forks it in students' collections."""


NAME = "deck2anki (v1)"
"""The note type's name, as students see it in Anki."""

VERSION = 1
"""Bumped only by a deliberate, announced schema change; it is part of the id."""

ID = stable_id("deck2anki note type", str(VERSION))
"""The note type id: fixed for this schema version, on every machine."""

FIELDS: tuple[str, ...] = ("Question", "Answer", "Analogy", "Add Reverse", "Add Type-in")
"""Field names, in order: never renamed, reordered or removed within a version."""

SWITCH_ON = "y"
"""What an ``Add ...`` field holds to switch its card on."""


@dataclass(frozen=True, slots=True)
class Template:
    """One card template: its name and the package data files of its two sides."""

    name: str
    """The template's name, as Anki's browser shows it."""

    front: str
    """File name of the front side in ``templates/``."""

    back: str
    """File name of the back side in ``templates/``."""


TEMPLATES: tuple[Template, ...] = (
    Template("Forward", "front.html", "back.html"),
    Template("Reverse", "reverse_front.html", "reverse_back.html"),
    Template("Type-in", "typein_front.html", "typein_back.html"),
)
"""Card templates, in order: never renamed, reordered or removed within a version."""

CSS_FILE = "style.css"


@dataclass(frozen=True, slots=True)
class Style:
    """A project's own look (``deck2anki.toml``'s ``[notetype]``), on top of deck2anki's."""

    css: str = ""
    """The project's CSS, added after deck2anki's own so that its rules win; "" for none."""


STOCK = Style()
"""deck2anki's own look, unchanged."""


_INCLUDE = re.compile(r"^[ \t]*<!-- include: ([\w.-]+) -->[ \t]*\n", re.MULTILINE)


def template_text(name: str) -> str:
    """One file of the package's ``templates/`` folder, its ``<!-- include: F -->`` lines expanded.

    Anki's templates cannot include one another; the analogy block is one file all the same,
    so the three back sides cannot drift apart.
    """
    text = resources.files("deck2anki").joinpath("templates", name).read_text(encoding="utf-8")
    return _INCLUDE.sub(lambda match: template_text(match.group(1)), text)


def css(style: Style = STOCK) -> str:
    """The note type's CSS: ``templates/style.css``, the code highlighting colours, then the
    project's own CSS (last, so that its rules win over ours)."""
    from .render import highlight_css

    text = template_text(CSS_FILE) + "\n/* Code highlighting (Pygments) */\n" + highlight_css()
    if style.css:
        text += "\n/* This project's style (deck2anki.toml, [notetype] css) */\n" + style.css
    return text


def content_hash(style: Style = STOCK) -> str:
    """A hash of everything that decides how cards look: fields, templates and CSS."""
    parts = [*FIELDS, CSS_FILE, css(style)]
    for template in TEMPLATES:
        parts += [template.name, template_text(template.front), template_text(template.back)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def cloze_css(style: Style = STOCK) -> str:
    """The cloze note type's CSS: the note type's own (the project's style last), then the
    cloze-only rules (``templates/cloze.css``)."""
    return css(style) + "\n/* Cloze deletions */\n" + template_text(cloze.CSS_FILE)


def cloze_content_hash(style: Style = STOCK) -> str:
    """``content_hash`` of the cloze note type."""
    name, front, back = cloze.TEMPLATE
    parts = [*cloze.FIELDS, cloze.CSS_FILE, cloze_css(style), name]
    parts += [template_text(front), template_text(back)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def recovered_cloze(
    model_id: int,
    name: str,
    mod: int,
    templates: tuple[tuple[str, str, str], ...],
    css_text: str,
    style: Style = STOCK,
) -> LockedNoteType:
    """The lock's entry for the cloze note type students already have (``recovered``, for
    the cloze note type): its ``mod`` kept while it shows cards as this build would."""
    name_, front, back = cloze.TEMPLATE
    same = templates == ((name_, template_text(front), template_text(back)),)
    same = same and css_text == cloze_css(style)
    content = cloze_content_hash(style) if same else "0" * 16
    names = tuple(template[0] for template in templates)
    return LockedNoteType(model_id, name, cloze.VERSION, cloze.FIELDS, names, content, mod)


def resolve_cloze(
    previous: LockedNoteType | None, beside: LockedNoteType, now: int, style: Style = STOCK
) -> LockedNoteType:
    """The cloze note type this build writes beside the note type ``beside``, given what the
    lock says earlier builds wrote (``previous``; None if they wrote none).

    Its id and name come from ``beside`` (``cloze.identity``); its ``mod`` moves on when its
    templates or CSS change, so Anki takes the new look (ANKI-FACTS 6). Its fields and
    template are fixed for good, so a schema change cannot happen without a new version.
    """
    model_id, name = cloze.identity(beside.id, beside.name)
    content = cloze_content_hash(style)
    templates = (cloze.TEMPLATE[0],)
    if previous is not None and (previous.id, previous.name) == (model_id, name):
        if previous.content == content:
            return previous
        return replace(previous, content=content, mod=max(now, previous.mod + 1))
    return LockedNoteType(model_id, name, cloze.VERSION, cloze.FIELDS, templates, content, now)


def versioned(version: int) -> tuple[int, str]:
    """The id and name of the shared note type at schema ``version``: a new version is a new
    note type."""
    if version == VERSION:
        return ID, NAME
    return stable_id("deck2anki note type", str(version)), f"deck2anki (v{version})"


def recovered(
    model_id: int,
    name: str,
    mod: int,
    fields: tuple[str, ...],
    templates: tuple[tuple[str, str, str], ...],
    css_text: str,
    style: Style = STOCK,
) -> LockedNoteType:
    """The lock's entry for a note type students already have (read back from a package when
    the lock is lost): its id, name and ``mod`` kept, so Anki sees the same note type. Its
    content counts as this build's only if it shows cards exactly as this build would;
    otherwise the next build moves ``mod`` on, and students get the look of now."""
    version = int(match.group(1)) if (match := _VERSION.search(name)) else VERSION
    now_templates = tuple(
        (t.name, template_text(t.front), template_text(t.back)) for t in TEMPLATES
    )
    same = (fields, templates, css_text) == (FIELDS, now_templates, css(style))
    content = content_hash(style) if same else "0" * 16
    names = tuple(template[0] for template in templates)
    return LockedNoteType(model_id, name, version, fields, names, content, mod)


_VERSION = re.compile(r"\bv([0-9]+)\)$")


def shared(state: LockedNoteType) -> bool:
    """Whether ``state`` is the note type every project built before projects had their own
    shares (``deck2anki (v1)``): its look is every such project's look."""
    return state.id == versioned(state.version)[0]


def own_name(label: str, version: int = VERSION) -> str:
    """The name of a project's own note type, as students see it in Anki's note type list."""
    return f"{label} (deck2anki)" if version == VERSION else f"{label} (deck2anki v{version})"


_OWN_NAME = re.compile(r"(.*) \(deck2anki(?: v[0-9]+)?\)")

Own = Callable[[], tuple[int, str]]
"""Gives the id and label (``own_name``) of a project's own note type, at its first build."""


def resolve(
    previous: LockedNoteType | None,
    now: int,
    allow_schema_change: bool,
    style: Style = STOCK,
    own: Own | None = None,
) -> LockedNoteType:
    """The note type this build writes, given what the lock says earlier builds wrote.

    A project's first build gives it a note type of its own (``own``; without it, the shared
    one), so that its look never restyles another project's cards in a student's collection.
    Templates and CSS may change freely: ``mod`` moves forward so Anki takes the new look
    (ANKI-FACTS 6). A change of field or template names or order would make Anki fork the
    note type and stop updating every student's notes (ANKI-FACTS 5), so it fails unless
    asked for, and then the note type gets a new version, id and name. So does a style on a
    project whose lock records the shared note type: moving it to its own is a new note type
    for students too.
    """
    templates = tuple(template.name for template in TEMPLATES)
    content = content_hash(style)
    if previous is None:
        new_id, name = (ID, NAME) if own is None else _own_at(own, VERSION)
        return LockedNoteType(new_id, name, VERSION, FIELDS, templates, content, now)
    schema_changed = (previous.fields, previous.templates) != (FIELDS, templates)
    moving = style != STOCK and shared(previous)
    if not (schema_changed or moving):
        if previous.content == content:
            return previous
        return replace(previous, content=content, mod=max(now, previous.mod + 1))
    if schema_changed and not allow_schema_change:
        raise NoteTypeChangeError(
            f"the note type's fields or card templates changed: fields {list(previous.fields)}"
            f" -> {list(FIELDS)}, templates {list(previous.templates)} -> {list(templates)}."
            " Anki would add a second note type to every student's collection and stop"
            " updating the notes they have. To do it anyway, build with"
            " --allow-notetype-change: the note type gets a new id and name, and students"
            " should move their old notes to it (Change Note Type in Anki's browser)"
        )
    if moving and not allow_schema_change:
        raise NoteTypeChangeError(
            f"[notetype] css: this project's notes have the note type {previous.name!r}, which"
            " every deck built by deck2anki before projects had a note type of their own"
            " shares: a style on it would restyle the cards of all those decks in a student's"
            " collection, not only this project's. Either remove 'css' from [notetype], or"
            " build once with --allow-notetype-change to move this project to a note type of"
            " its own: students who already have its notes then move them to it in Anki's"
            " browser (select them, Notes > Change Note Type; reviews are kept), or Anki"
            " reports them as conflicting and stops updating them"
        )
    version = previous.version + 1 if schema_changed else previous.version
    if moving:
        if own is None:
            raise ValueError("moving to a project's own note type needs its id and label")
        new_id, name = _own_at(own, version)
    elif shared(previous):
        new_id, name = versioned(version)
    else:  # a project's own note type, at its next schema version
        new_id = stable_id("deck2anki note type", str(previous.id), str(version))
        matched = _OWN_NAME.fullmatch(previous.name)
        name = own_name(matched.group(1) if matched else previous.name, version)
    return LockedNoteType(new_id, name, version, FIELDS, templates, content, now)


def _own_at(own: Own, version: int) -> tuple[int, str]:
    own_id, label = own()
    if version != VERSION:
        own_id = stable_id("deck2anki note type", str(own_id), str(version))
    return own_id, own_name(label, version)


@cache
def genanki_model(model_id: int = ID, name: str = NAME, style: Style = STOCK) -> Any:
    """The genanki Model of our note type, built once per process (per project style)."""
    import genanki

    return genanki.Model(
        model_id,
        name,
        fields=[{"name": name} for name in FIELDS],
        templates=[
            {
                "name": template.name,
                "qfmt": template_text(template.front),
                "afmt": template_text(template.back),
            }
            for template in TEMPLATES
        ],
        css=css(style),
        sort_field_index=0,
    )


@cache
def genanki_cloze_model(model_id: int, name: str, style: Style = STOCK) -> Any:
    """The genanki Model of our cloze note type (Anki's cloze kind: a card per number)."""
    import genanki

    template, front, back = cloze.TEMPLATE
    return genanki.Model(
        model_id,
        name,
        fields=[{"name": name} for name in cloze.FIELDS],
        templates=[{"name": template, "qfmt": template_text(front), "afmt": template_text(back)}],
        css=cloze_css(style),
        model_type=genanki.Model.CLOZE,
        sort_field_index=0,
    )


def note_fields(
    note: Note,
    media: Mapping[str, str],
    *,
    reverse: bool = False,
    type_in: bool = False,
    code: bool = True,
) -> tuple[str, ...]:
    """A note's field values in a package, one per field of its note type (see package_notes):
    our cloze note type's (``cloze.FIELDS``) for a question with a cloze deletion in it."""
    rendered = render_note(note, media, code)
    if is_cloze(note.question):
        return (rendered.question, rendered.answer, rendered.analogy)
    # A card is on when the deck's settings switch it on for all, or the note asks for it.
    return (
        rendered.question,
        rendered.answer,
        rendered.analogy,
        SWITCH_ON if reverse or "Reverse" in note.cards else "",
        SWITCH_ON if type_in or "Type-in" in note.cards else "",
    )


def card_templates(model: Any) -> Templates:
    """For each card template: its ord, and which fields must be filled for the card to exist.

    The rule is genanki's (what Anki computes from the front templates), read through
    ``_compat`` since genanki keeps it private.
    """
    return Templates(
        tuple(
            (template_ord, any if kind == "any" else all, required)
            for template_ord, kind, required in card_requirements(model)
        )
    )


@dataclass(frozen=True, slots=True)
class Templates:
    """Per card template: its ord, and the rule on which fields make a card (``card_templates``),
    with the ords each way of filling the fields gives, as ``card_ords`` works them out."""

    rules: tuple[tuple[int, Callable[..., bool], list[int]], ...]
    """(ord, ``any`` or ``all``, the indexes of the fields it looks at), per template."""

    by_filled: dict[tuple[bool, ...], tuple[int, ...]] = field(default_factory=dict)
    """Which fields are filled decides the cards: a handful of cases for any number of notes,
    each worked out once (and each answer one tuple, however many notes share it)."""


def card_ords(fields: Sequence[str], templates: Templates) -> tuple[int, ...]:
    """The ords of the card templates that make a card of a note with ``fields``; for a note
    of the cloze note type, one per cloze number."""
    if cloze.is_cloze_fields(fields):
        return cloze.ords(fields[0])
    filled = tuple(map(bool, fields))
    ords = templates.by_filled.get(filled)
    if ords is None:
        ords = tuple(
            o for o, rule, required in templates.rules if rule(filled[i] for i in required)
        )
        templates.by_filled[filled] = ords
    return ords
