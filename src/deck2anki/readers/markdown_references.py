"""Link reference definitions carried to the Markdown fields that use them.

Its own module because it is one job apart from reading cards: a field is rendered on its
own, so a ``[label]`` it uses must bring the definition written elsewhere in the document.
The label scan is bounded by hand (issue 13), which is worth keeping beside its one user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..cards.split import mask_code

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


def _bracketed(text: str) -> list[str]:
    """Every bracketed text (``[label]``, backslash escapes kept, no brackets inside): what a
    reference link or image names its definition by.

    A scan, not ``re.findall``: retried at every ``[`` of ``[\\[\\[\\[...``, a pattern reads
    the rest of the text each time. Here a ``[`` that finds no ``]`` lets the scan jump to
    where it stopped: any ``[`` before that stops there too (issue 13).
    """
    found = []
    position = text.find("[")
    while position >= 0:
        end = position + 1
        while end < len(text) and text[end] not in "[]":
            if text[end] == "\\":
                if text[end + 1 : end + 2] in ("", "\n"):
                    break  # an escape needs a character after it, and not a line break
                end += 1
            end += 1
        if end >= len(text):
            break  # no "]" after: no later "[" is closed either
        if text[end] == "]" and end > position + 1:
            found.append(text[position + 1 : end])
            end += 1
        position = text.find("[", end)
    return found


def with_definitions(
    text: str, definitions: dict[str, dict[str, str]], parser: Callable[[], MarkdownIt]
) -> str:
    """A Markdown field with the definitions of the references it uses, but does not hold
    itself, appended (``definitions``: the document's, as markdown-it collected them;
    ``parser``: the reader's, made only when a field uses one: to find those it holds).

    Each field is rendered on its own, so ``![A cell][cell]`` in one card, with ``[cell]:``
    written at the end of the file (where Markdown allows it), would show as text: the
    definition goes along with every card that uses it. Brackets in code are not references.
    """
    from markdown_it.common.utils import normalizeReference

    used: dict[str, str] = {}  # normalised label: the label as this field first writes it
    for label in _bracketed(mask_code(text)):
        used.setdefault(normalizeReference(label), label)
    wanted = [label for label in used if label in definitions]
    if not wanted:
        return text
    own: dict[str, Any] = {}
    parser().parse(text, own)
    held = own.get("references", {})
    lines = [_definition(used[label], definitions[label]) for label in wanted if label not in held]
    return "\n\n".join([text, "\n".join(lines)]) if lines else text


def _definition(label: str, found: dict[str, str]) -> str:
    """A link reference definition written anew (not copied: in the source it may sit in a
    list or a quote): ``[label]: <href> "title"``."""
    line = f"[{label}]: <{found['href']}>"
    title = found.get("title", "")
    if title:
        line += ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return line
