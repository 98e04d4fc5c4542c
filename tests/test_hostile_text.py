"""Hostile text (issue 13): every text reader takes time linear in its input, and what used to
end in a traceback is a located error.

Each explicit case runs the CLI in a subprocess under a timeout, so a regression shows as a
failure, not a hung suite. The property test feeds every text reader a 1 MB line drawn from
the alphabets the readers' patterns work on.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deck2anki.cards.render import render_field
from deck2anki.cards.rules import active_html
from deck2anki.conversion import parse
from deck2anki.errors import SourceError
from deck2anki.formats import by_name

from conftest import examples

# What a hang is: far above what any case below takes now (well under a second each, plus
# the interpreter's start), far below what each took before (minutes, or forever).
HANG = 20.0


def check(tmp_path: Path, name: str, content: str | bytes) -> tuple[int, str, float]:
    """``deck2anki check`` of one source, in a subprocess: (exit status, output, seconds)."""
    source = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    source.write_bytes(content)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "deck2anki", "check", name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=HANG,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"deck2anki check {name} did not finish in {HANG:.0f} s")
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - started


def deck_json(*notes: dict[str, object]) -> str:
    return json.dumps({"deck2anki": 1, "notes": list(notes)})


@pytest.mark.parametrize(
    ("name", "content"),
    [
        # Class 1: the two patterns the issue found, and the others an audit found.
        ("table-separator.txt", "--- " + "| " * 42 + "x\n"),
        ("unclosed-comment.md", "## Q\n<!-- id: " + " " * 5000 + "\n"),
        ("escaped-brackets.md", "## Q\n\n[a]\n\n" + "[\\" * 100_000 + "\n\n[a]: https://e.com\n"),
        (
            "unclosed-img.md",
            "## Q\n\n```anki-note\n"
            + json.dumps({"question": "q", "answer": "<img " * 20_000, "format": "html"})
            + "\n```\n",
        ),
        (
            "unclosed-math.json",
            deck_json({"question": "q", "answer": "\\(\\[" * 25_000, "format": "html"}),
        ),
        (
            "unclosed-tags.json",
            deck_json({"question": "q", "answer": "<img " * 20_000, "format": "html"}),
        ),
        # Class 2: one question, many times.
        ("duplicates.txt", "What is it?\nThis.\n" * 12_000),
        # Found by review: markdown-it's inline pass over megabytes of image openers (linear,
        # but seconds a megabyte), before the field was refused for its length.
        ("image-openers.md", "## Q?\n\n" + "![" * 1_000_000 + "\n"),
        ("link-openers.md", "## Q?\n\n" + "![a](" * 800_000 + "\n"),
        # Found by review: Anki's text export, its head's tags and column names once per row.
        (
            "head-tags.txt",
            "#separator:tab\n#notetype:Basic\n#tags:"
            + " t" * 300_000
            + "\n"
            + "".join(f"Q{n}\tA\n" for n in range(10_000)),
        ),
        (
            "head-columns.txt",
            "#separator:tab\n#notetype:Mine\n#columns:"
            + "\t".join(f"c{n}" for n in range(100_000))
            + "\n"
            + "".join(f"Q{n}\tA\n" for n in range(3000)),
        ),
    ],
)
def test_hostile_text_is_read_in_linear_time(tmp_path: Path, name: str, content: str) -> None:
    status, output, seconds = check(tmp_path, name, content)
    assert status in (0, 1), output
    assert "internal error" not in output
    assert seconds < HANG


def test_a_question_repeated_thousands_of_times_is_reported_once_per_copy(
    tmp_path: Path,
) -> None:
    status, output, _ = check(tmp_path, "d.txt", "What is it?\nThis.\n" * 3000)
    assert status == 1
    assert output.count("[duplicate-question]") == 2999
    assert "d.txt:3:1: error: this question is already in the deck (line 1)" in output
    assert output.rstrip().endswith("checked 1 file: 2999 errors, 0 warnings")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"deck2anki": 1, "notes": [{"question": "q\\ud800", "answer": "a"}]}',
            "s.json: error: notes[0].question holds \\ud800, half of a surrogate pair: no"
            " character on its own [bad-json]",
        ),
        (
            '{"deck2anki": 1,\n "x": ' + "9" * 5000 + ', "notes": []}',
            "s.json:2:7: error: not a deck: a number of more than 4,300 digits [bad-json]",
        ),
        (
            '{"deck2anki": 1, "notes": [{"question": "q", "answer": "a"}],'
            ' "media": [{"name": "a.png", "data": "\u00e9"}]}',
            "s.json: error: media[0].data is not base64: string argument should contain only"
            " ASCII characters [bad-json]",
        ),
    ],
    ids=["lone-surrogate", "5000-digits", "non-ascii-base64"],
)
def test_json_the_parser_cannot_hold_is_a_located_error(
    tmp_path: Path, content: str, message: str
) -> None:
    status, output, _ = check(tmp_path, "s.json", content)
    assert status == 1, output
    assert message in output.splitlines()


def test_an_anki_note_block_nested_past_the_parser_is_a_located_error(tmp_path: Path) -> None:
    """200,000 "[" in an anki-note block: Python's JSON parser gives up (RecursionError),
    which ended in exit 3 (a note of another note type already said it)."""
    status, output, _ = check(tmp_path, "n.md", f"## Q\n\n```anki-note\n{'[' * 200_000}\n```\n")
    assert status == 1, output
    assert (
        "n.md:3:1: error: the anki-note block is not valid: maximum recursion depth exceeded"
        " while decoding a JSON array from a unicode string [bad-note-block]"
    ) in output.splitlines()


def test_a_lone_surrogate_in_an_anki_note_block_is_a_located_error(tmp_path: Path) -> None:
    block = '{"question": "q", "answer": "\\udc00"}'
    status, output, _ = check(tmp_path, "n.md", f"## Q\n\n```anki-note\n{block}\n```\n")
    assert status == 1, output
    assert (
        "n.md:3:1: error: the anki-note block is not valid: \\udc00 is half of a surrogate"
        " pair: no character on its own [bad-note-block]"
    ) in output.splitlines()


ACTIVE = [
    ("<script>alert(1)</script>", "a <script>"),
    ("<img src=x onerror=alert(1)>", "an onerror= handler"),
    ("<svg onload=alert(1)></svg>", "an onload= handler"),
    ("<img alt='>' onclick=alert(1)>", "an onclick= handler"),
    ("<a href='javascript:alert(1)'>a</a>", "a javascript: link"),
    ('<a href="java\tscript:alert(1)">a</a>', "a javascript: link"),
    ("<iframe src=https://e.com></iframe>", "an <iframe>"),
    ("<object data=x.swf></object>", "an <object>"),
    ("<embed src=x.swf>", "an <embed>"),
    ("<svg><script>alert(1)</script></svg>", "a <script>"),
]


@pytest.mark.parametrize(("html", "what"), ACTIVE, ids=[what for _, what in ACTIVE])
def test_html_that_runs_code_is_named(html: str, what: str) -> None:
    assert active_html(f"<p>Text</p>{html}") == [what]


@pytest.mark.parametrize("html", ["<p>Done once = twice</p>", "<b>on</b>=", "", "a: b"])
def test_html_that_runs_nothing_is_not_named(html: str) -> None:
    assert active_html(html) == []


def test_check_warns_of_active_html_in_fields_that_are_html(tmp_path: Path) -> None:
    content = deck_json(
        {
            "question": "q",
            "answer": "<img src=x onerror=alert(1)> <iframe></iframe>",
            "format": "html",
        }
    )
    status, output, _ = check(tmp_path, "h.json", content)
    assert status == 0, output
    assert (
        "h.json: warning: a field holds an <iframe> and an onerror= handler, which Anki runs or"
        " loads on the card [active-html]"
    ) in output.splitlines()


def test_the_former_rule_name_still_switches_the_warning_off(tmp_path: Path) -> None:
    (tmp_path / "deck2anki.toml").write_text('[check]\ndisable = ["script-in-html"]\n')
    content = deck_json({"question": "q", "answer": "<script>x</script>", "format": "html"})
    status, output, _ = check(tmp_path, "h.json", content)
    assert status == 0, output
    assert "active-html" not in output


def test_a_protocol_relative_link_is_an_https_link_and_its_image_no_media(tmp_path: Path) -> None:
    assert render_field("[x](//example.com/a) ![i](//example.com/i.png)") == (
        '<a href="https://example.com/a">x</a> <img src="https://example.com/i.png" alt="i" />'
    )
    status, output, _ = check(tmp_path, "l.md", "## Q\n\n![i](//example.com/i.png)\n")
    assert status == 0, output


# Each reader, with the start that brings a line to the code that reads its content.
READERS = {
    "lecture": "--- ",
    "markdown": "## Q\n",
    "csv": "Q?,",
    "tsv": "Q?\t",
    "anki-text": "#html:true\nQ\t",
    "json": "",
}
# The alphabets the readers' patterns (and what they call: the splitter, the rules, the
# HTML converter) work on.
ALPHABETS = [
    "| -:",
    "<!-- id:  -->",
    "*_`[]()!",
    "\\(\\[)]",
    "{{c1::}}",
    "# \n",
    "\"',\t",
    "<img src=' onerror=>",
    "a.b(_)",
    "A. analogy: ",
    "$\\ ",
    "[\\]\n",
]
MEGABYTE = 1_000_000
# The slowest reader (Markdown: markdown-it's inline tokens) takes 2 to 6 s for 1 MB of dense
# inline syntax on a busy machine, linearly; a quadratic pattern takes hours.
BOUND = 15.0


class Hang(Exception):
    pass


@contextmanager
def at_most(seconds: float) -> Iterator[None]:
    """Stop the block with ``Hang`` after ``seconds``: a slow reader fails, never hangs."""

    def stop(signum: int, frame: object) -> None:
        raise Hang

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.fuzz
@pytest.mark.parametrize("reader", list(READERS))
@settings(max_examples=examples(2), deadline=None)
@given(data=st.data())
def test_a_megabyte_line_of_any_pattern_alphabet_is_read_in_bounded_time(
    reader: str, data: st.DataObject
) -> None:
    alphabet = data.draw(st.sampled_from(ALPHABETS), label="alphabet")
    pieces = data.draw(
        st.lists(st.text(alphabet, min_size=1, max_size=12), min_size=1, max_size=8),
        label="pieces",
    )
    unit = "".join(pieces)
    line = (unit * (MEGABYTE // len(unit) + 1))[:MEGABYTE]
    if reader == "json":
        text = deck_json({"question": "q", "answer": line, "format": "html"})
    else:
        text = READERS[reader] + line
    started = time.perf_counter()
    try:
        with at_most(BOUND):
            parse(text.encode("utf-8"), "hostile", by_name(reader))
    except Hang:
        pytest.fail(f"{reader} took over {BOUND:.0f} s for 1 MB of {unit[:40]!r}")
    except SourceError as error:  # refused: with a location in the file
        assert all(d.location.path == "hostile" for d in error.diagnostics)
    assert time.perf_counter() - started < BOUND
