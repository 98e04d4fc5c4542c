"""A Markdown source is parsed a card at a time, each card's tokens let go once its note is
made (issue 17): the cards handed on are the ones markdown-it's parse of the whole text gives,
token for token, and each card sees every link reference definition it may use. A source in
the form most take is read without markdown-it, to the same notes."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.token import Token

from deck2anki.errors import Report
from deck2anki.readers import markdown as markdown_reader
from deck2anki.readers import markdown_simple
from deck2anki.readers.frontmatter import front_matter
from deck2anki.readers.markdown import _parser
from deck2anki.readers.markdown_blocks import read_cards

from conftest import examples

pytestmark = pytest.mark.fuzz

# Lines that start, continue, nest or end every kind of block, and what a card holds.
_LINES = [
    *["## Question?", "## q", "##", "## ", "  ## indented", "### third", "# Title"],
    *["", "", "", "  ", "\t", "text", "Analogy: like this", "word **bold** `code` $x$"],
    *["```", "~~~", "```python", "```anki-note", '{"question": "q", "answer": "a"}'],
    *["<!-- id: x -->", "<!-- tags: a b -->", "<!--", "-->", "<div>", "</div>"],
    *["- item", "1. item", "2) item", "  - nested", "- ## in a list", "> quote", ">"],
    *["> ## in a quote", "    code", "---", "===", "* * *", "|a|b|", "|-|-|", "\\"],
    *["[a]: https://example.com/a", "[b]: img/b.png", "> [c]: c.png", "- [d]: d.png"],
    *["![an image][a]", "![b]", "![x](img/x.png)", "[a] and [c][]", "a\0b", "[sound:a.mp3]"],
]
_FRONT = st.sampled_from(
    [[], ["---", "deck: D", "---"], ["---", "tags: [t]", "..."], ["---", "x: y"], ["---"]]
)


Dict = MutableMapping[str, Any]
"""A token as a mapping (``Token.as_dict``)."""


class Recorded:
    """What ``read_cards`` hands on, with the definitions each card saw."""

    def __init__(self, check_lines: Callable[[Callable[[int, int], str], int, int], None]):
        self.check_lines = check_lines
        self.preambles: list[list[Dict]] = []
        self.cards: list[tuple[list[Dict], int, dict[str, object]]] = []

    def preamble(self, tokens: list[Token]) -> None:
        self.preambles.append([token.as_dict() for token in tokens])

    def card(
        self,
        tokens: list[Token],
        stop: int,
        lines: Callable[[int, int], str],
        definitions: dict[str, dict[str, str]],
    ) -> None:
        assert tokens[0].map is not None
        self.check_lines(lines, tokens[0].map[0], stop)
        self.cards.append(([token.as_dict() for token in tokens], stop, dict(definitions)))


def shifted(tokens: list[Token], lines: int) -> list[Dict]:
    """The tokens of a parse of the text after its front matter, numbered as the whole text."""
    for token in tokens:
        if token.map is not None:
            token.map = [line + lines for line in token.map]
    return [token.as_dict() for token in tokens]


@settings(max_examples=examples(400), deadline=None)
@given(
    front=_FRONT,
    body=st.lists(st.sampled_from(_LINES), max_size=40),
    end=st.sampled_from(["", "\n", "\n\n", "  ", " \t"]),
)
def test_the_cards_handed_on_are_those_of_the_whole_parse(
    front: list[str], body: list[str], end: str
) -> None:
    text = "\n".join([*front, *body]) + end
    every_line = text.split("\n")
    _, first = front_matter(every_line, "deck.md", Report())
    env: dict[str, Any] = {}
    whole = shifted(_parser().parse("\n".join(every_line[first:]), env), first)
    # Numbered as the whole text too: the lines of each definition.
    final = {
        label: {**found, "map": [line + first for line in found["map"]]}
        for label, found in env.get("references", {}).items()
    }
    starts = [i for i, t in enumerate(whole) if t["type"] == "heading_open" and t["tag"] == "h2"]
    starts = [i for i in starts if whole[i]["level"] == 0]
    ends = [*starts[1:], len(whole)]
    stops = [*(whole[start]["map"][0] for start in starts[1:]), len(every_line)]
    expected = [(whole[a:b], stop) for a, b, stop in zip(starts, ends, stops, strict=False)]

    def check_lines(lines: Callable[[int, int], str], start: int, stop: int) -> None:
        for a, b in [(start, stop), (start + 1, stop), (first, len(every_line)), (stop, start)]:
            assert lines(a, b) == "\n".join(every_line[a:b]), (a, b)

    for at_once in (True, False):
        recorded = Recorded(check_lines)
        complete = read_cards(_parser(), text, first, recorded, whole=at_once)
        if at_once:
            assert complete
        if not complete:
            continue  # a part was handed on before a definition it may use: read again whole
        assert recorded.preambles == [whole[: starts[0] if starts else len(whole)]]
        assert [(tokens, stop) for tokens, stop, _ in recorded.cards] == expected
        for tokens, stop, seen in recorded.cards:
            span = "\n".join(every_line[tokens[0]["map"][0] : stop])
            if "[" in span:
                # A card that may use a definition saw every one (else: read again whole).
                assert seen == final


def test_a_definition_further_down_has_the_source_read_again_whole() -> None:
    text = "## One?\n\n![a cell][cell]\n\n## Two?\n\nAn answer.\n\n[cell]: cell.png\n"
    recorded = Recorded(lambda lines, start, stop: None)
    assert not read_cards(_parser(), text, 0, recorded, whole=False)
    recorded = Recorded(lambda lines, start, stop: None)
    assert read_cards(_parser(), text, 0, recorded, whole=True)
    found = {"CELL": {"href": "cell.png", "title": "", "map": [8, 9]}}
    assert [seen for _, _, seen in recorded.cards] == [found, found]


# Lines of the form most sources take (markdown_simple), and a few of other forms.
_SIMPLE = [
    *["## Question?", "## q", "##  two spaces", "## Q #x", "## {{c1::Q}}", "# Title", ""],
    *["", "", "text line", "Analogy: x", "Analogy: *x*", "analogy : y", "ANALOGY: caps"],
    *["- item", "- *em* x", "- Analogy: z", "- [sound:b.mp3]", "**b** x", "`c` x", "[l](u) x"],
    *["<!-- id: x -->", "<!-- tags: a b -->", "<!-- cards: Reverse -->", "<!-- mod: 12 ab -->"],
    *["<!-- format: html -->", "<!-- note -->", "<!-- id: y --> tail", "2024 x", "x $y$ z"],
    *[":colon", "(paren)", "\\(x\\)", "$a$", "[sound:a.mp3]", "Analogy:", "{{c1::x}}", "?", "!"],
]
_OTHER = [
    *["## #", "text ", "x\ty", "##", "## ", "- ", "-", "---", "===", "> q", "    code", "```"],
    *["<div>", "|a|", "![i](x.png)", "[a]: u", "1. x", "* x", "+ x", "_x_", "### h", "<!--"],
    *["-->", "~~~", "\xa0x", "\x00", "# T2"],
]


@settings(max_examples=examples(300), deadline=None)
@given(
    front=_FRONT,
    body=st.lists(st.sampled_from(_SIMPLE), max_size=30),
    other=st.lists(st.tuples(st.integers(0, 30), st.sampled_from(_OTHER)), max_size=1),
    end=st.sampled_from(["", "\n", "\n\n", " "]),
)
def test_a_source_of_the_common_form_reads_alike_without_markdown_it(
    front: list[str], body: list[str], other: list[tuple[int, str]], end: str
) -> None:
    for index, line in other:
        body.insert(index, line)
    text = "\n".join([*front, *body]) + end
    found, said = Report(), Report()
    deck = markdown_reader.parse(text, "deck.md", found)
    with patch.object(markdown_reader, "read_simple", return_value=False):
        parsed = markdown_reader.parse(text, "deck.md", said)
    assert repr(deck) == repr(parsed)  # with each note's location
    assert found.diagnostics == said.diagnostics


@pytest.mark.parametrize(
    ("text", "simple"),
    [
        ("## q\nanswer\n## r\nb", True),  # a card on the first line, none after the last
        ("---\ndeck: D\n---\n\n## q\nanswer\n\n## r\nb\n", True),  # a blank line first
        ("---\ndeck: D\n---\n## q\na\n", True),  # a card right after the front matter
        ("# Title\n\nintro\n\n## q\na\n", True),  # a title on the first line
        ("---\nx: y\n---\n\n# Title\n## q\na\n## r\n", True),  # a title, then cards
        ("## q\na\n# Late title\n", False),  # a title inside a card: markdown-it reads it
        ("## q\n a\n", False),  # an indented line, after the first
        (" ## q\na\n", False),  # an indented first line
    ],
)
def test_sources_of_the_common_form_are_read_without_markdown_it_alike(
    text: str, simple: bool
) -> None:
    taken: list[bool] = []
    read_simple = markdown_simple.read_simple

    def recorded(*args: Any) -> bool:
        taken.append(read_simple(*args))
        return taken[-1]

    with patch.object(markdown_reader, "read_simple", recorded):
        deck = markdown_reader.parse(text, "deck.md", Report())
    with patch.object(markdown_reader, "read_simple", return_value=False):
        parsed = markdown_reader.parse(text, "deck.md", Report())
    assert taken == [simple]
    assert repr(deck) == repr(parsed)
    assert deck.notes  # every case has a card
