"""Field rendering: Markdown to clean HTML, source text never becoming markup."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deck2anki
from deck2anki.cards.plain_spans import code_in_prose
from deck2anki.cards.render import (
    is_plain_markdown,
    markdown,
    render_field,
    render_note,
    render_text,
    text_to_markdown,
)


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


# What ``is_plain_markdown`` looks for, as one pattern: what it was until issue 17 made it four
# quicker searches. The two must agree on every text.
_PLAIN_MARKDOWN_SPEC = re.compile(
    r"[\\`*_\[\]<>&#|~!\r\x00]|[^\S \n]| \n"
    r"|^[ \t]|^[-+=>]|^\d+[.)]|\n[ \t]*[-+=>]|\n\d+[.)]|\n[ \t]"
)


_PLAIN = ["a", "b c", "1", "a.b", "(x)", "\n", "٣"]  # nothing that makes Markdown syntax
_SYNTAX = list("\t\r\x0b\x1c\x85\xa0\u2003\u3000\x00-+=>.)*_#[]<>&|~!`\\ ")


@pytest.mark.parametrize(
    "text",
    # One of each thing that makes Markdown syntax, alone in plain text, then plain texts.
    [
        *["a \nb", "a\n-b", "a\n=b", "a\n>b", "a\n+b", "a\n 1", "a\n\tb", "a\n12.b", "a\n3)b"],
        *["-a", " a", "1.a", "7)", "a\u2003b", "a\rb", "a\x1cb", "a\x85", "a\x00", "a*b", "a#"],
        *["a\nb", "a.b", "1a", "a\n1a", "a\n12b", "a b\nc d", "٣.", "a\n٣)"],
    ],
)
def test_plain_markdown_is_each_thing_the_one_pattern_names(text: str) -> None:
    assert is_plain_markdown(text) == (_PLAIN_MARKDOWN_SPEC.search(text) is None)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(_PLAIN) | st.sampled_from(_PLAIN) | st.sampled_from(_SYNTAX), max_size=12
    ).map("".join)
)
def test_plain_markdown_is_looked_for_as_the_one_pattern_says(text: str) -> None:
    assert is_plain_markdown(text) == (_PLAIN_MARKDOWN_SPEC.search(text) is None)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(list("ab c\n\t.,'\"&<>*_#[]()!|~`-+=1)\\$λ\r\xa0"))
        | st.sampled_from(["keras.layers", ".map()", "f()", "e.g.", "0.5", "x_1", "\\(a.b\\)"]),
        max_size=30,
    ).map("".join)
)
def test_plain_text_renders_alike_on_the_fast_path_and_through_markdown(text: str) -> None:
    for code in (True, False):
        assert render_text(text, code=code) == render_field(text_to_markdown(text, code=code))
    if text and is_plain_markdown(text):
        # Markdown without syntax skips the parser: the result must be what the parser gives.
        html = markdown().render(text).strip()
        inner = html[3:-4]
        single = html.startswith("<p>") and html.endswith("</p>") and "<p>" not in inner
        assert render_text(text, hard_breaks=False) == (inner if single else html)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "keras.utils.image_dataset_from_directory loads images",
            ["keras.utils.image_dataset_from_directory"],
        ),
        ("The .map() method and .prefetch() too", [".map()", ".prefetch()"]),
        ("keras.layers.RandAugment layer", ["keras.layers.RandAugment"]),
        (
            "(e.g., keras.applications.Xception.preprocess_input())",
            ["keras.applications.Xception.preprocess_input()"],
        ),
        (
            "chain ds.map(f).batch(32) stays prose, ds.map().prefetch() is code",
            ["ds.map().prefetch()"],
        ),
        ("Call fit() now.", ["fit()"]),
        ("e.g. and i.e. and U.S. and etc.", []),
        ("a rate of 0.5 and 3.14", []),
        ("End of sentence.Next one", ["sentence.Next"]),
        ("End of a sentence. Next one.", []),
        ("the (CPU) and f(x)", []),
        ("math \\(a.b\\) is not code", []),
    ],
    ids=[
        "dotted-name",
        "method-calls",
        "class-path",
        "call-in-parentheses-after-eg",
        "only-empty-calls-chain",
        "plain-call",
        "abbreviations",
        "decimals",
        "missing-space-reads-as-code",
        "sentence-ends",
        "parentheses-in-prose",
        "math",
    ],
)
def test_code_in_prose(text: str, code: list[str]) -> None:
    assert [text[start:end] for start, end in code_in_prose(text)] == code


def test_inline_code_can_be_switched_off() -> None:
    text = "Use keras.layers.Dense here."
    assert render_text(text, code=True) == "Use <code>keras.layers.Dense</code> here."
    assert render_text(text, code=False) == "Use keras.layers.Dense here."


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("“Quoted” — dashed… ‘single’", "“Quoted” — dashed… ‘single’"),
        ('"straight" -- quotes ... stay', "&quot;straight&quot; -- quotes ... stay"),
        ("non\u00a0breaking", "non\u00a0breaking"),
        ("zero\u200bwidth\ufeffgone", "zerowidthgone"),
        ("joiners\u200c\u200dkept", "joiners\u200c\u200dkept"),
    ],
    ids=[
        "smart-typography-kept",
        "no-quote-replacement",
        "nbsp-kept",
        "zero-width-dropped",
        "zwnj-zwj-kept",
    ],
)
def test_typography_is_kept_as_written_and_invisibles_chosen_deliberately(
    text: str, html: str
) -> None:
    deck = deck2anki.read_text(f"Question?\n{text}\n", deck_name="T")
    assert render_note(deck.notes[0]).answer == html


def test_fenced_code_is_highlighted_at_build_time_with_our_classes() -> None:
    html = render_field("```python\nif x < 1:\n    pass\n```")
    assert html.startswith('<pre><code class="language-python"><span class="d2a-hl-k">if</span>')
    assert "&lt;" in html and "<script" not in html


@pytest.mark.parametrize("info", ["", "no-such-language"], ids=["no-language", "unknown"])
def test_code_without_a_known_language_is_escaped_as_it_is(info: str) -> None:
    html = render_field(f"```{info}\na < b && c\n```")
    assert "d2a-hl-" not in html
    assert "a &lt; b &amp;&amp; c" in html


def test_math_reaches_mathjax_intact_beside_code() -> None:
    assert render_field("Energy \\(E = mc^2\\) and `E`") == (
        "Energy \\(E = mc^2\\) and <code>E</code>"
    )
