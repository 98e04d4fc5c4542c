"""Fields in the forms most cards take are rendered without markdown-it, to the same bytes
(issue 17): wherever ``simple_html`` gives HTML, it is the HTML markdown-it gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deck2anki.cards.render import UNCHANGED_LINK, _normalize_link, _safe_link, markdown
from deck2anki.cards.simple_markdown import simple_html

from conftest import examples

pytestmark = pytest.mark.fuzz

_WORDS = ["word", "a", "Zeta", "x1", "é", "naïve", "x_1", "snake_case", "日本", "2", "²"]
_PUNCTUATION = list(".,:;?!()\"'-$#%/+={}^@—’·")
_URLS = ["https://e.com/a", "//host/p", "a.png", "javascript:x", "HTTPS://X/é", "data:x", "a?b=c#d"]
# What simple_html takes, and what it may meet beside it.
_PIECES = st.one_of(
    st.sampled_from(_WORDS),
    st.just(" "),
    st.sampled_from(_PUNCTUATION),
    st.tuples(
        st.sampled_from(["*", "**", "***"]),
        st.lists(st.sampled_from(_WORDS), min_size=1),
        st.sampled_from(["", "", ".", ":", "?", "'", ")", '"', "—", "’", " "]),
    ).map(lambda run: run[0] + " ".join(run[1]) + run[2] + run[0]),
    st.sampled_from(["x", " x ", "a*b", "  ", " a", "[l](u)", "\\(", "x`", "<mask>", "a & b"]).map(
        lambda code: f"`{code}`"
    ),
    st.tuples(st.sampled_from("(["), st.sampled_from(["x^2", "a*b", "`", "<", " "])).map(
        lambda math: f"\\{math[0]}{math[1]}\\{')' if math[0] == '(' else ']'}"
    ),
    st.tuples(st.sampled_from(["text", "a b", "t(x)", "", "é"]), st.sampled_from(_URLS)).map(
        lambda link: f"[{link[0]}]({link[1]})"
    ),
    st.just("\n"),
    st.sampled_from(["\\(", "\\)", "\\[", "\\]"]),  # math that may span lines
)
_ODD = st.sampled_from(
    [*"*_`[]\\<>&!~|\t\xa0", "\\*", "![a](b.png)", "~~", "  \n", "\\\n", "- ", "# ", "1. "]
) | st.sampled_from(["\n> ", "\n~~~\n", "\n* ", "\n___\n", "\n```\n", "\n    ", "\n=\n", "\n+ "])
_INLINE = st.tuples(
    st.lists(_PIECES, min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(0, 12), _ODD), max_size=2),
).map(lambda parts: "".join(_inserted(parts[0], parts[1])))
_BLOCK = _INLINE | st.lists(_INLINE.map(lambda item: f"- {item}"), min_size=1, max_size=4).map(
    "\n".join
)
_FIELDS = st.tuples(
    st.lists(_BLOCK, min_size=1, max_size=3), st.sampled_from(["\n\n", "\n\n", "\n", "\n\n\n"])
).map(lambda field: field[1].join(field[0]))
_ANY = st.lists(
    st.sampled_from(
        [*_WORDS, *_PUNCTUATION, " ", "\n", "- ", "1. ", "# ", "> ", "|", "~", "*", "_"]
    ),
    max_size=30,
).map("".join)


def _inserted(pieces: list[str], odd: list[tuple[int, str]]) -> list[str]:
    for index, piece in odd:
        pieces.insert(index, piece)
    return pieces


def markdown_it(text: str) -> str:
    return str(markdown().render(text, {"media": {}}))


@settings(max_examples=examples(600), deadline=None)
@given(text=_FIELDS | _ANY)
def test_the_html_written_without_markdown_it_is_what_markdown_it_writes(text: str) -> None:
    html = simple_html(text, _normalize_link, _safe_link)
    if html is not None:
        assert html == markdown_it(text)


@settings(max_examples=examples(200), deadline=None)
@given(
    before=_INLINE,
    start=st.sampled_from(["> ", "~~~", "```", "* ", "- ", "+ ", "1. ", "# ", "___", "=", "    "]),
    after=_INLINE,
    math=st.sampled_from([("\\(", "\\)"), ("\\[", "\\]")]),
)
def test_math_over_lines_is_no_way_round_the_blocks_a_line_starts(
    before: str, start: str, after: str, math: tuple[str, str]
) -> None:
    text = f"{before}{math[0]}a\n{start}b{math[1]}{after}"
    html = simple_html(text, _normalize_link, _safe_link)
    assert html is None or html == markdown_it(text)


@pytest.mark.parametrize(
    "text",
    [
        *["` x `", "`  `", "`a`b`", "``a``", "`a", "a`\nb`", "`a``b`"],
        *["*a*", "**a**", "*a**b*", "***a***", "**a*", "*a *", "*a.*b", "a*b*c", "*a*b*c*"],
        *["**Note:** x", "*a.*", "*a?*,", "*a'*\nb", "*a.*’", "*a.*_b", "a*b.* c", "*a—*"],
        *["*a:*b", "**a.**[l](u)", "*a.*(b)", "*a)*.", '*a"* b', "**a:**\n- b", "*a.* *b.*"],
        *["_a_", "x_1", "a_", "__a__", "a__b", "*a_b*", "a_*b*", "a _b_ c", "x_1 _y_"],
        *["# a", "a\n# b", "- a\n\n- b", "- a\n\nb", "a\n- b", "1. a", "a\n1) b", "> a"],
        *["a\n===", "a\n---", "    a", "a  \nb", "a \nb", "a\n b", "a\n\n\nb", "-a", "- "],
        *["[t](javascript:x)", "[t](//host/p)", "[t](HTTPS://X/é)", "[](a)", "[a](b c)", "[a]"],
        *["[a](b(c))", "[a](b)c)", "[a](<b>)", "\\(a<b\\)", '\\[x & "y"\\]'],
        *["\\(\n> x\\)", "\\(a\n~~~\nb\\)", "\\(a\n* b\\)", "\\(a\n___\\)", "\\[a\n```\\]"],
        *["![a](b.png)", "[a](b)c", "\\(a", "\\(a\\)", "\\[a\\]", "\\*a", "a\\\nb", "\\(a\n\nb\\)"],
        *["a & b", "a < b", "`a & b`", "a|b", "~~a~~", "a\tb", "a\xa0b", "a!b", "a![b"],
        *["a\x00b", "a\rb", "a\xa0", "\xa0a", "a\t\nb", "a\n\tb", "+ a", "a\n+ b", "a\n> b"],
    ],
)
def test_each_form_is_written_as_markdown_it_writes_it_or_left_to_markdown_it(text: str) -> None:
    html = simple_html(text, _normalize_link, _safe_link)
    assert html is None or html == markdown_it(text)


@pytest.mark.parametrize(
    "text",
    [
        "ATP synthase makes **ATP** from *ADP*, in `mitochondria`.",
        "See [the reference](https://en.wikipedia.org/wiki/Dropout). Here \\(x_i^2\\) holds.",
        "A first paragraph.\n\n- one\n- two with `code`\n\nAnd a last one, x_1 and snake_case.",
        "Two lines\nof one paragraph, \\[\\sigma(z) = 1 / (1 + e^{-z})\\] and `a <mask> token`.",
    ],
)
def test_the_fields_most_cards_have_are_written_without_markdown_it(text: str) -> None:
    html = simple_html(text, _normalize_link, _safe_link)
    assert html is not None
    assert html == markdown_it(text)


@settings(max_examples=examples(300), deadline=None)
@given(st.from_regex(UNCHANGED_LINK, fullmatch=True))
def test_a_link_of_the_plain_form_is_what_markdown_it_normalises_it_to(url: str) -> None:
    """``_normalize_link`` gives these back as they are, without asking markdown-it: it must
    be what markdown-it gives them."""
    from markdown_it.common.normalize_url import normalizeLink

    assert normalizeLink(url) == url == _normalize_link(url)


# Hosts near what mdurl takes as they are: labels up to 63 characters, 255 in all.
_LABELS = st.lists(
    st.integers(1, 70).map(lambda n: "a" * n) | st.sampled_from(["a-b", "x1", "0", "-a", "b-"]),
    min_size=1,
    max_size=6,
).map(".".join)


@settings(max_examples=examples(300), deadline=None)
@given(
    scheme=st.sampled_from(["http://", "https://", "HTTP://"]),
    host=_LABELS,
    port=st.sampled_from(["", ":8080", ":1"]),
    rest=st.sampled_from(["", "/", "/x", "/a/b.c", "?q=1", "#f", "/x?y=z#w"]),
)
def test_every_link_is_normalised_as_markdown_it_normalises_it(
    scheme: str, host: str, port: str, rest: str
) -> None:
    from markdown_it.common.normalize_url import normalizeLink

    url = scheme + host + port + rest
    assert _normalize_link(url) == normalizeLink(url)


@pytest.mark.parametrize(
    "url",
    [
        *["https://Keras.io/a", "https://a.b/é", "https://a.b/%7e", "https://a.b/x?y=(1)"],
        *["//a.b/x", "https://a..b/", "https://-a.b/"],
        "https://" + ".".join(["a" * 63] * 4) + ".bc/x",  # a host of 258: mdurl blanks it
        "http://" + "a" * 64 + ":8080/p",  # a label of 64: mdurl cuts it
    ],
)
def test_a_link_of_another_form_is_normalised_by_markdown_it(url: str) -> None:
    from markdown_it.common.normalize_url import normalizeLink

    assert not UNCHANGED_LINK.fullmatch(url)
    expected = normalizeLink("https:" + url if url.startswith("//") else url)
    assert _normalize_link(url) == expected
