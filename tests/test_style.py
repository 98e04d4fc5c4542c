"""The card style: every text colour readable (WCAG AA, 4.5:1) in light and in night mode,
computed from the CSS the note type ships."""

from __future__ import annotations

import re

import pytest

from deck2anki.cards import notetype

CSS = notetype.css()
AA = 4.5


def variables(selector_start: str) -> dict[str, str]:
    """The custom properties (``--d2a-*``) set in the block that starts with ``selector_start``."""
    block = CSS[CSS.index(selector_start) :]
    block = block[block.index("{") + 1 : block.index("}")]
    return dict(re.findall(r"--d2a-([\w-]+):\s*(#[0-9a-fA-F]{3,6})", block))


LIGHT = variables(".card {")
DARK = variables(".card.nightMode")


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_light_and_night_palettes_define_the_same_colours() -> None:
    assert set(LIGHT) == set(DARK)
    assert {"text", "muted", "bg", "analogy-bg", "code-bg", "pre-bg"} <= set(LIGHT)


@pytest.mark.parametrize("mode", ["light", "night"])
@pytest.mark.parametrize(
    ("text", "background"),
    [
        ("text", "bg"),
        ("muted", "bg"),
        ("text", "analogy-bg"),
        ("muted", "analogy-bg"),
        ("text", "code-bg"),
        ("text", "pre-bg"),
    ],
    ids=["body", "prompt", "analogy", "analogy-label", "inline-code", "code-block"],
)
def test_text_contrast_meets_wcag_aa(mode: str, text: str, background: str) -> None:
    palette = LIGHT if mode == "light" else DARK
    assert contrast(palette[text], palette[background]) >= AA


@pytest.mark.parametrize("mode", ["light", "night"])
def test_highlighted_code_tokens_are_readable_on_the_code_block(mode: str) -> None:
    scope = ".d2a pre .d2a-hl-" if mode == "light" else ".card.nightMode .d2a pre .d2a-hl-"
    background = (LIGHT if mode == "light" else DARK)["pre-bg"]
    rules = [line for line in CSS.splitlines() if line.startswith(scope)]
    assert len(rules) > 20
    too_faint = []
    for rule in rules:
        token = rule[len(scope) :].split()[0].rstrip(",")
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", rule)
        # "w" is white space: it has no glyphs to read.
        if colour and token != "w" and contrast(colour.group(1), background) < AA:
            too_faint.append((token, colour.group(1)))
    assert too_faint == []
