"""Cloze in deck2anki's own sources, as a student sees it (issue 16, point 6).

A card whose question holds ``{{c1::...}}`` becomes a note of deck2anki's cloze note type
(Text, Back Extra, Analogy): checked by importing the builds into a fresh collection of the
real ``anki`` package, studying it, and importing the rebuilds over it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki.cli import cli

from conftest import fold, import_package, log_counts, review_every_card, study_state

T0 = 1_700_000_000

SOURCE = """\
# Biology

## The {{c1::mitochondria::organelle}} is the powerhouse of the {{c2::cell}}.

It makes ATP.

## A {{c1::**bold** <mask> token}} stays text.

Analogy: like a mask at a ball.

## What is osmosis?

Water moving across a membrane.
"""

CLOZE_KIND = 1  # Anki's note type "type": 1 is cloze


@pytest.fixture
def cloze_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "bio.md").write_text(SOURCE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def build_copy(project: Path, name: str, timestamp: int) -> Path:
    deck2anki.build(project / "sources", project / "build", timestamp=timestamp)
    return Path(shutil.copy(project / "build" / "bio.apkg", project / name))


def cards_of(col: Any, text: str) -> list[Any]:
    (note_id,) = [n for n in col.find_notes("") if text in col.get_note(n).fields[0]]
    return sorted(col.get_note(note_id).cards(), key=lambda card: card.ord)


def shown(side: str) -> str:
    return fold(side.rpartition("</style>")[2])


def test_cloze_cards_import_as_a_cloze_note_type_with_a_card_per_number(
    cloze_project: Path, collection: Any
) -> None:
    log = import_package(collection, build_copy(cloze_project, "first.apkg", T0))
    assert log_counts(log) == {"new": 3, "updated": 0, "duplicate": 0, "conflicting": 0}
    powerhouse = cards_of(collection, "mitochondria")
    assert [card.ord for card in powerhouse] == [0, 1]
    note = powerhouse[0].note()
    kind = note.note_type()
    assert kind["type"] == CLOZE_KIND
    assert kind["name"] == "Bio cloze (deck2anki)"
    assert [field["name"] for field in kind["flds"]] == ["Text", "Back Extra", "Analogy"]
    assert [template["name"] for template in kind["tmpls"]] == ["Cloze"]
    assert note["Back Extra"] == "It makes ATP."
    # Card 1 hides c1 behind its hint, card 2 hides c2; the back shows both.
    assert shown(powerhouse[0].question()) == ("The [organelle] is the powerhouse of the cell.")
    assert shown(powerhouse[1].question()) == "The mitochondria is the powerhouse of the [...]."
    assert shown(powerhouse[0].answer()) == (
        "The mitochondria is the powerhouse of the cell. It makes ATP."
    )
    # Markdown inside a deletion renders, and <mask> stays text.
    (mask,) = cards_of(collection, "token")
    assert mask.note()["Text"] == "A {{c1::<strong>bold</strong> &lt;mask&gt; token}} stays text."
    assert mask.note()["Analogy"] == "like a mask at a ball."
    assert shown(mask.question()) == "A [...] stays text."
    assert shown(mask.answer()) == "A bold <mask> token stays text. Analogy like a mask at a ball."
    # The night mode classes of deck2anki (v1) reach the cloze deletion too.
    assert ".nightMode" in kind["css"] and ".d2a-cloze .cloze" in kind["css"]
    # A card without a deletion keeps deck2anki's own note type.
    (plain,) = cards_of(collection, "osmosis")
    assert plain.note().note_type()["name"] == "Bio (deck2anki)"
    assert collection.card_count() == 4


def test_an_edited_back_extra_updates_one_note_keeps_reviews_and_never_conflicts(
    cloze_project: Path, collection: Any
) -> None:
    import_package(collection, build_copy(cloze_project, "first.apkg", T0))
    review_every_card(collection)
    before = study_state(collection)
    note_types = len(collection.models.all_names_and_ids())
    source = cloze_project / "sources" / "bio.md"
    source.write_text(SOURCE.replace("It makes ATP.", "It makes most ATP."), encoding="utf-8")
    log = import_package(collection, build_copy(cloze_project, "second.apkg", T0 + 3600))
    assert log_counts(log) == {"new": 0, "updated": 1, "duplicate": 2, "conflicting": 0}
    assert cards_of(collection, "mitochondria")[0].note()["Back Extra"] == "It makes most ATP."
    assert study_state(collection) == before
    # Rebuilt from scratch (no build/, no lock change): the same note types, nothing forks.
    shutil.rmtree(cloze_project / "build")
    log = import_package(collection, build_copy(cloze_project, "third.apkg", T0 + 7200))
    assert log_counts(log) == {"new": 0, "updated": 0, "duplicate": 3, "conflicting": 0}
    assert len(collection.models.all_names_and_ids()) == note_types
    assert study_state(collection) == before


def test_the_lock_records_the_cloze_note_type_only_once_a_deck_has_one(
    cloze_project: Path,
) -> None:
    source = cloze_project / "sources" / "bio.md"
    source.write_text("# Biology\n\n## What is osmosis?\n\nWater moving.\n", encoding="utf-8")
    deck2anki.build(cloze_project / "sources", cloze_project / "build", timestamp=T0)
    lock = json.loads((cloze_project / "deck2anki.lock").read_text(encoding="utf-8"))
    assert "cloze" not in lock
    source.write_text(SOURCE, encoding="utf-8")
    deck2anki.build(cloze_project / "sources", cloze_project / "build", timestamp=T0 + 60)
    lock = json.loads((cloze_project / "deck2anki.lock").read_text(encoding="utf-8"))
    assert {key: lock["cloze"][key] for key in ("name", "version", "fields", "templates")} == {
        "name": "Bio cloze (deck2anki)",
        "version": 1,
        "fields": ["Text", "Back Extra", "Analogy"],
        "templates": ["Cloze"],
    }
    assert lock["cloze"]["mod"] == T0 + 60
    assert lock["cloze"]["id"] != lock["notetype"]["id"]
    # A later build at another time changes nothing: the same lock, the same package.
    package = (cloze_project / "build" / "bio.apkg").read_bytes()
    result = deck2anki.build(
        cloze_project / "sources", cloze_project / "build", timestamp=T0 + 999, check=True
    )
    assert result.stale == ()
    # A lost lock is recovered from build/: the cloze note type's mod with it.
    (cloze_project / "deck2anki.lock").unlink()
    deck2anki.build(cloze_project / "sources", cloze_project / "build", timestamp=T0 + 999)
    recovered = json.loads((cloze_project / "deck2anki.lock").read_text(encoding="utf-8"))
    assert recovered["cloze"] == lock["cloze"]
    assert (cloze_project / "build" / "bio.apkg").read_bytes() == package


def test_preview_shows_each_cloze_card(cloze_project: Path) -> None:
    result = CliRunner().invoke(cli, ["preview", "sources/bio.md", "-o", "preview.html"])
    assert result.exit_code == 0, result.output
    page = (cloze_project / "preview.html").read_text(encoding="utf-8")
    assert page.count("<h2>") == 4
    assert "<h2>1. Cloze 1</h2>" in page and "<h2>2. Cloze 2</h2>" in page
    assert '<span class="cloze">[organelle]</span> is the powerhouse of the cell.' in page
    assert 'The mitochondria is the powerhouse of the <span class="cloze">[...]</span>' in page
    assert ".d2a-cloze .cloze" in page


def test_lecture_text_and_csv_cloze_cards_are_cloze_notes(
    cloze_project: Path, collection: Any
) -> None:
    sources = cloze_project / "sources"
    (sources / "bio.md").unlink()
    (sources / "lecture.txt").write_text(
        "The {{c1::heart::organ}} pumps {{c2::blood}}.\nFour chambers. Analogy: a pump.\n"
        "What is osmosis?\nWater moving.\n",
        encoding="utf-8",
    )
    (sources / "table.csv").write_text(
        'Question,Answer\n"The {{c1::lung}} breathes.",\n', encoding="utf-8"
    )
    deck2anki.build(sources, cloze_project / "build", timestamp=T0)
    for package in ("lecture.apkg", "table.apkg"):
        log = import_package(collection, cloze_project / "build" / package)
        assert log_counts(log)["conflicting"] == 0
    heart = cards_of(collection, "heart")
    assert [card.ord for card in heart] == [0, 1]
    assert heart[0].note()["Back Extra"] == "Four chambers."
    assert heart[0].note()["Analogy"] == "a pump."
    assert shown(heart[0].question()) == "The [organ] pumps blood."
    (lung,) = cards_of(collection, "lung")
    assert lung.note().note_type()["type"] == CLOZE_KIND
    assert lung.note().mid == heart[0].note().mid  # one cloze note type for the project
    assert shown(lung.answer()) == "The lung breathes."


def test_a_note_that_becomes_a_cloze_note_is_told_as_anki_conflicts_on_it(
    cloze_project: Path, collection: Any
) -> None:
    source = cloze_project / "sources" / "bio.md"
    import_package(collection, build_copy(cloze_project, "first.apkg", T0))
    source.write_text(
        SOURCE.replace("## What is osmosis?", "## What is {{c1::osmosis}}?"), encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    assert (
        "sources/bio.md:11:1: warning: 1 note students may already have moves between the"
        " note types 'Bio (deck2anki)' and 'Bio cloze (deck2anki)' (a cloze deletion in a"
        " question makes a cloze note): Anki reports it as conflicting and does not update it"
        " [notetype-fork]\n"
        "  hint: students move them in Anki (Browse, select them, Notes > Change Note Type;"
        " reviews are kept), or keep the question as it was\n"
    ) in result.output
    # What the warning says, as Anki does it.
    log = import_package(collection, cloze_project / "build" / "bio.apkg")
    assert log_counts(log)["conflicting"] == 1
    # Said once: the lock now knows the note as a cloze note.
    source.write_text(source.read_text(encoding="utf-8") + "\n## New?\n\nYes.\n")
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    assert "notetype-fork" not in result.output


def test_a_built_cloze_deck_converts_to_markdown_and_back_without_a_loss(
    cloze_project: Path, collection: Any
) -> None:
    deck2anki.build(cloze_project / "sources", cloze_project / "build", timestamp=T0)
    result = CliRunner().invoke(cli, ["convert", "build/bio.apkg", "back.md"])
    assert result.exit_code == 0, result.output
    assert "lossy-conversion" not in result.output
    text = (cloze_project / "back.md").read_text(encoding="utf-8")
    assert "## The {{c1::mitochondria::organelle}} is the powerhouse of the {{c2::cell}}." in text
    result = CliRunner().invoke(cli, ["convert", "back.md", "back.apkg"])
    assert result.exit_code == 0, result.output
    import_package(collection, cloze_project / "back.apkg")
    powerhouse = cards_of(collection, "mitochondria")
    assert [card.ord for card in powerhouse] == [0, 1]
    assert powerhouse[0].note()["Back Extra"] == "It makes ATP."
    assert powerhouse[0].note().note_type()["type"] == CLOZE_KIND


def test_a_cloze_card_with_an_analogy_and_no_back_extra_builds_without_a_warning(
    cloze_project: Path,
) -> None:
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    assert result.output == "built build/bio.apkg (3 notes, deck 'Biology') from sources/bio.md\n"


def test_cloze_numbers_give_the_cards_anki_itself_gives(
    cloze_project: Path, collection: Any
) -> None:
    (cloze_project / "sources" / "bio.md").write_text(
        "# Numbers\n\n## A {{c0::zero}} and {{c1::one}}.\n\n## Only {{c0::zero}}.\n\n"
        "## Big {{c3::three}} {{c70000::big}} {{c" + "9" * 5000 + "::huge}}.\n",
        encoding="utf-8",
    )
    deck2anki.build(cloze_project / "sources", cloze_project / "build", timestamp=T0)
    log = import_package(collection, cloze_project / "build" / "bio.apkg")
    assert log_counts(log)["new"] == 3
    for note_id in collection.find_notes(""):
        note = collection.get_note(note_id)
        ours = sorted(card.ord for card in note.cards())
        note["Text"] += " "  # Anki generates the cards of an edited note itself
        collection.update_note(note)
        assert sorted(card.ord for card in note.cards()) == ours
    assert sorted(c.ord for c in cards_of(collection, "Big")) == [
        2
    ]  # c70000 is past 16 bits: no cloze to Anki
    assert [c.ord for c in cards_of(collection, "Only")] == [0]


def test_a_new_style_reaches_the_cloze_cards_students_have_without_a_fork(
    cloze_project: Path, collection: Any
) -> None:
    (cloze_project / "deck2anki.toml").write_text('[notetype]\ncss = "style.css"\n')
    (cloze_project / "style.css").write_text(".cloze { color: teal; }\n")
    import_package(collection, build_copy(cloze_project, "first.apkg", T0))
    review_every_card(collection)
    before = study_state(collection)
    (cloze_project / "style.css").write_text(".cloze { color: crimson; }\n")
    log = import_package(collection, build_copy(cloze_project, "second.apkg", T0 + 3600))
    assert log_counts(log)["conflicting"] == 0
    (mask,) = cards_of(collection, "token")
    assert mask.note().note_type()["type"] == CLOZE_KIND
    css = mask.note().note_type()["css"]  # Anki took it: the cloze note type's mod moved
    assert "crimson" in css and "teal" not in css
    ours = [kind.name for kind in collection.models.all_names_and_ids() if "deck2anki" in kind.name]
    assert sorted(ours) == ["Bio (deck2anki)", "Bio cloze (deck2anki)"]
    assert study_state(collection) == before


def git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "M",
        "GIT_AUTHOR_EMAIL": "m@example.org",
        "GIT_COMMITTER_NAME": "M",
        "GIT_COMMITTER_EMAIL": "m@example.org",
    }
    command = ["git", "-c", "init.defaultBranch=main", *args]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=60)


def test_a_git_merge_of_a_branch_that_added_cloze_cards_is_resolved_by_one_build(
    cloze_project: Path,
) -> None:
    project, source = cloze_project, cloze_project / "sources" / "bio.md"
    plain = "# Biology\n\n## What is osmosis?\n\nWater moving.\n\n## What is ATP?\n\nEnergy.\n"
    source.write_text(plain, encoding="utf-8")
    (project / ".gitattributes").write_text("deck2anki.lock text eol=lf\n*.apkg binary\n")
    deck2anki.build(project / "sources", project / "build", timestamp=T0)
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "first")
    git(project, "checkout", "-q", "-b", "cloze")
    source.write_text(plain + "\n## The {{c1::cell}} is small.\n", encoding="utf-8")
    deck2anki.build(project / "sources", project / "build", timestamp=T0 + 60)
    git(project, "commit", "-q", "-am", "a cloze card")
    git(project, "checkout", "-q", "main")
    source.write_text(plain.replace("Water moving.", "Water moving in."), encoding="utf-8")
    deck2anki.build(project / "sources", project / "build", timestamp=T0 + 120)
    git(project, "commit", "-q", "-am", "an edit")
    assert git(project, "merge", "--no-edit", "cloze").returncode != 0
    assert "<<<<<<<" in (project / "deck2anki.lock").read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("merged: the lock held both sides of a git merge")
    lock = json.loads((project / "deck2anki.lock").read_text(encoding="utf-8"))
    assert lock["cloze"]["mod"] == T0 + 60
    assert [n["cloze"] for n in lock["decks"]["bio"]["notes"] if "cloze" in n] == [True]


def test_a_cloze_number_past_500_is_said_at_its_line_by_build_and_check(
    cloze_project: Path, collection: Any
) -> None:
    """Anki makes at most 500 cards of a cloze note: a deletion numbered past it is on no
    card. The build still writes the note (its other numbers are cards), and says so where
    the note is, once, whether the deck is built, checked or converted."""
    (cloze_project / "sources" / "bio.md").write_text(
        "# Cells\n\n## The {{c1::ribosome}} makes {{c501::proteins}}.\n", encoding="utf-8"
    )
    said = (
        "sources/bio.md:3:1: warning: cloze number c501 is past c500: no card of this note"
        " asks it [cloze-past-limit]\n"
        "  hint: number the cloze deletions of a note from c1 to c500\n"
    )
    built = CliRunner().invoke(cli, ["build"])
    assert (built.exit_code, built.output) == (
        0,
        said + "built build/bio.apkg (1 note, deck 'Cells') from sources/bio.md\n",
    )
    checked = CliRunner().invoke(cli, ["check"])
    assert checked.output == said + "checked 1 file: 0 errors, 1 warning\n"
    converted = CliRunner().invoke(cli, ["convert", "sources/bio.md", "bio.apkg"])
    assert converted.output == said + "wrote bio.apkg (1 note, deck 'Cells')\n"
    import_package(collection, cloze_project / "build" / "bio.apkg")
    (note_id,) = collection.find_notes("")
    # What the warning says, as Anki sees it: the card of c1, and one (the 500th) that
    # shows no cloze at all.
    cards = sorted(collection.get_note(note_id).cards(), key=lambda card: card.ord)
    assert [card.ord for card in cards] == [0, 499]
    assert "ribosome" not in fold(cards[0].question()) and "No cloze" in cards[1].question()
