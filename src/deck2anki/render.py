"""Field text to Anki HTML: one configured MarkdownIt, raw HTML off, Anki's math kept intact."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from .model import Deck, Note

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

# Anki's MathJax reads \( \) and \[ \]; CommonMark would turn "\(" into "(" (ANKI-FACTS 11).
_MATH_DELIMITERS = {"\\(": "\\)", "\\[": "\\]"}


@dataclass(frozen=True, slots=True)
class RenderedNote:
    """A note's fields as Anki HTML, with the identity and tags that travel with them."""

    question: str
    """The question as HTML."""

    answer: str
    """The answer as HTML."""

    analogy: str
    """The analogy as HTML; "" for none."""

    source: Note
    """The note these fields were rendered from."""


def _anki_math(state: StateInline, silent: bool) -> bool:
    """Inline rule: keep ``\\(...\\)`` and ``\\[...\\]`` verbatim for Anki's MathJax."""
    opening = state.src[state.pos : state.pos + 2]
    closing = _MATH_DELIMITERS.get(opening)
    if closing is None:
        return False
    end = state.src.find(closing, state.pos + 2)
    if end < 0:
        return False
    if not silent:
        token = state.push("anki_math", "", 0)
        token.content = state.src[state.pos : end + 2]
    state.pos = end + 2
    return True


@cache
def markdown() -> MarkdownIt:
    """The one configured renderer: CommonMark plus tables and strikethrough, no raw HTML."""
    from markdown_it import MarkdownIt
    from markdown_it.common.utils import escapeHtml

    def render_math(
        self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return str(escapeHtml(tokens[idx].content))

    def render_image(
        self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        # A source refers to an image by its path; Anki knows it by its flat media name.
        token = tokens[idx]
        source = str(token.attrGet("src") or "")
        token.attrSet("src", env.get("media", {}).get(source, source))
        return str(self.image(tokens, idx, options, env))

    # html=False makes "<mask>" in a source text, never markup.
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.inline.ruler.before("escape", "anki_math", _anki_math)
    md.add_render_rule("anki_math", render_math)
    md.add_render_rule("image", render_image)
    return md


def render_field(text: str, media: Mapping[str, str] | None = None) -> str:
    """Render one field's source text to HTML; a lone paragraph loses its ``<p>`` wrapper.

    ``media`` maps image references as the source wrote them to the media names in the deck.
    """
    if not text:
        return ""
    html: str = markdown().render(text, {"media": media or {}}).strip()
    inner = html[3:-4]
    # A single paragraph is unwrapped so short fields stay clean; "</p>" inside means several.
    if html.startswith("<p>") and html.endswith("</p>") and "<p>" not in inner:
        return inner
    return html


def media_names(deck: Deck) -> dict[str, str]:
    """How the deck's sources refer to its media, mapped to the media's names."""
    return {media.reference: media.name for media in deck.media if media.reference}


def render_note(note: Note, media: Mapping[str, str] | None = None) -> RenderedNote:
    """Render a note's three fields, passing HTML read from a package through untouched."""
    if note.is_html:
        return RenderedNote(note.question, note.answer, note.analogy, note)
    return RenderedNote(
        render_field(note.question, media),
        render_field(note.answer, media),
        render_field(note.analogy, media),
        note,
    )
