"""Field text to Anki HTML: one configured MarkdownIt, raw HTML off, Anki's math kept intact."""

from __future__ import annotations

import contextlib
import importlib.util
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ..model import Deck, Markup, Note
from .plain_spans import MATH_DELIMITERS, code_parts, may_name_code, split_math
from .simple_markdown import OTHER_SPACES, simple_html

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict


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
    closing = MATH_DELIMITERS.get(opening)
    if closing is None:
        return False
    # Where the closing delimiter was last found, per text: each unclosed "\\(" of a long
    # field must not search it to its end again (issue 13).
    found: dict[tuple[str, str], tuple[int, int]] = state.env.setdefault("d2a_math", {})
    searched, end = found.get((closing, state.src), (-1, -1))
    if searched < 0 or searched > state.pos + 2 or 0 <= end < state.pos + 2:
        searched, end = state.pos + 2, state.src.find(closing, state.pos + 2)
        found[(closing, state.src)] = (searched, end)
    if end < 0:
        return False
    if not silent:
        token = state.push("anki_math", "", 0)
        token.content = state.src[state.pos : end + 2]
    state.pos = end + 2
    return True


_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")
SAFE_SCHEMES = ("http", "https")
"""Link and image schemes a card may use; relative paths (media) need none."""


def _safe_link(url: str) -> bool:
    """markdown-it's link check: http, https and relative paths only; the rest stays text."""
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(1).lower() in SAFE_SCHEMES


# An http(s) link of a lowercase ASCII host and a path, query and fragment of unreserved
# characters: markdown-it's normalisation (10 µs a link: it parses, re-encodes and puts
# the link together again) gives it back as it is, which a property test holds. The host
# keeps within what its URL parser (mdurl) takes as it is: labels of at most 63 characters,
# at most 255 in all (past them it cuts the host, or blanks it).
UNCHANGED_LINK = re.compile(
    r"https?://(?=[a-z0-9.-]{1,255}(?:[:/?#]|\Z))"
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
    r"(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/-]*)?"
    r"(?:\?[A-Za-z0-9._~/=-]*)?(?:#[A-Za-z0-9._~/-]*)?"
)


def _normalize_link(url: str) -> str:
    """markdown-it's link normalisation, with ``//host/path`` made the https link it is: it
    names another host, never a path of this deck's (issue 13)."""
    if UNCHANGED_LINK.fullmatch(url):
        return url
    from markdown_it.common.normalize_url import normalizeLink

    return str(normalizeLink("https:" + url if url.startswith("//") else url))


HIGHLIGHT_PREFIX = "d2a-hl-"
"""Pygments' token classes carry this prefix: nothing else on a card can clash with them."""


def highlight(code: str, language: str, attrs: object) -> str:
    """A fenced code block's tokens as ``<span class="d2a-hl-...">``, coloured by our CSS.

    Pygments runs at build time, so cards need no JavaScript and no network. An unknown or
    missing language gives "" and markdown-it escapes the code as it is.
    """
    if not language:
        return ""
    from pygments import highlight as pygmentize
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language.split()[0])
    except ClassNotFound:
        return ""
    formatter = HtmlFormatter(nowrap=True, classprefix=HIGHLIGHT_PREFIX)
    return str(pygmentize(code, lexer, formatter))


def highlight_css() -> str:
    """The token colours for light cards and for night mode, scoped to our code blocks."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="default", classprefix=HIGHLIGHT_PREFIX)
    dark = HtmlFormatter(style="github-dark", classprefix=HIGHLIGHT_PREFIX)
    night = [
        f"{scope} .d2a pre"
        for scope in (
            ".card.nightMode",
            ".card.night_mode",
            ".nightMode .card",
            ".night_mode .card",
        )
    ]
    rules = light.get_style_defs(".d2a pre").splitlines()
    rules += dark.get_style_defs(night).splitlines()
    # Backgrounds come from our own palette (--d2a-code-bg), so Pygments' are left out.
    return "\n".join(rule for rule in rules if "background" not in rule) + "\n"


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
    md = MarkdownIt("commonmark", {"html": False, "highlight": highlight}).enable(
        ["table", "strikethrough"]
    )
    md.validateLink = _safe_link  # type: ignore[method-assign]  # markdown-it documents this hook
    md.normalizeLink = _normalize_link  # type: ignore[method-assign]  # and this one
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
    if is_plain_markdown(text):
        # Most card text holds no Markdown syntax at all: it need not pay for a parse.
        return render_text(text, hard_breaks=False)
    # Most of the rest is paragraphs or a list with emphasis, code, links and math: HTML
    # written as markdown-it writes it, at a sixth of its cost (cards/simple_markdown.py).
    simple = simple_html(text, _normalize_link, _safe_link)
    html = simple if simple is not None else str(markdown().render(text, {"media": media or {}}))
    html = html.strip()
    inner = html[3:-4]
    # A single paragraph is unwrapped so short fields stay clean; "</p>" inside means several.
    if html.startswith("<p>") and html.endswith("</p>") and "<p>" not in inner:
        return inner
    return html


_NEWLINES = re.compile(r"\r\n?")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
# Markdown that renders as plain text does: none of these characters, no white space but
# spaces and line breaks, no space before a line break (two make a hard one), no line that
# starts with white space, a list, quote or heading marker, and no setext underline.
# Looked for in four simple searches, not one pattern of ten alternatives, which tried each
# at every character: a field's look took 2.2 µs, now 0.5 (issue 17).
_MARKUP_CHARACTER = re.compile(f"[\\\\`*_\\[\\]<>&#|~!\\x00{OTHER_SPACES}]")
_BLOCK_START = re.compile(r"[ \t\-+=>]|\d+[.)]")
# ``\n[ \t]*[-+=>]`` needs no pattern of its own: with white space, ``\n[ \t]`` matches.
_LINE_BLOCK_START = re.compile(r"\n(?:[ \t\-+=>]|\d+[.)])")


def is_plain_markdown(text: str) -> bool:
    """Whether ``text`` read as Markdown is plain text: nothing in it is syntax (above)."""
    return (
        _MARKUP_CHARACTER.search(text) is None
        and " \n" not in text
        and _BLOCK_START.match(text) is None
        and ("\n" not in text or _LINE_BLOCK_START.search(text) is None)
    )


TAG = re.compile(r"<[^>]*>")
"""An HTML tag, roughly: what a field's text loses when it is shown as plain text."""


def replace_tags(text: str, replacement: str, tag: re.Pattern[str] = TAG) -> str:
    """``tag.sub(replacement, text)`` for a ``tag`` that ends at the first ``>``, in linear time.

    After the last ``>`` no tag can end, yet the pattern reads to the end of the text from
    every ``<`` there: quadratic on ``<<<<...`` (issue 13). That tail is kept as it is.
    """
    end = text.rfind(">") + 1
    return tag.sub(replacement, text[:end]) + text[end:]


def escape_html(text: str) -> str:
    """Escape ``&<>"`` as markdown-it does, so both render paths give the same bytes."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


# ASCII punctuation that can start Markdown syntax. Brackets and parentheses are written as
# character references instead: a backslash before them would make "\\(" and "\\[", which are
# Anki's math delimiters.
_SPECIAL = re.compile(r"[\\`*_{}#+\-.!<>|~&=$^]")
_REFERENCES = {"[": "&#91;", "]": "&#93;", ")": "&#41;"}


def _escape_keeping_math(text: str) -> str:
    parts = split_math(text)
    return "".join(p if i % 2 else _escape(p) for i, p in enumerate(parts))


def _escape(text: str) -> str:
    escaped = _SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    return "".join(_REFERENCES.get(char, char) for char in escaped)


def text_to_markdown(text: str, code: bool = True) -> str:
    """Markdown that shows plain ``text`` as written: punctuation escaped, lines reported, and
    (with ``code``) the code it names as code spans.

    Anki's math (``\\(...\\)``) stays as it is, so MathJax still finds it.
    """
    paragraphs = []
    for paragraph in _PARAGRAPH.split(_NEWLINES.sub("\n", text).strip()):
        lines = []
        for line in paragraph.split("\n"):
            if code:
                pieces = code_parts(line.strip())
                lines.append(
                    "".join(
                        f"`{p}`" if is_code else _escape_keeping_math(p) for is_code, p in pieces
                    )
                )
                continue
            parts = split_math(line.strip())
            lines.append("".join(p if i % 2 else _escape(p) for i, p in enumerate(parts)))
        # A backslash at the end of a line is a hard break: a line break in text stays one.
        paragraphs.append("\\\n".join(line for line in lines if line))
    return "\n\n".join(p for p in paragraphs if p)


def media_names(deck: Deck) -> dict[str, str]:
    """How the deck's sources refer to its media, mapped to the media's names."""
    return {media.reference: media.name for media in deck.media if media.reference}


def render_text(text: str, hard_breaks: bool = True, code: bool = False) -> str:
    """Plain text as HTML, exactly as ``render_field(text_to_markdown(text, code))`` gives it.

    Escaped, paragraphs at blank lines, a lone paragraph unwrapped, line breaks kept
    (``hard_breaks``) or, as Markdown's soft breaks, left as new lines; with ``code``, the
    code the text names (``code_in_prose``) in ``<code>``.
    """
    line_html = _line_with_code if code else _plain_line
    if "\n" not in text and "\r" not in text:  # one line: most fields of plain-text sources
        return line_html(text.strip())
    paragraphs = []
    for paragraph in _PARAGRAPH.split(_NEWLINES.sub("\n", text).strip()):
        lines = [line_html(line.strip()) for line in paragraph.split("\n") if line.strip()]
        if lines:
            paragraphs.append(("<br />\n" if hard_breaks else "\n").join(lines))
    if len(paragraphs) == 1:
        return paragraphs[0]
    return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)


def _plain_line(line: str) -> str:
    return escape_html(line)


def _line_with_code(line: str) -> str:
    if not may_name_code(line):  # no code without a dot before a letter, or "()"
        return escape_html(line)
    return "".join(
        f"<code>{escape_html(part)}</code>" if is_code else escape_html(part)
        for is_code, part in code_parts(line)
    )


def render_note(
    note: Note, media: Mapping[str, str] | None = None, code: bool = True
) -> RenderedNote:
    """Render a note's three fields, passing HTML read from a package through untouched.

    ``code`` shows the code that plain text names as inline code (``code_in_prose``).
    """
    if note.markup is Markup.HTML:
        return RenderedNote(note.question, note.answer, note.analogy, note)
    fields = (note.question, note.answer, note.analogy)
    if note.markup is Markup.TEXT:
        question, answer, analogy = (render_text(value, code=code) for value in fields)
    else:
        question, answer, analogy = (render_field(value, media) for value in fields)
    return RenderedNote(question, answer, analogy, note)


@cache
def renderer_versions() -> list[str]:
    """The versions of the libraries a note's fields come from. Not in ``code_fingerprint``
    (a library upgrade alone does not make a deck stale), but in the context: once a deck is
    rebuilt after one, every note is rendered with it, as a full build would render it.
    The modules' own versions: the ones imported, whatever installed them."""
    return [f"{name} {module_version(name)}" for name in ("markdown_it", "mdurl", "pygments")]


# A string literal given to __version__ at the start of a line: how these libraries say it.
_VERSION = re.compile(r"""^__version__ = (["'])([^"'\\\n]*)\1""", re.MULTILINE)


def module_version(name: str) -> str:
    """``name.__version__``, read from the module's source where that assigns it a literal,
    else imported. Reading takes a fraction of a millisecond; importing markdown-it takes 10
    to 15 ms, for a deck of plain text (CSV, lecture) that renders nothing with it (issue 17).
    """
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.find_spec(name)
        get_data = getattr(spec.loader, "get_data", None) if spec is not None else None
        if spec is not None and spec.origin and get_data is not None:
            with contextlib.suppress(OSError, UnicodeDecodeError):
                found = _VERSION.search(get_data(spec.origin).decode("utf-8"))
                if found:
                    return found.group(2)
        module = importlib.import_module(name)
    return str(module.__version__)
