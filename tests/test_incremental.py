"""Incremental builds, --check for CI, reproducible bytes, and note type schema safety."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki.cards import notetype
from deck2anki.cli import cli
from deck2anki.identity.lockread import load_lock

from conftest import SEED, edit_seed

T0 = 1_700_000_000


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="deck2anki", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def two_sources(project: Path) -> Path:
    """A project with the seed and a second, small source."""
    (project / "sources" / "tiny.txt").write_text(
        "What is a tensor?\nA multi-dimensional array.\n", encoding="utf-8"
    )
    return project


def test_a_second_build_skips_what_is_up_to_date(two_sources: Path) -> None:
    first = deck2anki.build(timestamp=T0)
    assert len(first.built) == 2
    again = deck2anki.build(timestamp=T0 + 10)
    assert again.built == ()
    assert [p.name for p in again.skipped] == ["deep-learning-lecture-06.txt", "tiny.txt"]


def test_only_the_changed_source_is_rebuilt(two_sources: Path) -> None:
    deck2anki.build(timestamp=T0)
    tiny = (two_sources / "build" / "tiny.apkg").read_bytes()
    edit_seed(two_sources, "memory constraints", "memory limits")
    result = deck2anki.build(timestamp=T0 + 10)
    assert [deck.source.name for deck in result.built] == ["deep-learning-lecture-06.txt"]
    assert [p.name for p in result.skipped] == ["tiny.txt"]
    assert (two_sources / "build" / "tiny.apkg").read_bytes() == tiny


@pytest.mark.parametrize(
    "change",
    ["config", "deleted-output", "edited-output"],
)
def test_a_changed_setting_or_output_rebuilds_the_deck(two_sources: Path, change: str) -> None:
    deck2anki.build(timestamp=T0)
    output = two_sources / "build" / "tiny.apkg"
    if change == "config":
        (two_sources / "deck2anki.toml").write_text('[decks.tiny]\nname = "Tiny"\n', "utf-8")
    elif change == "deleted-output":
        output.unlink()
    else:
        output.write_bytes(b"garbage")
    result = deck2anki.build(timestamp=T0 + 10)
    assert [deck.source.name for deck in result.built] == ["tiny.txt"]


def test_cli_says_what_it_skipped_rebuilt_and_relinked(project: Path) -> None:
    assert run("build")[0] == 0
    code, out, _ = run("build")
    assert out == "skipped sources/deep-learning-lecture-06.txt: up to date\n"
    edit_seed(project, "What is a DenseNet?", "What exactly is a DenseNet?")
    code, out, _ = run("build")
    assert code == 0
    assert out.splitlines() == [
        "re-linked sources/deep-learning-lecture-06.txt:34:1: 'What is a DenseNet?' is now"
        " 'What exactly is a DenseNet?' (same note, reviews kept)",
        "built build/deep-learning-lecture-06.apkg (20 notes, deck 'Deep Learning Lecture 06')"
        " from sources/deep-learning-lecture-06.txt",
    ]


def test_cli_lists_removed_notes(project: Path) -> None:
    run("build")
    source = project / "sources" / SEED.name
    lines = source.read_text(encoding="utf-8").splitlines()
    source.write_text("\n".join(lines[:-2]), encoding="utf-8")
    code, out, _ = run("build")
    assert code == 0
    removed = out.splitlines()[0]
    assert removed.startswith(
        "removed from sources/deep-learning-lecture-06.txt: 'What is an encoder-decoder"
        " structure?' (guid "
    )
    assert removed.endswith(  # issue 15: no longer "students can delete it by hand"
        "Anki keeps it in collections that imported it, so the package carries it for 180 days"
        " tagged deck2anki::removed (students find it with tag:deck2anki::removed) in the"
        " subdeck 'Deep Learning Lecture 06::Removed' (new students can delete it)"
    )


def test_check_passes_on_a_fresh_build_and_writes_nothing(project: Path) -> None:
    run("build")
    before = {
        p: p.stat().st_mtime_ns for p in [*project.glob("build/*"), project / "deck2anki.lock"]
    }
    code, out, _ = run("build", "--check")
    assert (code, out) == (0, "up to date: 1 deck(s)\n")
    after = {
        p: p.stat().st_mtime_ns for p in [*project.glob("build/*"), project / "deck2anki.lock"]
    }
    assert after == before


@pytest.mark.parametrize("staleness", ["edited-source", "no-build", "no-lock"])
def test_check_fails_when_build_or_lock_is_stale(project: Path, staleness: str) -> None:
    run("build")
    if staleness == "edited-source":
        edit_seed(project, "memory constraints", "memory limits")
    elif staleness == "no-build":
        shutil.rmtree(project / "build")
    else:
        (project / "deck2anki.lock").unlink()
    lock = project / "deck2anki.lock"
    lock_before = lock.read_text(encoding="utf-8") if lock.exists() else None
    code, out, err = run("build", "--check")
    assert code == 1
    assert out == ""
    stale = [line for line in err.splitlines() if line.startswith("stale: ")]
    expected = {
        "edited-source": [
            "stale: build/deep-learning-lecture-06.apkg: out of date with"
            " sources/deep-learning-lecture-06.txt; run 'deck2anki build'",
            "stale: deck2anki.lock: out of date; run 'deck2anki build' and commit it",
        ],
        "no-build": [
            "stale: build/deep-learning-lecture-06.apkg: out of date with"
            " sources/deep-learning-lecture-06.txt; run 'deck2anki build'",
        ],
        "no-lock": ["stale: deck2anki.lock: out of date; run 'deck2anki build' and commit it"],
    }[staleness]
    if staleness == "no-lock":
        # Without a lock the times are new, so the package differs too: both are named.
        assert stale[-1] == expected[0]
    else:
        assert stale == expected
    assert err.splitlines()[-1].endswith("stale; nothing was written")
    assert (lock.read_text(encoding="utf-8") if lock.exists() else None) == lock_before
    assert (project / "build").exists() == (staleness != "no-build")


def _build_in_process(project: Path, seed: str, env: dict[str, str]) -> bytes:
    shutil.rmtree(project / "build", ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "deck2anki", "build"],
        cwd=project,
        env={**os.environ, "PYTHONHASHSEED": seed, **env},
        check=True,
        capture_output=True,
    )
    return (project / "build" / "deep-learning-lecture-06.apkg").read_bytes()


@pytest.mark.slow
def test_two_processes_a_second_apart_build_identical_bytes_from_the_lock(project: Path) -> None:
    deck2anki.build(timestamp=T0)
    first = _build_in_process(project, "1", {})
    started = int(time.time())
    while int(time.time()) == started:  # the next second on the clock, however long that is
        time.sleep(0.01)
    second = _build_in_process(project, "2", {})
    assert first == second


@pytest.mark.slow
def test_source_date_epoch_makes_a_first_build_reproducible(project: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": str(T0)}
    first = _build_in_process(project, "1", env)
    (project / "deck2anki.lock").unlink()
    started = int(time.time())
    while int(time.time()) == started:  # the next second on the clock, however long that is
        time.sleep(0.01)
    second = _build_in_process(project, "2", env)
    assert first == second


def test_a_note_type_schema_change_fails_the_build(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck2anki.build(timestamp=T0)
    package = (project / "build" / "deep-learning-lecture-06.apkg").read_bytes()
    monkeypatch.setattr(notetype, "FIELDS", (*notetype.FIELDS, "Source"))
    code, _, err = run("build")
    assert code == 1
    assert err.startswith(
        "error: the note type's fields or card templates changed: fields ['Question', 'Answer',"
        " 'Analogy', 'Add Reverse', 'Add Type-in'] -> ['Question', 'Answer', 'Analogy',"
        " 'Add Reverse', 'Add Type-in', 'Source']"
    )
    assert "Anki would add a second note type to every student's collection" in err
    assert "--allow-notetype-change" in err
    assert (project / "build" / "deep-learning-lecture-06.apkg").read_bytes() == package


def test_an_allowed_schema_change_gets_a_new_note_type_id_and_name(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck2anki.build(timestamp=T0)
    lock = (project / "deck2anki.lock").read_text(encoding="utf-8")
    monkeypatch.setattr(notetype, "TEMPLATES", notetype.TEMPLATES[:1])
    first_id = json.loads(lock)["notetype"]["id"]  # the project's own, from its first build
    deck2anki.build(timestamp=T0 + 10, allow_notetype_change=True)
    state = json.loads((project / "deck2anki.lock").read_text(encoding="utf-8"))["notetype"]
    assert state["name"] == "Deep Learning Lecture 06 (deck2anki v2)"
    assert state["version"] == 2 and state["id"] not in (first_id, notetype.ID)


def test_two_sources_building_one_deck_give_one_question_two_notes(project: Path) -> None:
    # (issue 15) A new note's GUID comes from its source's name and question, not the deck
    # name: two sources of one deck name no longer give one question one GUID (which Anki
    # would take for one note), so each source's note is its own.
    shutil.copy(project / "sources" / SEED.name, project / "sources" / "again.txt")
    (project / "deck2anki.toml").write_text(
        '[decks.again]\nname = "DL"\n[decks.deep-learning-lecture-06]\nname = "DL"\n', "utf-8"
    )
    code, _, err = run("build")
    assert code == 0, err
    decks = load_lock(project / "deck2anki.lock").decks
    first = {n.guid for n in decks["again"].notes}
    second = {n.guid for n in decks["deep-learning-lecture-06"].notes}
    assert len(first) == len(second) == 20
    assert not first & second
