"""Field rendering: Markdown to clean HTML, source text never becoming markup."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deck2anki.render import _PLAIN_MARKDOWN, markdown, render_field, render_text, text_to_markdown


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


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("ab c\n\t.,'\"&<>*_#[]()!|~`-+=1)\\$λ\r\xa0")), max_size=40))
def test_plain_text_renders_alike_on_the_fast_path_and_through_markdown(text: str) -> None:
    assert render_text(text) == render_field(text_to_markdown(text))
    if text and _PLAIN_MARKDOWN.search(text) is None:
        # Markdown without syntax skips the parser: the result must be what the parser gives.
        html = markdown().render(text).strip()
        inner = html[3:-4]
        single = html.startswith("<p>") and html.endswith("</p>") and "<p>" not in inner
        assert render_text(text, hard_breaks=False) == (inner if single else html)
