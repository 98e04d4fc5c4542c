"""A deck as one static HTML page: every card's front and back as Anki shows it.

Sources are rendered with the note type's own templates and CSS through a small Mustache
renderer (fields, ``{{#Field}}`` and ``{{^Field}}`` sections, ``{{FrontSide}}``, and
``{{type:Field}}`` as a plain input box). A package is rendered by Anki itself when the
``anki`` package is installed, and by the same small renderer otherwise.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cards import cloze, notetype
from ..config import Config, load_config
from ..model import Deck

_TAG = re.compile(r"\{\{([#^/]?)\s*([^}]*?)\s*\}\}")


@dataclass(frozen=True, slots=True)
class PreviewCard:
    """One card, as two pieces of HTML: what the front and the back show."""

    template: str
    """The card template's name (Forward, Reverse, Type-in)."""

    front: str
    """The front side's HTML."""

    back: str
    """The back side's HTML."""


def render_template(template: str, fields: dict[str, str]) -> str:
    """A card template filled in the way Anki fills it, for the syntax our templates use."""
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # open sections: (field, shown)
    position = 0
    for match in _TAG.finditer(template):
        shown = all(visible for _, visible in stack)
        if shown:
            out.append(template[position : match.start()])
        position = match.end()
        kind, name = match.groups()
        if kind in ("#", "^"):
            filled = bool(fields.get(name, "").strip())
            stack.append((name, filled if kind == "#" else not filled))
        elif kind == "/":
            if stack:
                stack.pop()
        elif shown:
            if name.startswith("type:"):
                out.append('<input class="d2a-preview-type" placeholder="Type the answer">')
            else:
                out.append(fields.get(name, ""))
    if all(visible for _, visible in stack):
        out.append(template[position:])
    return "".join(out)


def source_cards(deck: Deck, reverse: bool, type_in: bool, code: bool) -> list[PreviewCard]:
    """The cards a build of ``deck`` gives, rendered with the note type's templates."""
    from ..cards.notetype import card_ords, card_templates
    from ..writers.apkg import package_notes

    model = notetype.genanki_model()
    rules = card_templates(model)
    templates = {t.name: t for t in notetype.TEMPLATES}
    cards = []
    for note in package_notes(deck, 0, reverse=reverse, type_in=type_in, code=code):
        if cloze.is_cloze_fields(note.fields):
            cards += _cloze_cards(note.fields)
            continue
        fields = dict(zip(notetype.FIELDS, note.fields, strict=True))
        # The cards a package holds, by the very rule its writer uses.
        for template_ord in card_ords(note.fields, rules):
            template = templates[model.templates[template_ord]["name"]]
            front = render_template(notetype.template_text(template.front), fields)
            back = render_template(
                notetype.template_text(template.back), {**fields, "FrontSide": front}
            )
            cards.append(PreviewCard(template.name, front, back))
    return cards


def _cloze_cards(values: tuple[str, ...]) -> list[PreviewCard]:
    """The cards of a note of the cloze note type: one per cloze number, as Anki shows it."""
    name, front_file, back_file = cloze.TEMPLATE
    fields = dict(zip(cloze.FIELDS, values, strict=True))
    cards = []
    for card_ord in cloze.ords(values[0]):
        front = render_template(
            notetype.template_text(front_file),
            {**fields, "cloze:Text": cloze_side(values[0], card_ord + 1, answer=False)},
        )
        shown = cloze_side(values[0], card_ord + 1, answer=True)
        back = render_template(
            notetype.template_text(back_file), {**fields, "cloze:Text": shown, "FrontSide": front}
        )
        cards.append(PreviewCard(f"{name} {card_ord + 1}", front, back))
    return cards


def cloze_side(text: str, number: int, answer: bool) -> str:
    """``text`` with its cloze deletions as Anki shows them on card ``number``: that number's
    hidden (``[...]``, or ``[hint]``) on the front and marked on the back, the others shown.

    One pass, each deletion read up to the first ``}}`` after it: linear in the text."""
    out: list[str] = []
    position = 0
    while (start := text.find("{{c", position)) >= 0:
        match = _CLOZE_START.match(text, start)
        end = text.find("}}", match.end()) if match else -1
        if match is None or end < 0:
            out.append(text[position : start + 3])
            position = start + 3
            if match is not None:  # no "}}" after it: none after any later one either
                break
            continue
        content, _, hint = text[match.end() : end].partition("::")
        out.append(text[position:start])
        if int(match[1][:6]) != number:  # c0 is never hidden, as in Anki
            out.append(content)
        elif answer:
            out.append(f'<span class="cloze">{content}</span>')
        else:
            out.append(f'<span class="cloze">[{hint or "..."}]</span>')
        position = end + 2
    out.append(text[position:])
    return "".join(out)


_CLOZE_START = re.compile(r"\{\{c([0-9]+)::")


def package_cards(path: Path) -> list[PreviewCard]:
    """The cards of a package as Anki itself renders them (the note type's CSS stripped)."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    with tempfile.TemporaryDirectory(prefix="deck2anki-preview-") as folder:
        collection: Any = Collection(str(Path(folder) / "collection.anki2"))
        try:
            collection.import_anki_package(
                ImportAnkiPackageRequest(package_path=str(path), options=ImportAnkiPackageOptions())
            )
            cards = []
            for card_id in sorted(collection.find_cards("")):
                card = collection.get_card(card_id)
                cards.append(
                    PreviewCard(
                        str(card.template()["name"]),
                        card.question().rpartition("</style>")[2],
                        card.answer().rpartition("</style>")[2],
                    )
                )
            return cards
        finally:
            collection.close()


def preview(path: str | Path, *, config: Config | None = None) -> str:
    """The preview page of a source (with its settings) or of an .apkg."""
    from ..conversion import read
    from ..project.sources import source_key

    path = Path(path)
    config = config if config is not None else load_config()
    if path.suffix.lower() in (".apkg", ".colpkg"):
        deck = read(path)
        try:
            cards = package_cards(path)
            renderer = "Anki's own renderer (the anki package)"
        except ImportError:
            cards = source_cards(deck, False, False, True)
            renderer = "deck2anki's templates (install the anki package for Anki's renderer)"
    else:
        settings = config.deck(source_key(path))
        deck = read(path, deck_name=settings.name)
        cards = source_cards(deck, settings.reverse, settings.type_in, settings.inline_code)
        renderer = "deck2anki's templates"
        # The project's own look ([notetype] css), as its packages carry it.
        return page(deck, _embed_media(cards, deck), renderer, config.style)
    return page(deck, _embed_media(cards, deck), renderer)


def _embed_media(cards: list[PreviewCard], deck: Deck) -> list[PreviewCard]:
    """Images as data: URIs, so the page stays one self-contained file."""
    if not deck.media:
        return cards
    sources = {}
    for item in deck.media:
        kind = mimetypes.guess_type(item.name)[0] or "application/octet-stream"
        uri = f"data:{kind};base64,{base64.b64encode(item.data).decode()}"
        sources[f'src="{html.escape(item.name)}"'] = f'src="{uri}"'

    def embed(side: str) -> str:
        for reference, uri in sources.items():
            side = side.replace(reference, uri)
        return side

    return [PreviewCard(card.template, embed(card.front), embed(card.back)) for card in cards]


_CHROME = """
body { margin: 0; font-family: system-ui, sans-serif; background: #eaeef2; color: #1f2328; }
body.dark { background: #0b0d10; color: #e6edf3; }
header { position: sticky; top: 0; z-index: 1; display: flex; gap: 1em; align-items: center;
  flex-wrap: wrap; padding: 0.75em 1em; background: inherit; border-bottom: 1px solid #8884; }
header h1 { font-size: 1.1em; margin: 0; }
main { margin: 0 auto; padding: 1em; max-width: 1200px; }
body.phone main { max-width: 360px; padding: 1em 0; }
.preview-card { margin: 0 0 2em; }
.preview-card h2 { font-size: 0.85em; font-weight: 600; margin: 0 0 0.4em; opacity: 0.7; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
body.phone .sides { grid-template-columns: 1fr; }
.side { display: flex; border-radius: 8px; overflow: hidden; box-shadow: 0 1px 4px #0003; }
.side .card { flex: 1; min-height: 4em; }
.d2a-preview-type { width: 100%; box-sizing: border-box; font: inherit; margin-top: 0.5em; }
"""

_SCRIPT = """
function setMode(dark) {
  document.body.classList.toggle('dark', dark);
  for (const card of document.querySelectorAll('.card')) {
    card.classList.toggle('nightMode', dark);
    card.classList.toggle('night_mode', dark);
  }
  document.getElementById('toggle-dark').checked = dark;
}
function setPhone(phone) {
  document.body.classList.toggle('phone', phone);
  document.getElementById('toggle-phone').checked = phone;
}
document.getElementById('toggle-dark').onchange = (e) => setMode(e.target.checked);
document.getElementById('toggle-phone').onchange = (e) => setPhone(e.target.checked);
const wanted = location.hash.slice(1).split(',');
setMode(wanted.includes('dark'));
setPhone(wanted.includes('phone'));
"""


def page(
    deck: Deck, cards: list[PreviewCard], renderer: str, style: notetype.Style = notetype.STOCK
) -> str:
    """The self-contained preview page: the note type's CSS, the cards, two toggles."""
    sections = []
    for number, card in enumerate(cards, start=1):
        sections.append(
            f'<section class="preview-card"><h2>{number}. {html.escape(card.template)}</h2>'
            f'<div class="sides"><div class="side"><div class="card">{card.front}</div></div>'
            f'<div class="side"><div class="card">{card.back}</div></div></div></section>'
        )
    title = html.escape(deck.name)
    # The cloze note type's CSS (the other's and its own) only where there are cloze cards.
    with_cloze = any('class="d2a d2a-front d2a-cloze"' in card.front for card in cards)
    css = notetype.cloze_css(style) if with_cloze else notetype.css(style)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}: preview</title>"
        f"<style>{css}</style><style>{_CHROME}</style></head><body>"
        f"<header><h1>{title}</h1><span>{len(cards)} cards, rendered by"
        f" {html.escape(renderer)}</span>"
        '<label><input type="checkbox" id="toggle-dark"> dark</label>'
        '<label><input type="checkbox" id="toggle-phone"> phone width</label></header>'
        f"<main>{''.join(sections)}</main><script>{_SCRIPT}</script></body></html>\n"
    )
