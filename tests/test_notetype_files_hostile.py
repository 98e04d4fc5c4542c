"""A note type folder edited by hand, as an attacker or a slip of the keyboard leaves it:
what Anki would refuse is a located error before anything is written, a huge manifest is
refused in bounded time, and a message stays short however many fields or folders there
are, and a note of as many fields as its note type may have is read in linear time (issue
16, found by review)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki.cli import cli
from test_hostile_text import HANG
from test_markdown_notetypes import _bad_input


def _manifest(folder: Path, change: Any) -> None:
    path = folder / "notetype.json"
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), "utf-8")


def _convert(project: Path) -> list[str]:
    result = CliRunner().invoke(cli, ["convert", "bio.md", "out.apkg"])
    assert result.exit_code == 1, result.output
    assert not (project / "out.apkg").exists()
    return result.output.splitlines()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda data: data.update(name=""),
            "notetype.json (''): it has an empty name: Anki refuses it",
        ),
        (
            lambda data: data["templates"][0].update(name=""),
            "notetype.json ('Basic'): a template has an empty name: Anki refuses it",
        ),
        (
            lambda data: data.update(latex_pre="\\documentclass\udc80"),
            "notetype.json ('Basic'): it holds \\udc80, half of a surrogate pair: no character"
            " alone",
        ),
        (
            lambda data: data["fields"][1].update(name="Back\ud800"),
            "notetype.json ('Basic'): it holds \\ud800, half of a surrogate pair: no character"
            " alone",
        ),
    ],
    ids=["empty-name", "empty-template-name", "surrogate-latex", "surrogate-field"],
)
def test_a_note_type_anki_would_refuse_is_refused_where_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Any, message: str
) -> None:
    """Written, such a package made Anki refuse the whole import ("Empty notetype name",
    "Empty template name", "lone leading surrogate in hex escape")."""
    monkeypatch.chdir(tmp_path)
    _, folder = _bad_input(tmp_path)
    _manifest(folder, lambda data: change(data))
    assert _convert(tmp_path)[0] == (
        f"bio.notetypes/Basic/notetype.json:1: error: {message} [bad-notetype]"
    )


def test_json_of_a_note_type_anki_would_refuse_is_refused_too(tmp_path: Path) -> None:
    """The JSON reader shares the note type's checks."""
    source = tmp_path / "deck.json"
    notetype = {
        "id": 1700000000000,
        "name": "",
        "fields": [{"name": "Front"}, {"name": "Back"}],
        "templates": [{"name": "Card 1", "front": "{{Front}}", "back": "{{Back}}"}],
    }
    data = {"deck2anki": 1, "deck": "Bio", "notetypes": [notetype], "notes": []}
    source.write_text(json.dumps(data), "utf-8")
    with pytest.raises(deck2anki.Deck2AnkiError) as raised:
        deck2anki.read(source)
    assert "notetypes[0] (''): it has an empty name: Anki refuses it" in str(raised.value)


def test_a_manifest_of_thousands_of_templates_is_refused_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each template's files were looked for, each missing one an error located by a pass over
    the 2 MB manifest: 20,000 templates took 24 s for 40,000 errors, then the refusal. Past
    500 templates, the files are not looked for: one error."""
    monkeypatch.chdir(tmp_path)
    _, folder = _bad_input(tmp_path)
    many = [
        {"name": f"Card {n}", "id": n, "front": f"{n}.front.html", "back": f"{n}.back.html"}
        for n in range(1, 20_001)
    ]
    _manifest(folder, lambda data: data.update(templates=many))
    errors = [line for line in _convert(tmp_path) if ": error: " in line]
    assert errors == [
        "bio.notetypes/Basic/notetype.json:1: error: notetype.json ('Basic'): 20,000 card"
        " templates, more than the 500 deck2anki writes [bad-notetype]",
        "bio.md:5:1: error: no note type 'Basic' in bio.notetypes [unknown-notetype]",
    ]


def test_a_hint_names_twenty_fields_at_most(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every note of a note type of 100,000 fields repeated them all: 21 MB for 32 notes."""
    monkeypatch.chdir(tmp_path)
    _, folder = _bad_input(tmp_path)
    fields = [{"name": "Front"}, *({"name": f"F{n}"} for n in range(1, 100_000))]
    _manifest(folder, lambda data: data.update(fields=fields))
    assert _convert(tmp_path)[:2] == [
        "bio.md:10:1: error: field 'Back' of note type 'Basic' is no field of it [unknown-field]",
        "  hint: its fields are Front, F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12, F13,"
        " F14, F15, F16, F17, F18, F19 and 99,980 more: the heading holds 'Front', a"
        " '### NAME' section each other one",
    ]


def test_a_note_of_tens_of_thousands_of_fields_is_read_in_linear_time(tmp_path: Path) -> None:
    """Each section's field was searched for among the note type's names: 40,000 fields
    and as many sections took 19 s, 60,000 took about 40 (now a few seconds)."""
    fields = 60_000
    _, folder = _bad_input(tmp_path)
    _manifest(folder, lambda data: data.update(fields=[{"name": f"f{n}"} for n in range(fields)]))
    sections = "".join(f"\n### f{n}\n\nv{n}\n" for n in range(1, fields))
    note = "---\ndeck: Bio\n---\n\n## f0\n<!-- notetype: Basic -->\n" + sections
    (tmp_path / "bio.md").write_text(note, "utf-8")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "deck2anki", "check", "bio.md"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=HANG,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"deck2anki check bio.md did not finish in {HANG:.0f} s")
    assert done.returncode == 0, done.stdout + done.stderr
