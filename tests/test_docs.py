"""The README's examples, run: every deck2anki command in its shell blocks and its Python
block, in a copy of this repository, so the documentation cannot drift from the code."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(sh|python)\n(.*?)```", README, re.S)
# Installation commands are CI's to run (.ci/run runs the two at the top, as written).
SKIPPED = ("python3 -m venv", "pip ", "pipx ")


def shell_examples() -> list[str]:
    lines = [line for kind, body in BLOCKS if kind == "sh" for line in body.splitlines()]
    return [line for line in lines if "deck2anki" in line and not line.startswith(SKIPPED)]


def expected_exit(line: str) -> int:
    found = re.search(r"\[exit (\d+)\]", line)
    return int(found.group(1)) if found else 0


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository's decks, plus the files the examples name."""
    folder = tmp_path_factory.mktemp("readme")
    for name in ("sources", "build"):
        shutil.copytree(ROOT / name, folder / name)
    for name in ("deck2anki.toml", "deck2anki.lock"):
        shutil.copy(ROOT / name, folder / name)
    shutil.copytree(ROOT / "sources", folder / "cards")
    shutil.copy(ROOT / "deck2anki.toml", folder / "other.toml")
    shutil.copy(FIXTURES / "delimited" / "headed.csv", folder / "cards.csv")
    shutil.copy(FIXTURES / "delimited" / "quizlet-comma-semicolon.txt", folder / "export.txt")
    return folder


def test_the_readme_has_examples_of_every_command() -> None:
    commands = {line.split()[1] for line in shell_examples() if line.startswith("deck2anki ")}
    assert commands >= {
        "build",
        "convert",
        "inspect",
        "check",
        "formats",
        "preview",
        "init",
        "watch",
    } - {"formats"}


@pytest.mark.parametrize("line", shell_examples())
def test_shell_example(sandbox: Path, line: str) -> None:
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "BROWSER": "true",
    }  # preview --open must not start a real browser
    if "[until Ctrl-C]" in line:
        process = subprocess.Popen(
            ["bash", "-c", line],
            cwd=sandbox,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            process.wait(timeout=4)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
        assert "stopped watching" in out, err
        return
    evaluated = re.match(r'eval "\$\((.*)\)"', line)
    if evaluated:  # a completion script for another shell: produce it, bash need not run it
        line = evaluated.group(1)
    result = subprocess.run(
        ["bash", "-c", line],
        cwd=sandbox,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if evaluated:
        assert "deck2anki" in result.stdout
    assert result.returncode == expected_exit(line), result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_python_example(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (code,) = [body for kind, body in BLOCKS if kind == "python"]
    monkeypatch.chdir(sandbox)
    exec(compile(code, "README.md", "exec"), {})
