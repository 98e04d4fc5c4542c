"""The command line: what a user types, what they see, what is left on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from deck2anki import __version__
from deck2anki.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="deck2anki", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_build_without_arguments_builds_sources_into_build(project: Path) -> None:
    code, out, err = run("build")
    assert code == 0
    assert out == (
        "built build/deep-learning-lecture-06.apkg (20 notes, deck 'Deep Learning Lecture 06')"
        " from sources/deep-learning-lecture-06.txt\n"
    )
    assert "warning: the page counter says 19 cards, the file holds 20" in err
    assert (project / "build" / "deep-learning-lecture-06.apkg").is_file()


def test_build_takes_other_folders(project: Path) -> None:
    (project / "sources").rename(project / "cards")
    code, _, _ = run("build", "--sources", "cards", "--out", "dist")
    assert code == 0
    assert (project / "dist" / "deep-learning-lecture-06.apkg").is_file()
    assert not (project / "build").exists()


def test_deck_name_comes_from_the_configuration(project: Path) -> None:
    (project / "deck2anki.toml").write_text(
        '[decks.deep-learning-lecture-06]\nname = "Deep Learning::Lecture 6"\n', encoding="utf-8"
    )
    code, out, _ = run("build")
    assert code == 0
    assert "deck 'Deep Learning::Lecture 6'" in out


def test_bad_content_exits_1_with_every_problem_and_writes_nothing(project: Path) -> None:
    (project / "sources" / "broken.txt").write_text(
        "What is a tensor?\nAn array.\nWhat is a scalar?\n\nWhat is a vector?\n", encoding="utf-8"
    )
    code, out, err = run("build")
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    assert err.splitlines() == [
        "sources/broken.txt:3:1: error: question without an answer [unpaired-question]",
        "  hint: put the answer on the line after the question",
        "sources/broken.txt:5:1: error: question without an answer [unpaired-question]",
        "  hint: put the answer on the line after the question",
        "sources/deep-learning-lecture-06.txt:1:1: warning: the page counter says 19 cards, the"
        " file holds 20; all 20 are kept [counter-mismatch]",
        "  hint: the counter is copied from the page and is often stale; delete it to silence this",
        "error: 2 problems in 1 file; nothing was written",
    ]
    assert not (project / "build").exists()


def test_a_failed_build_leaves_the_previous_build_untouched(project: Path) -> None:
    assert run("build")[0] == 0
    package = project / "build" / "deep-learning-lecture-06.apkg"
    before = package.read_bytes()
    source = project / "sources" / "deep-learning-lecture-06.txt"
    source.write_text(
        source.read_text(encoding="utf-8") + "\nA question left dangling?\n", encoding="utf-8"
    )
    code, _, err = run("build")
    assert code == 1
    assert "deep-learning-lecture-06.txt:46:1: error: question without an answer" in err
    assert package.read_bytes() == before
    assert sorted(p.name for p in (project / "build").iterdir()) == [package.name]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["build", "--sources", "nowhere"],
            "error: nowhere: no such folder; create it or pass --sources DIR",
        ),
        (
            ["convert", "missing.txt", "out.apkg"],
            "error: missing.txt: no such file; check the path",
        ),
        (
            ["convert", "sources/deep-learning-lecture-06.txt", "out.docx"],
            "error: out.docx: cannot tell the format from the suffix '.docx'; known suffixes:"
            " .txt, .md, .markdown, .csv, .tsv, .tab, .json, .apkg, .colpkg; or name the format"
            " with --from/--to",
        ),
    ],
    ids=["missing-sources-folder", "missing-input", "unknown-output-suffix"],
)
def test_bad_usage_exits_2_with_one_clean_line(
    project: Path, args: list[str], message: str
) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert err == message + "\n"
    assert not (project / "out.apkg").exists()


def test_an_unknown_option_is_bad_usage(project: Path) -> None:
    code, _, err = run("build", "--nope")
    assert code == 2
    assert "No such option '--nope'" in err


def test_bad_configuration_is_bad_usage(project: Path) -> None:
    (project / "deck2anki.toml").write_text("[decks.x]\ncolour = 'red'\n", encoding="utf-8")
    code, _, err = run("build")
    assert code == 2
    assert err == (
        "error: deck2anki.toml: unknown setting 'decks.x.colour';"
        " known: description, encoding, inline_code, name, reverse, tags, type_in\n"
    )


def test_convert_names_the_deck_and_inspect_lists_it(project: Path) -> None:
    code, out, _ = run(
        "convert", "sources/deep-learning-lecture-06.txt", "lecture.apkg", "--deck", "DL 6"
    )
    assert code == 0
    assert out == "wrote lecture.apkg (20 notes, deck 'DL 6')\n"
    code, out, _ = run("inspect", "lecture.apkg", "--json")
    assert code == 0
    listing = json.loads(out)
    assert listing["deck"] == "DL 6"
    assert len(listing["notes"]) == 20
    first = listing["notes"][0]
    assert first["question"] == "Why is data typically divided into batches in deep learning?"
    assert first["analogy"].startswith("Processing a large book chapter by chapter")
    assert set(first) == {"guid", "question", "answer", "analogy", "tags"}


def test_inspect_prints_a_table_with_one_row_per_note(project: Path) -> None:
    run("build")
    code, out, _ = run("inspect", "build/deep-learning-lecture-06.apkg")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Deep Learning Lecture 06: 20 notes"
    assert lines[1].split() == ["#", "Question", "Answer", "Analogy", "Tags"]
    assert len(lines) == 22
    assert lines[2].split()[:2] == ["1", "Why"]


def test_inspect_of_something_that_is_not_a_package_is_bad_content(project: Path) -> None:
    Path("fake.apkg").write_text("not a zip", encoding="utf-8")
    code, _, err = run("inspect", "fake.apkg")
    assert code == 1
    assert err.splitlines()[0] == (
        "fake.apkg: error: not an Anki package: not a zip archive, or a damaged one [not-a-package]"
    )


def test_version_and_help() -> None:
    assert run("--version")[1] == f"deck2anki, version {__version__}\n"
    for command in ([], ["build"], ["convert"], ["inspect"], ["formats"]):
        code, out, _ = run(*command, "--help")
        assert code == 0
        assert out.startswith("Usage: deck2anki")


def test_formats_lists_the_registry() -> None:
    code, out, _ = run("formats")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [
        "lecture",
        "markdown",
        "csv",
        "tsv",
        "quizlet",
        "anki-text",
        "json",
        "apkg",
        "colpkg",
    ]


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deck2anki", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout == f"deck2anki, version {__version__}\n"


def test_the_command_ends_with_all_its_output_and_its_status(tmp_path: Path) -> None:
    """The command ends its process without Python's teardown (``cli.entry.leave``): what it
    printed into a pipe, beyond the pipe's buffer, all arrives, and so does its status."""
    rows = "".join(f"Question {i}?,Answer {i} in words.\n" for i in range(3_000))
    (tmp_path / "deck.csv").write_text("Question,Answer\n" + rows, encoding="utf-8")
    (tmp_path / "bad.apkg").write_text("not a zip", encoding="utf-8")

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        line = [sys.executable, "-m", "deck2anki", *args]
        return subprocess.run(line, cwd=tmp_path, capture_output=True, text=True, check=False)

    assert command("convert", "deck.csv", "deck.apkg").returncode == 0
    listing = command("inspect", "deck.apkg")
    assert listing.returncode == 0
    assert len(listing.stdout.encode()) > 1 << 16  # more than a pipe holds at once
    lines = listing.stdout.splitlines()
    assert len(lines) == 2 + 3_000
    assert lines[-1].split()[:3] == ["3000", "Question", "2999?"]
    failed = command("inspect", "bad.apkg")
    assert failed.returncode == 1
    assert failed.stderr.startswith("bad.apkg: error: not an Anki package")


def test_main_raises_system_exit_on_failure_for_a_program_that_runs_it_in_its_own_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deck2anki.cli import main

    (tmp_path / "bad.apkg").write_text("not a zip", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["deck2anki", "inspect", "bad.apkg"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    monkeypatch.setattr(sys, "argv", ["deck2anki", "--version"])
    main()  # success returns


@pytest.mark.parametrize(
    ("code", "status", "out"),
    [
        # Written, not flushed: leave() flushes before it ends the process.
        ("sys.stdout.write('x' * 100); leave(3)", 3, "x" * 100),
        # A profiler's statistics are printed when Python exits: under one it exits as usual.
        (
            "import cProfile; p = cProfile.Profile(); p.enable(); atexit.register(print, 'saved');"
            " leave(0)",
            0,
            "saved\n",
        ),
    ],
)
def test_leave_ends_the_process_with_what_it_wrote(code: str, status: int, out: str) -> None:
    line = f"import atexit, sys\nfrom deck2anki.cli.entry import leave\n{code}\n"
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as users run
    command = [sys.executable, "-c", line]
    done = subprocess.run(command, capture_output=True, text=True, env=buffered)
    assert (done.returncode, done.stdout, done.stderr) == (status, out, "")


@pytest.mark.parametrize("args", [["--version"], ["formats"], ["inspect", "bad.apkg"]])
def test_a_closed_output_gets_no_traceback(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "bad.apkg").write_text("not a zip", encoding="utf-8")
    # Started with its standard output closed: Python's sys.stdout is then None.
    command = f"exec >&- ; {sys.executable} -m deck2anki {' '.join(args)}"
    done = subprocess.run(["sh", "-c", command], cwd=tmp_path, capture_output=True, text=True)
    assert "Traceback" not in done.stderr
    assert done.returncode == (1 if args[0] == "inspect" else 0)


def test_help_imports_neither_genanki_nor_markdown_it() -> None:
    """`deck2anki --help` answers at once: the libraries behind a build load when one runs."""
    code = (
        "import sys\n"
        "sys.argv = ['deck2anki', '--help']\n"
        "from deck2anki.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('genanki', 'markdown_it', 'pygments', 'anki', 'zstandard', 'watchfiles')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage: deck2anki" in done.stdout
    assert done.stderr == "[]\n"
