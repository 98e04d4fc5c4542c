"""The note types of a Markdown deck, as files a person edits: one folder per note type in
``NAME.notetypes/`` beside ``NAME.md``, each holding ``notetype.json`` (its name, id, fields,
kind, sort field, LaTeX; the files of its templates and CSS), a ``.front.html`` and a
``.back.html`` per card template and ``style.css``.

This module reads the files' text, which ``conversion`` read from disk (readers open no
file), into ``NoteType``; ``writers.markdown_notetypes`` writes them. Every problem is
located in the file (and the line) it is in.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..errors import Report
from ..model import Location, NoteType
from .notetype_json import Invalid, from_json, to_json
from .notetypes import MAX_TEMPLATES

SUFFIX = ".notetypes"
"""What a Markdown file's note type folder adds to its stem: ``deck.md``, ``deck.notetypes``."""

MANIFEST = "notetype.json"
"""The file of a note type folder that describes the note type and names its other files."""

CSS = "style.css"
"""The file of a note type's CSS, unless its manifest names another."""

FRONT, BACK = ".front.html", ".back.html"
"""What a card template's files add to its (file-safe) name."""

_KEYS = (
    "name",
    "id",
    "kind",
    "sort_field",
    "mod",
    "stock_kind",
    "fields",
    "templates",
    "css",
    "latex_pre",
    "latex_post",
    "latex_svg",
    "fingerprint",
)
_HINT = "fix notetype.json (convert writes it: compare with a fresh conversion)"


class NoteTypeFiles:
    """The files of one Markdown source's note type folder: (path as messages show it,
    ``NOTETYPE/FILE`` inside the folder, text), as ``conversion`` read them."""

    def __init__(self, folder: str, files: tuple[tuple[str, str, str], ...]) -> None:
        self.folder = folder
        """The folder as messages show it (``deck.notetypes``)."""
        self.by_folder: dict[str, dict[str, tuple[str, str]]] = {}
        for shown_path, inner, text in files:
            notetype, _, name = inner.partition("/")
            self.by_folder.setdefault(notetype, {})[name] = (shown_path, text)


def fingerprint(notetype: NoteType) -> str:
    """A short hash of everything of a note type but its time: a manifest carries it beside
    ``mod``, so that a note type edited in its files is known as changed."""
    described = {k: v for k, v in to_json(notetype).items() if k != "mod"}
    text = json.dumps(described, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def read_notetypes(files: NoteTypeFiles, report: Report, now: int) -> dict[str, NoteType]:
    """Every note type of the folder, by the name of its own folder (what a note's
    ``<!-- notetype: NAME -->`` names); problems go to ``report``.

    One whose files changed since they were written (its ``fingerprint`` says) gets the time
    ``now``: Anki takes templates and CSS only from a newer note type (ANKI-FACTS 6)."""
    found: dict[str, NoteType] = {}
    ids: dict[int, str] = {}
    for folder in sorted(files.by_folder):
        entries = files.by_folder[folder]
        if MANIFEST not in entries:
            report.error(
                Location(f"{files.folder}/{folder}"),
                f"the note type folder {folder!r} holds no {MANIFEST}",
                "bad-notetype",
                f"write its {MANIFEST} (convert writes one), or remove the folder",
            )
            continue
        notetype = _read_one(folder, entries, report)
        if notetype is None:
            continue
        if _seal(entries[MANIFEST][1]) != fingerprint(notetype):
            notetype = replace(notetype, mod=max(now, notetype.mod + 1))
        if notetype.id in ids:
            shown_path = entries[MANIFEST][0]
            report.error(
                Location(shown_path, _line_of(entries[MANIFEST][1], "id")),
                f"note type id {notetype.id} is also the id of the note type in"
                f" {files.folder}/{ids[notetype.id]}: Anki takes two note types of one id"
                " for one",
                "bad-notetype",
                "give each note type its own id (a new note type needs a new id)",
            )
            continue
        ids[notetype.id] = folder
        found[folder] = notetype
    return found


def _read_one(
    folder: str, entries: Mapping[str, tuple[str, str]], report: Report
) -> NoteType | None:
    path, text = entries[MANIFEST]
    try:
        raw = json.loads(text)
    except RecursionError:
        report.error(Location(path, 1), "JSON nested too deeply", "bad-notetype", _HINT)
        return None
    except json.JSONDecodeError as error:
        report.error(
            Location(path, error.lineno, error.colno),
            f"not valid JSON: {error.msg}",
            "bad-notetype",
            "fix the syntax at this place",
        )
        return None
    except ValueError:  # a number of more digits than Python converts
        report.error(Location(path, 1), "a number far too long", "bad-notetype", _HINT)
        return None
    if not isinstance(raw, dict):
        report.error(Location(path, 1), "not a JSON object", "bad-notetype", _HINT)
        return None
    failed = False
    for key in raw:
        if key not in _KEYS:
            report.error(
                Location(path, _line_of(text, key)),
                f"unknown key {key!r}",
                "bad-notetype",
                "known keys: " + ", ".join(_KEYS),
            )
            failed = True
    described = dict(raw)
    templates = raw.get("templates")
    # Past the most a note type may have, its files are not looked for (from_json says so).
    if isinstance(templates, list) and len(templates) <= MAX_TEMPLATES:
        described["templates"] = []
        for index, template in enumerate(templates):
            if not isinstance(template, dict):
                described["templates"].append(template)
                continue
            sides = {}
            for side in ("front", "back"):
                named = template.get(side)
                found = _file(named, entries, path, text, index, report)
                failed = failed or found is None
                sides[side] = found or ""
            described["templates"].append({**template, **sides})
    css = raw.get("css", CSS)
    css_text = _file(css, entries, path, text, None, report)
    failed = failed or css_text is None
    described["css"] = css_text or ""
    if failed:
        return None
    described.pop("fingerprint", None)
    try:
        return from_json(described, MANIFEST)
    except Invalid as problem:
        message = str(problem)
        key = next((k for k in _KEYS if f"{MANIFEST}.{k}" in message), "")
        item = re.search(r"\[(\d+)\]", message)
        line = _line_of(text, key, int(item[1]) if item else None) if key else 1
        report.error(Location(path, line), message, "bad-notetype", _HINT)
        return None


def _file(
    named: object,
    entries: Mapping[str, tuple[str, str]],
    path: str,
    text: str,
    template: int | None,
    report: Report,
) -> str | None:
    """The text of the file a manifest names (a template's side, the CSS), or None, said."""
    if isinstance(named, str) and named in entries and "/" not in named and "\\" not in named:
        return entries[named][1]
    # Located only now: finding a line is a pass over the manifest, and a manifest of
    # thousands of templates made that a pass each (20,000 took 24 s before its refusal).
    key = "css" if template is None else "templates"
    where = Location(path, _line_of(text, key, template))
    what = "the CSS" if template is None else f"template {template + 1}"
    if not isinstance(named, str) or not named or "/" in named or "\\" in named:
        report.error(
            where,
            f"{what} must name a file of this folder, not {named!r}",
            "bad-notetype",
            'write the file\'s name, as "Card 1.front.html"',
        )
        return None
    if named not in entries:
        folder = path.rpartition("/")[0] or "."
        report.error(
            where,
            f"{what} names the file {named!r}, which is not in {folder}",
            "bad-notetype",
            "write that file there, or name the file that holds it",
        )
        return None
    return entries[named][1]


def _seal(text: str) -> str:
    """The manifest's fingerprint ("" when it has none); read before, so the JSON parses."""
    raw = json.loads(text)
    return str(raw.get("fingerprint", ""))


def _line_of(text: str, key: str, index: int | None = None) -> int:
    """The line of the top-level ``"key":`` in a manifest (or of its item ``index``, when
    each item is on a line of its own, as convert writes them); 1 when not found."""
    position = text.find(json.dumps(key) + ":")
    if position < 0:
        return 1
    line = text.count("\n", 0, position) + 1
    if index is None:
        return line
    end = text.find("\n", position)
    return (
        line + 1 + index
        if text[position : end if end >= 0 else None].rstrip().endswith("[")
        else line
    )


def manifest(notetype: NoteType, template_files: list[tuple[str, str]], css: str) -> str:
    """The ``notetype.json`` of ``notetype``, its templates in ``template_files`` (front and
    back file names) and its CSS in ``css``: one key a line, one field or template a line."""

    def value(item: Any) -> str:
        return json.dumps(item, ensure_ascii=False)

    fields = [value({"name": f.name, "id": f.id}) for f in notetype.fields]
    templates = [
        value({"name": t.name, "id": t.id, "front": front, "back": back})
        for t, (front, back) in zip(notetype.templates, template_files, strict=True)
    ]
    lines = [
        f'  "name": {value(notetype.name)},',
        f'  "id": {notetype.id},',
        f'  "kind": {value(notetype.kind.value)},',
        f'  "sort_field": {notetype.sort_field},',
        f'  "mod": {notetype.mod},',
        f'  "stock_kind": {notetype.stock_kind},',
        '  "fields": [',
        *(f"    {item}," for item in fields[:-1]),
        *(f"    {item}" for item in fields[-1:]),
        "  ],",
        '  "templates": [',
        *(f"    {item}," for item in templates[:-1]),
        *(f"    {item}" for item in templates[-1:]),
        "  ],",
        f'  "css": {value(css)},',
        f'  "latex_pre": {value(notetype.latex_pre)},',
        f'  "latex_post": {value(notetype.latex_post)},',
        f'  "latex_svg": {value(notetype.latex_svg)},',
        f'  "fingerprint": {value(fingerprint(notetype))}',
    ]
    return "{\n" + "\n".join(lines) + "\n}\n"
