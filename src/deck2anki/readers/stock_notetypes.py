"""Note types for the notes of Anki's text export, which names a note type but does not hold
it: Anki's stock note types made again as Anki defines them, any other made of the fields
the file shows (its templates and CSS are not in the file, and a warning says so).

The stock definitions are Anki's (those a new collection of anki 26 holds; the tests compare
them with the ``anki`` package's). Their ids are derived from their names, the same on every
machine, so converting the same export twice gives one note type, not two. No id can match
the collection the text came from: Anki gives each collection's stock note types ids of
their own, and the text names them only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..identity.guids import stable_id
from ..model import CardTemplate, NoteField, NoteKind, NoteType
from .notetypes import unfit

_CSS = (
    ".card {\n    font-family: arial;\n    font-size: 20px;\n    line-height: 1.5;\n"
    "    text-align: center;\n    color: black;\n    background-color: white;\n}\n"
)
_CLOZE_CSS = (
    _CSS + ".cloze {\n    font-weight: bold;\n    color: blue;\n}\n"
    ".nightMode .cloze {\n    color: lightblue;\n}\n"
)
_OCCLUSION_CSS = (
    "#image-occlusion-canvas {\n    --inactive-shape-color: #ffeba2;\n"
    "    --active-shape-color: #ff8e8e;\n    --inactive-shape-border: 1px #212121;\n"
    "    --active-shape-border: 1px #212121;\n    --highlight-shape-color: #ff8e8e00;\n"
    "    --highlight-shape-border: 1px #ff8e8e;\n}\n\n.card {\n    font-family: arial;\n"
    "    font-size: 20px;\n    text-align: center;\n    color: black;\n"
    "    background-color: white;\n}\n"
)
_LATEX_PRE = (
    "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n"
    "\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n"
    "\\setlength{\\parindent}{0in}\n\\begin{document}\n"
)
_LATEX_POST = "\\end{document}"
_ANSWER = "{{FrontSide}}\n\n<hr id=answer>\n\n"
_OCCLUSION_FRONT = (
    "{{#Header}}<div>{{Header}}</div>{{/Header}}\n"
    '<div style="display: none">{{cloze:Occlusion}}</div>\n<div id="err"></div>\n'
    '<div id="image-occlusion-container">\n    {{Image}}\n'
    '    <canvas id="image-occlusion-canvas"></canvas>\n</div>\n<script>\ntry {\n'
    "    anki.imageOcclusion.setup();\n} catch (exc) {\n"
    '    document.getElementById("err").innerHTML = `Error loading image occlusion.'
    " Is your Anki version up to date?<br><br>${exc}`;\n}\n</script>\n"
)
_OCCLUSION_BACK = (
    _OCCLUSION_FRONT + '\n<div><button id="toggle">Toggle Masks</button></div>\n'
    "{{#Back Extra}}<div>{{Back Extra}}</div>{{/Back Extra}}\n"
)

# Name: (fields, templates as (name, front, back), CSS, kind, Anki's originalStockKind).
_STOCK: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str, str], ...], str, NoteKind, int]] = {
    "Basic": (
        ("Front", "Back"),
        (("Card 1", "{{Front}}", _ANSWER + "{{Back}}"),),
        _CSS,
        NoteKind.STANDARD,
        1,
    ),
    "Basic (and reversed card)": (
        ("Front", "Back"),
        (
            ("Card 1", "{{Front}}", _ANSWER + "{{Back}}"),
            ("Card 2", "{{Back}}", _ANSWER + "{{Front}}"),
        ),
        _CSS,
        NoteKind.STANDARD,
        2,
    ),
    "Basic (optional reversed card)": (
        ("Front", "Back", "Add Reverse"),
        (
            ("Card 1", "{{Front}}", _ANSWER + "{{Back}}"),
            ("Card 2", "{{#Add Reverse}}{{Back}}{{/Add Reverse}}", _ANSWER + "{{Front}}"),
        ),
        _CSS,
        NoteKind.STANDARD,
        3,
    ),
    "Basic (type in the answer)": (
        ("Front", "Back"),
        (
            (
                "Card 1",
                "{{Front}}\n\n{{type:Back}}",
                "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}",
            ),
        ),
        _CSS,
        NoteKind.STANDARD,
        4,
    ),
    "Cloze": (
        ("Text", "Back Extra"),
        (("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}"),),
        _CLOZE_CSS,
        NoteKind.CLOZE,
        5,
    ),
    "Image Occlusion": (
        ("Occlusion", "Image", "Header", "Back Extra", "Comments"),
        (("Image Occlusion", _OCCLUSION_FRONT, _OCCLUSION_BACK),),
        _OCCLUSION_CSS,
        NoteKind.IMAGE_OCCLUSION,
        6,
    ),
}

STOCK_NAMES = tuple(_STOCK)
"""The names of Anki's stock note types, as an English Anki calls them."""


def stock(name: str) -> NoteType | None:
    """Anki's stock note type called ``name``, as Anki defines it; None if there is none."""
    if name not in _STOCK:
        return None
    fields, templates, css, kind, stock_kind = _STOCK[name]
    return NoteType(
        name=name,
        id=stable_id("anki stock note type", name),
        fields=tuple(NoteField(field) for field in fields),
        templates=tuple(CardTemplate(*template) for template in templates),
        css=css,
        kind=kind,
        latex_pre=_LATEX_PRE,
        latex_post=_LATEX_POST,
        stock_kind=stock_kind,
    )


def is_stock(notetype: NoteType) -> bool:
    """Whether ``notetype`` is Anki's stock one of its name: the same fields, templates, CSS
    and kind (its ids aside, which each collection gives its own)."""
    made = stock(notetype.name)
    return made is not None and (
        notetype.field_names == made.field_names
        and [(t.name, t.front, t.back) for t in notetype.templates]
        == [(t.name, t.front, t.back) for t in made.templates]
        and notetype.css == made.css
        and notetype.kind is made.kind
    )


_CLOZE = re.compile(r"\{\{c\d+::")


def made_up(name: str, fields: Sequence[str], cloze_fields: Sequence[int]) -> NoteType:
    """A note type called ``name`` of ``fields``, for a note type the file names but does
    not hold: one card showing its first field, the others on the back; or, when its notes
    hold cloze deletions (in the fields ``cloze_fields``), a cloze note type that asks them.
    Field names Anki would refuse or change become ``Field 1``, ``Field 2``..."""
    names = tuple(fields)
    attempt = NoteType(name, 1, tuple(NoteField(f) for f in names), ())
    if not names or unfit(attempt) is not None:
        names = tuple(f"Field {index}" for index in range(1, max(len(names), 1) + 1))
    if cloze_fields:
        asked = "<br>\n".join(f"{{{{cloze:{names[index]}}}}}" for index in cloze_fields)
        rest = "".join(
            f"<br>\n{{{{{field}}}}}" for i, field in enumerate(names) if i not in cloze_fields
        )
        template = CardTemplate("Cloze", asked, asked + rest)
        kind, css = NoteKind.CLOZE, _CLOZE_CSS
    else:
        back = "<br>\n".join(f"{{{{{field}}}}}" for field in names[1:])
        template = CardTemplate("Card 1", f"{{{{{names[0]}}}}}", _ANSWER + back)
        kind, css = NoteKind.STANDARD, _CSS
    return NoteType(
        name=name,
        id=stable_id("anki text note type", name, kind.value, *names),
        fields=tuple(NoteField(field) for field in names),
        templates=(template,),
        css=css,
        kind=kind,
        latex_pre=_LATEX_PRE,
        latex_post=_LATEX_POST,
    )


def has_cloze(value: str) -> bool:
    """Whether a field holds a cloze deletion (``{{c1::...}}``)."""
    return "{{c" in value and _CLOZE.search(value) is not None
