"""A deck maintainer's workflow: init, CI files, pre-commit, watch, progress and output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from deck2anki.cli import cli

from conftest import edit_seed

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None, color: bool = False) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, list(args), prog_name="deck2anki", catch_exceptions=False, env=env, color=color
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def scaffold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    code, out, _ = run("init", str(tmp_path / "decks"))
    assert code == 0, out
    monkeypatch.chdir(tmp_path / "decks")
    return tmp_path / "decks"


def ci_steps() -> list[str]:
    """The deck2anki commands the scaffold's CI files run, in order (GitHub, then GitLab)."""
    github = yaml.safe_load(Path(".github/workflows/decks.yml").read_text("utf-8"))
    gitlab = yaml.safe_load(Path(".gitlab-ci.yml").read_text("utf-8"))
    steps = [step["run"] for step in github["jobs"]["decks"]["steps"] if "run" in step]
    steps += gitlab["decks"]["script"]
    return [step for step in steps if step.startswith("deck2anki ")]


def test_init_writes_a_repository_with_an_example_in_every_source_format(scaffold: Path) -> None:
    written = sorted(str(p.relative_to(scaffold)) for p in scaffold.rglob("*") if p.is_file())
    assert written == [
        ".gitattributes",
        ".github/workflows/decks.yml",
        ".gitignore",
        ".gitlab-ci.yml",
        "README.md",
        "deck2anki.toml",
        "sources/example-lecture.txt",
        "sources/example-markdown.md",
        "sources/example-script.json",
        "sources/example-table.csv",
        "sources/example-vocabulary.tsv",
    ]


def test_the_scaffold_passes_its_own_ci_steps(scaffold: Path) -> None:
    assert ci_steps() == [
        "deck2anki check",
        "deck2anki build --check",  # GitHub Actions
        "deck2anki check",
        "deck2anki build --check",  # GitLab CI
    ]
    # As its CI runs them, after the maintainer's first build:
    for command in ["deck2anki check", "deck2anki build", "deck2anki build --check"]:
        code, out, err = run(*command.split()[1:])
        assert code == 0, (command, out, err)
        assert ": warning:" not in err and ": warning:" not in out  # clean examples


@pytest.mark.parametrize(
    ("file", "schema"),
    [
        (".github/workflows/decks.yml", "vendor.github-workflows"),
        (".gitlab-ci.yml", "vendor.gitlab-ci"),
    ],
)
def test_ci_files_validate_against_their_published_schemas(
    scaffold: Path, file: str, schema: str
) -> None:
    # check-jsonschema vendors the schemas from SchemaStore (github-workflows.json, gitlab-ci.json).
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, file],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_publishes_the_decks_on_a_tag(scaffold: Path) -> None:
    github = yaml.safe_load(Path(".github/workflows/decks.yml").read_text("utf-8"))
    triggers = github[True] if True in github else github["on"]  # YAML reads "on" as true
    assert triggers["push"]["tags"] and "pull_request" in triggers
    publish = github["jobs"]["decks"]["steps"][-1]
    assert publish["if"] == "startsWith(github.ref, 'refs/tags/')"
    assert publish["with"]["files"] == "build/*.apkg"
    gitlab = yaml.safe_load(Path(".gitlab-ci.yml").read_text("utf-8"))
    assert gitlab["release"]["rules"] == [{"if": "$CI_COMMIT_TAG"}]
    assert gitlab["decks"]["artifacts"]["paths"] == ["build/*.apkg"]


def test_init_refuses_to_overwrite_unless_forced(scaffold: Path) -> None:
    readme = scaffold / "README.md"
    readme.write_text("mine\n", encoding="utf-8")
    code, _, err = run("init", ".")
    assert code == 2
    assert err.startswith("error: already there: README.md, deck2anki.toml")
    assert readme.read_text(encoding="utf-8") == "mine\n"
    assert run("init", ".", "--force")[0] == 0
    assert readme.read_text(encoding="utf-8") != "mine\n"


def test_the_repository_ships_pre_commit_hooks() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert {hook["id"]: hook["entry"] for hook in hooks} == {
        "deck2anki-check": "deck2anki check",
        "deck2anki-build": "deck2anki build",
    }
    assert all(hook["language"] == "python" and hook["pass_filenames"] is False for hook in hooks)


@pytest.mark.slow
def test_watch_rebuilds_the_changed_deck_and_stops_cleanly_on_ctrl_c(project: Path) -> None:
    (project / "sources" / "tiny.txt").write_text("Q?\nA.\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "deck2anki", "watch"],
        cwd=project,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    lines: list[str] = []

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + 60
        while not any(text in line for line in lines):
            assert time.monotonic() < deadline, lines
            lines.append(process.stdout.readline())  # type: ignore[union-attr]

    try:
        wait_for("built build/tiny.apkg")
        time.sleep(0.5)
        edit_seed(project, "memory constraints", "memory limits")
        wait_for("built build/deep-learning-lecture-06.apkg")
        assert not any(
            "built build/tiny.apkg" in line
            for line in lines[
                lines.index(next(line for line in lines if "built build/tiny.apkg" in line)) + 1 :
            ]
        )
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0
    assert out.strip().endswith("stopped watching")


def test_quiet_prints_nothing_but_problems_and_verbose_says_why(project: Path) -> None:
    code, out, err = run("build", "--quiet")
    assert (code, out) == (0, "")
    assert err.startswith("sources/deep-learning-lecture-06.txt:1:1: warning: the page counter")
    edit_seed(project, "memory constraints", "memory limits")
    code, out, _ = run("build", "--verbose")
    assert code == 0
    assert out.endswith(
        "from sources/deep-learning-lecture-06.txt: its source, settings, the note type or"
        " deck2anki changed\n"
    )
    code, out, _ = run("build", "-v")
    assert out == (
        "skipped sources/deep-learning-lecture-06.txt: up to date: the lock has its very inputs"
        " and output\n"
    )


def test_no_progress_bar_and_no_colour_off_a_terminal_or_with_no_color(project: Path) -> None:
    code, _, err = run("build")
    assert code == 0
    assert "building" not in err and "\x1b[" not in err
    _, out, _ = run("check", color=True)
    assert "\x1b[33mwarning:" in out  # colour on a terminal
    _, out, _ = run("check", color=True, env={"NO_COLOR": "1"})
    assert "\x1b[" not in out and "warning:" in out


def test_shell_completion_is_clicks_own(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deck2anki"],
        capture_output=True,
        text=True,
        env={**os.environ, "_DECK2ANKI_COMPLETE": "bash_source"},
    )
    assert "complete -o nosort -F _deck2anki_completion deck2anki" in result.stdout
