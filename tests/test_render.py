"""Field rendering: Markdown to clean HTML, source text never becoming markup."""

from __future__ import annotations

import pytest

from deck2anki.render import render_field


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Replace the word with <mask>.", "Replace the word with &lt;mask&gt;."),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Fish & chips", "Fish &amp; chips"),
        ("Plain sentence.", "Plain sentence."),
        ("Some *emphasis* and `code`.", "Some <em>emphasis</em> and <code>code</code>."),
        ("keras.utils.image_dataset_from_directory", "keras.utils.image_dataset_from_directory"),
        ("One.\n\nTwo.", "<p>One.</p>\n<p>Two.</p>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        (r"Inline \(x_1 < \alpha\) math.", r"Inline \(x_1 &lt; \alpha\) math."),
        (r"Display \[a*b*c\] math.", r"Display \[a*b*c\] math."),
        (r"An unclosed \( stays text.", "An unclosed ( stays text."),
        ("", ""),
    ],
    ids=[
        "angle-brackets-are-text",
        "script-is-text",
        "ampersand-escaped",
        "single-paragraph-unwrapped",
        "markdown-inline",
        "underscores-inside-words-stay",
        "paragraphs-kept",
        "lists",
        "inline-math-kept-for-mathjax",
        "display-math-not-emphasis",
        "unclosed-math-is-an-escape",
        "empty",
    ],
)
def test_render_field(text: str, html: str) -> None:
    assert render_field(text) == html
