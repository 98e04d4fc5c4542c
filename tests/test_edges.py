"""Edges found by reviewing real misuse: each a way to lose data, hang or escape a folder."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki import files
from deck2anki.cli import cli
from deck2anki.model import Deck, Markup, Media, Note

from conftest import FIXTURES

PNG = (FIXTURES / "markdown" / "img" / "cell.png").read_bytes()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, list(args), prog_name="deck2anki", catch_exceptions=False, input=stdin
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", ["/tmp/escape.png", "../escape.png", "a/b.png"])
def test_a_json_deck_cannot_name_media_outside_its_folder(tmp_path: Path, name: str) -> None:
    deck = {
        "deck2anki": 1,
        "name": "D",
        "notes": [{"question": "Q?", "answer": "A."}],
        "media": [{"name": name, "data": "AAAA"}],
    }
    (tmp_path / "d.json").write_text(json.dumps(deck), encoding="utf-8")
    code, _, err = run("convert", str(tmp_path / "d.json"), str(tmp_path / "out" / "o.md"))
    assert code == 1
    assert f"media name {name!r} is not a plain file name" in err
    assert not (tmp_path / "out").exists() and not Path("/tmp/escape.png").exists()


def test_markdown_output_never_overwrites_a_different_file_beside_it(tmp_path: Path) -> None:
    (tmp_path / "pic.png").write_bytes(b"mine")
    deck = Deck("D", (Note("Q?", "![p](pic.png)", guid="g"),), media=(Media("pic.png", PNG),))
    with pytest.raises(deck2anki.UsageError, match="already there, with other content"):
        deck2anki.write(deck, tmp_path / "d.md", timestamp=0)
    assert (tmp_path / "pic.png").read_bytes() == b"mine"


def test_html_notes_in_markdown_keep_their_images_through_a_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = Deck(
        "D",
        (Note("Q?", '<div><img src="pic.png"></div>', guid="g", markup=Markup.HTML),),
        media=(Media("pic.png", PNG),),
    )
    (tmp_path / "out").mkdir()
    deck2anki.write(deck, tmp_path / "out" / "d.md", timestamp=0)
    monkeypatch.chdir(tmp_path / "out")
    back = deck2anki.read("d.md")
    assert [(m.name, m.data) for m in back.media] == [("pic.png", PNG)]


def test_a_note_that_leaves_a_fence_open_does_not_swallow_the_next(tmp_path: Path) -> None:
    notes = (
        Note("Q1?", "```python\nunclosed", markup=Markup.MARKDOWN),
        Note("Q2?", "A2."),
        Note("Q3?", "<!-- open", markup=Markup.MARKDOWN),
        Note("Q4?", "A4."),
    )
    deck2anki.write(Deck("D", notes), tmp_path / "d.md", timestamp=0)
    back = deck2anki.read(tmp_path / "d.md")
    assert [n.question for n in back.notes] == ["Q1?", "Q2?", "Q3?", "Q4?"]
    assert back.notes[0].answer == "```python\nunclosed"


@pytest.mark.parametrize("size", [50_000, 200_000])
def test_backtick_runs_do_not_make_reading_quadratic(tmp_path: Path, size: int) -> None:
    text = "## Q?\n\n" + "".join("`" * k + "x" for k in range(2000, 0, -1))[:size] + " $a$\n"
    (tmp_path / "b.md").write_text(text, encoding="utf-8")
    started = time.monotonic()
    try:
        deck2anki.read(tmp_path / "b.md")
    except deck2anki.SourceError as error:  # the large one is too long for a field: fine
        assert "field-too-long" in str(error)
    assert time.monotonic() - started < 30  # was minutes: a backstop, not a benchmark


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--field-sep", "\\x"], "a\tb", "has a broken backslash escape"),
        ([], "[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
    ],
    ids=["broken-separator-escape", "deep-json"],
)
def test_odd_input_is_a_message_not_a_crash(args: list[str], stdin: str, message: str) -> None:
    fmt = ["--from", "quizlet"] if args else ["--from", "json"]
    code, _, err = run("convert", "-", "-", "--to", "json", *fmt, *args, stdin=stdin)
    assert code in (1, 2)
    assert message in err and "internal error" not in err


def test_a_non_ascii_separator_is_taken_as_it_is() -> None:
    code, out, _ = run(
        "convert",
        "-",
        "-",
        "--to",
        "json",
        "--field-sep",
        "—",
        "--card-sep",
        "semicolon",
        stdin="cat—Katze;dog—Hund",
    )
    assert code == 0
    assert [n["answer"] for n in json.loads(out)["notes"]] == ["Katze", "Hund"]


def test_html_declarations_in_fields_do_not_crash_the_check(tmp_path: Path) -> None:
    (tmp_path / "ms.csv").write_text('Question,Answer,Format\nQ1,"<![x[ a ]]> b",html\n', "utf-8")
    code, out, _ = run("check", str(tmp_path / "ms.csv"))
    assert code == 0 and out.endswith("checked 1 file: 0 errors, 0 warnings\n")


def test_watch_on_a_missing_folder_is_bad_usage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("watch", "--sources", "nosuch")
    assert (code, err) == (2, "error: nosuch: no such folder; create it or pass --sources DIR\n")


def test_build_reads_anki_and_quizlet_text_in_sources_by_their_content(project: Path) -> None:
    (project / "sources" / "anki.txt").write_text(
        "#separator:tab\n#html:false\nWhat is a cell?\tThe unit of life.\n", encoding="utf-8"
    )
    (project / "sources" / "quiz.txt").write_text("cat\tKatze\ndog\tHund\n", encoding="utf-8")
    result = deck2anki.build(timestamp=1_700_000_000)
    decks = {built.source.name: deck2anki.read(built.output) for built in result.built}
    assert [(n.question, n.answer) for n in decks["anki.txt"].notes] == [
        ("What is a cell?", "The unit of life.")
    ]
    assert [n.question for n in decks["quiz.txt"].notes] == ["cat", "dog"]
    assert any(w.rule == "format-guess" and "quizlet" in w.message for w in result.warnings)


def test_front_matter_comments_are_comments() -> None:
    deck = deck2anki.read_text(
        "---\ndeck: Biology::Cells   # the deck\ntags: [a, b]  # for all\n---\n\n## Q?\n\nA.\n",
        fmt="markdown",
    )
    assert deck.name == "Biology::Cells" and deck.notes[0].tags == ("a", "b")


def test_images_with_spaces_or_accents_are_found_and_absolute_ones_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXTURES / "markdown" / "img" / "cell.png", tmp_path / "café.png")
    shutil.copy(FIXTURES / "markdown" / "img" / "cell.png", tmp_path / "a b.png")
    (tmp_path / "m.md").write_text("## Q?\n\n![x](café.png) ![y](<a b.png>)\n", "utf-8")
    assert sorted(m.name for m in deck2anki.read("m.md").media) == ["a b.png", "café.png"]
    (tmp_path / "abs.md").write_text("## Q?\n\n![z](/etc/hostname)\n", "utf-8")
    with pytest.raises(deck2anki.SourceError, match="image path '/etc/hostname' is absolute"):
        deck2anki.read("abs.md")


def test_lecture_output_keeps_its_cards_and_shows_formatting_as_plain_text(tmp_path: Path) -> None:
    deck = Deck(
        "D",
        (Note("Q?", "X is *this*.", markup=Markup.MARKDOWN, guid=None),),
        description="What is this deck?",
    )
    deck2anki.write(deck, tmp_path / "d.txt", timestamp=0)
    back = deck2anki.read(tmp_path / "d.txt", deck_name="D")
    assert [(n.question, n.answer) for n in back.notes] == [("Q?", "X is this.")]


def test_a_failed_rename_also_undoes_files_that_were_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = os.replace

    def replace(source: str, target: str) -> None:
        calls.append(target)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(deck2anki.UsageError):
        files.write_all({tmp_path / "new.apkg": b"new", tmp_path / "lock": b"lock"})
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("parts", "same"),
    [
        ([b"head ", b"x" * (files.BLOCK + 3), b" tail"], True),  # parts over a block's size
        ([b"head ", b"x" * (files.BLOCK + 3)], False),  # the file goes on
        ([b"head ", b"x" * (files.BLOCK + 3), b" tail", b"!"], False),  # the file ends first
        ([b"head ", b"x" * files.BLOCK + b"y" * 3, b" tail"], False),  # one byte differs
        ([b"head x", b"x" * (files.BLOCK + 2), b" tail"], True),  # cut elsewhere: same bytes
    ],
)
def test_a_file_is_compared_with_its_new_bytes_part_by_part(
    tmp_path: Path, parts: list[bytes], same: bool
) -> None:
    path = tmp_path / "lock"
    path.write_bytes(b"head " + b"x" * (files.BLOCK + 3) + b" tail")
    assert files.has_contents(path, parts) is same
    assert files.has_contents(path, b"".join(parts)) is same
    assert files.has_contents(tmp_path / "missing", parts) is False


@pytest.mark.parametrize("description", ["---", "What is this deck?", "Name | Mastery | Learn |"])
def test_a_description_lecture_text_cannot_hold_is_reported_not_misread(
    tmp_path: Path, description: str
) -> None:
    from deck2anki.errors import Report

    report = Report()
    deck = Deck("D", (Note("Q?", "A."),), description=description)
    deck2anki.write(deck, tmp_path / "d.txt", timestamp=0, report=report)
    assert [w.rule for w in report.warnings] == ["lossy-conversion"]
    back = deck2anki.read(tmp_path / "d.txt", deck_name="D")
    assert [(n.question, n.answer) for n in back.notes] == [("Q?", "A.")]
    assert back.description == ""
