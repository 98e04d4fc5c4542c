"""Note types in their JSON form: what deck2anki's JSON format and a Markdown deck's
``notetype.json`` hold, read back with a message for what is wrong, and refused where Anki
would refuse the package that held it."""

from __future__ import annotations

import re
from typing import Any

from ..model import CardTemplate, NoteField, NoteKind, NoteType
from .notetypes import unfit


class Invalid(ValueError):
    """A note type in JSON that is not one."""


def to_json(notetype: NoteType) -> dict[str, Any]:
    """A note type as the JSON format writes it."""
    return {
        "id": notetype.id,
        "name": notetype.name,
        "kind": notetype.kind.value,
        "fields": [{"name": f.name, "id": f.id} for f in notetype.fields],
        "templates": [
            {"name": t.name, "front": t.front, "back": t.back, "id": t.id}
            for t in notetype.templates
        ],
        "css": notetype.css,
        "sort_field": notetype.sort_field,
        "latex_pre": notetype.latex_pre,
        "latex_post": notetype.latex_post,
        "latex_svg": notetype.latex_svg,
        "mod": notetype.mod,
        "stock_kind": notetype.stock_kind,
    }


def from_json(raw: object, where: str) -> NoteType:
    """A note type from its JSON form (``to_json``); ``Invalid`` says what is wrong."""
    if not isinstance(raw, dict):
        raise Invalid(f"{where} must be an object")

    def string(value: object, at: str) -> str:
        if not isinstance(value, str):
            raise Invalid(f"{at} must be a string")
        return value

    def number(value: object, at: str, optional: bool = False) -> int:
        if optional and value is None:
            return 0
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) >= 1 << 63:
            raise Invalid(f"{at} must be a whole number that fits in 64 bits")
        return value

    def items(key: str) -> list[dict[str, Any]]:
        value = raw.get(key)
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise Invalid(f"{where}.{key} must be a list of objects")
        return value

    try:
        kind = NoteKind(raw.get("kind", "standard"))
    except ValueError:
        raise Invalid(f"{where}.kind must be one of: standard, cloze, image-occlusion") from None
    fields = tuple(
        NoteField(
            string(f.get("name"), f"{where}.fields[{i}].name"),
            number(f.get("id"), f"{where}.fields[{i}].id", True) or None,
        )
        for i, f in enumerate(items("fields"))
    )
    if not fields or len({f.name for f in fields}) != len(fields):
        raise Invalid(f"{where}.fields must name at least one field, each once")
    templates = tuple(
        CardTemplate(
            string(t.get("name"), f"{where}.templates[{i}].name"),
            string(t.get("front", ""), f"{where}.templates[{i}].front"),
            string(t.get("back", ""), f"{where}.templates[{i}].back"),
            number(t.get("id"), f"{where}.templates[{i}].id", True) or None,
        )
        for i, t in enumerate(items("templates"))
    )
    if not templates:
        raise Invalid(f"{where}.templates must hold at least one template")
    sort_field = number(raw.get("sort_field", 0), f"{where}.sort_field")
    if not 0 <= sort_field < len(fields):
        raise Invalid(f"{where}.sort_field must be the index of one of its fields")
    notetype = NoteType(
        name=string(raw.get("name"), f"{where}.name"),
        id=number(raw.get("id"), f"{where}.id"),
        fields=fields,
        templates=templates,
        css=string(raw.get("css", ""), f"{where}.css"),
        kind=kind,
        sort_field=sort_field,
        latex_pre=string(raw.get("latex_pre", ""), f"{where}.latex_pre"),
        latex_post=string(raw.get("latex_post", ""), f"{where}.latex_post"),
        latex_svg=bool(raw.get("latex_svg", False)),
        mod=number(raw.get("mod", 0), f"{where}.mod"),
        stock_kind=number(raw.get("stock_kind", 0), f"{where}.stock_kind"),
    )
    if (problem := unfit(notetype) or _refused(notetype)) is not None:
        raise Invalid(f"{where} ({notetype.name!r}): {problem}")
    return notetype


_SURROGATE = re.compile("[\ud800-\udfff]")  # half a pair: JSON may write one (\ud800)


def _refused(nt: NoteType) -> str | None:
    """What Anki refuses in a note type written by hand (a manifest, JSON), so that it would
    refuse the whole package: an empty name, an empty template name, a lone surrogate."""
    sides = [text for t in nt.templates for text in (t.name, t.front, t.back)]
    texts = [nt.name, nt.css, nt.latex_pre, nt.latex_post, *nt.field_names, *sides]
    if not nt.name or not all(t.name for t in nt.templates):
        return f"{'a template' if nt.name else 'it'} has an empty name: Anki refuses it"
    found = next((m for t in texts if not t.isascii() and (m := _SURROGATE.search(t))), None)
    if found is not None:
        return f"it holds \\u{ord(found[0]):04x}, half of a surrogate pair: no character alone"
    return None
