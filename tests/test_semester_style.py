"""Issue 15, point 8: a project's own look, as students see it in Anki.

Each project gets a note type of its own at its first build (the lock records its id and
name), so two projects in one student's collection each keep their look, and a style added or
changed in mid-semester reaches students as a new note type ``mod``: 0 notes updated, never a
conflicting note type. Projects whose lock records the shared ``deck2anki (v1)`` keep it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deck2anki.cards import notetype
from deck2anki.cli import cli

from conftest import ROOT, SEED, import_package, log_counts, review_every_card, study_state

T0 = 1_700_000_000
PACKAGE = Path("build") / f"{SEED.stem}.apkg"
SHARED_ID = 2736780786354761  # the shipped repo's lock records it, as every lock before issue 15


def run(folder: Path, *args: str, when: int = T0) -> tuple[int, str, str]:
    """``deck2anki ARGS`` in ``folder``, at the time ``when`` (as SOURCE_DATE_EPOCH)."""
    here = Path.cwd()
    os.chdir(folder)
    try:
        result = CliRunner(env={"SOURCE_DATE_EPOCH": str(when)}).invoke(
            cli, list(args), prog_name="deck2anki", catch_exceptions=False
        )
    finally:
        os.chdir(here)
    return result.exit_code, result.stdout, result.stderr


def make_project(folder: Path, deck: str, css: str | None, course: str = "") -> Path:
    """A project folder: the seed as its one source, its deck name, and its style if any.
    With ``course``, each question names it: two courses never ask the very same question
    in a source of the same name (if they did, a note's identity, which comes from its
    source's name and its question, would be shared: docs/explanation/identity.md)."""
    (folder / "sources").mkdir(parents=True)
    text = SEED.read_text(encoding="utf-8")
    if course:
        text = text.replace("?\n", f" (in {course})?\n")
    (folder / "sources" / SEED.name).write_text(text, encoding="utf-8")
    config = f'[decks.{SEED.stem}]\nname = "{deck}"\n'
    if css is not None:
        (folder / "style.css").write_text(css, encoding="utf-8")
        config += '\n[notetype]\ncss = "style.css"\n'
    (folder / "deck2anki.toml").write_text(config, encoding="utf-8")
    return folder


def locked_notetype(folder: Path) -> dict[str, Any]:
    lock = json.loads((folder / "deck2anki.lock").read_text(encoding="utf-8"))
    notetype_entry: dict[str, Any] = lock["notetype"]
    return notetype_entry


def model_of(col: Any, notetype_id: int) -> Any:
    return col.models.get(notetype_id)


def cards_of(col: Any, deck: str) -> list[Any]:
    return [col.get_card(card_id) for card_id in col.find_cards(f'"deck:{deck}"')]


BIOLOGY = ".card { color: #123456; } /* biology */\n"
CHEMISTRY = ".card { color: #654321; } /* chemistry */\n"


@pytest.fixture
def two_projects(tmp_path: Path) -> tuple[Path, Path]:
    """Two courses from one lecture's text, each with its own style, built once."""
    biology = make_project(tmp_path / "biology", "Biology::Week 1", BIOLOGY)
    chemistry = make_project(tmp_path / "chemistry", "Chemistry::Week 1", CHEMISTRY, "chemistry")
    assert run(biology, "build")[0] == 0
    assert run(chemistry, "build")[0] == 0
    return biology, chemistry


def test_two_projects_in_one_collection_each_keep_their_own_look(
    two_projects: tuple[Path, Path], collection: Any
) -> None:
    biology, chemistry = two_projects
    assert log_counts(import_package(collection, biology / PACKAGE))["new"] == 20
    assert log_counts(import_package(collection, chemistry / PACKAGE))["new"] == 20
    bio_type, chem_type = locked_notetype(biology), locked_notetype(chemistry)
    assert bio_type["name"] == "Biology (deck2anki)"
    assert chem_type["name"] == "Chemistry (deck2anki)"
    assert len({bio_type["id"], chem_type["id"], notetype.ID}) == 3
    ours = sorted(m["name"] for m in collection.models.all() if "deck2anki" in m["name"])
    assert ours == ["Biology (deck2anki)", "Chemistry (deck2anki)"]
    for deck, mine, theirs in (("Biology", BIOLOGY, CHEMISTRY), ("Chemistry", CHEMISTRY, BIOLOGY)):
        cards = cards_of(collection, f"{deck}::Week 1")
        assert len(cards) == 20
        for card in cards:
            # The project's CSS comes after deck2anki's, so its rules win.
            assert mine in card.question() and mine in card.answer()
            assert theirs not in card.question() and theirs not in card.answer()
            assert card.question().index(".d2a") < card.question().index(mine)


def test_a_style_changed_mid_semester_reaches_students_with_no_note_updated(
    two_projects: tuple[Path, Path], collection: Any
) -> None:
    biology, chemistry = two_projects
    import_package(collection, biology / PACKAGE)
    import_package(collection, chemistry / PACKAGE)
    review_every_card(collection)
    before = study_state(collection)
    first = locked_notetype(biology)
    restyled = ".card { color: #0b5394; } /* biology, week 5 */\n"
    (biology / "style.css").write_text(restyled, encoding="utf-8")
    code, out, err = run(biology, "build", when=T0 + 7 * 86400)
    assert code == 0, err
    assert "built" in out
    after = locked_notetype(biology)
    assert (after["id"], after["name"]) == (first["id"], first["name"])
    assert after["content"] != first["content"] and after["mod"] > first["mod"]
    log = import_package(collection, biology / PACKAGE)
    assert log_counts(log) == {"new": 0, "updated": 0, "duplicate": 20, "conflicting": 0}
    assert restyled in model_of(collection, after["id"])["css"]
    assert BIOLOGY not in model_of(collection, after["id"])["css"]
    assert all(restyled in card.answer() for card in cards_of(collection, "Biology::Week 1"))
    # The other course keeps its look, and nobody lost a review.
    assert CHEMISTRY in model_of(collection, locked_notetype(chemistry)["id"])["css"]
    assert study_state(collection) == before
    assert len([m for m in collection.models.all() if "deck2anki" in m["name"]]) == 2


def test_a_style_added_to_a_project_in_mid_semester_changes_only_its_css(
    tmp_path: Path, collection: Any
) -> None:
    course = make_project(tmp_path / "course", "Networks", None)
    assert run(course, "build")[0] == 0
    first = locked_notetype(course)
    import_package(collection, course / PACKAGE)
    review_every_card(collection)
    before = study_state(collection)
    (course / "style.css").write_text(BIOLOGY, encoding="utf-8")
    with (course / "deck2anki.toml").open("a", encoding="utf-8") as config:
        config.write('\n[notetype]\ncss = "style.css"\n')
    code, _, err = run(course, "build", when=T0 + 3600)
    assert code == 0, err
    assert locked_notetype(course)["id"] == first["id"]
    log = import_package(collection, course / PACKAGE)
    assert log_counts(log) == {"new": 0, "updated": 0, "duplicate": 20, "conflicting": 0}
    assert BIOLOGY in model_of(collection, first["id"])["css"]
    assert study_state(collection) == before


def test_a_clone_on_a_stock_install_passes_check_and_sees_a_style_change(
    two_projects: tuple[Path, Path], tmp_path: Path
) -> None:
    biology, _ = two_projects
    clone = tmp_path / "elsewhere" / "clone"
    shutil.copytree(biology, clone)
    # A separate process on the installed package, files untouched: what a co-maintainer runs.
    check = [sys.executable, "-m", "deck2anki", "build", "--check"]
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(T0 + 99)}
    result = subprocess.run(check, cwd=clone, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "up to date: 1 deck(s)\n"
    (clone / "style.css").write_text(BIOLOGY + "h1 { margin: 0; }\n", encoding="utf-8")
    result = subprocess.run(check, cwd=clone, capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "stale: build/deep-learning-lecture-06.apkg: out of date" in result.stderr


def test_init_gives_a_new_project_a_note_type_of_its_own(tmp_path: Path, collection: Any) -> None:
    folder = tmp_path / "my-course"
    assert run(tmp_path, "init", str(folder))[0] == 0
    code, _, err = run(folder, "build")
    assert code == 0, err
    state = locked_notetype(folder)
    assert state["id"] != notetype.ID
    assert state["name"] == "my-course (deck2anki)"  # decks without one shared top: the folder
    for package in sorted((folder / "build").glob("*.apkg")):
        import_package(collection, package)
    kinds = {collection.get_note(nid).note_type()["id"] for nid in collection.find_notes("")}
    assert kinds == {state["id"]}
    assert model_of(collection, state["id"])["name"] == "my-course (deck2anki)"


def shipped_project(folder: Path) -> Path:
    """A copy of the shipped repository's project: its lock records the shared note type."""
    folder.mkdir()
    for name in ("sources", "build"):
        shutil.copytree(ROOT / name, folder / name)
    for name in ("deck2anki.toml", "deck2anki.lock"):
        shutil.copy(ROOT / name, folder / name)
    return folder


def test_a_project_built_before_keeps_the_shared_note_type_and_a_style_on_it_is_refused(
    tmp_path: Path,
) -> None:
    old = shipped_project(tmp_path / "old")
    assert locked_notetype(old)["id"] == SHARED_ID
    (old / "sources" / "extra.txt").write_text("What is a GPU?\nA graphics processor.\n")
    assert run(old, "build", "--force", when=T0 + 10**8)[0] == 0
    state = locked_notetype(old)
    assert (state["id"], state["name"]) == (SHARED_ID, "deck2anki (v1)")
    lock = (old / "deck2anki.lock").read_bytes()
    package = (old / "build" / "deep-learning-lecture-06.apkg").read_bytes()
    (old / "style.css").write_text(BIOLOGY, encoding="utf-8")
    with (old / "deck2anki.toml").open("a", encoding="utf-8") as config:
        config.write('\n[notetype]\ncss = "style.css"\n')
    code, _, err = run(old, "build", when=T0 + 10**8)
    assert code == 1
    assert err == (
        "error: [notetype] css: this project's notes have the note type 'deck2anki (v1)',"
        " which every deck built by deck2anki before projects had a note type of their own"
        " shares: a style on it would restyle the cards of all those decks in a student's"
        " collection, not only this project's. Either remove 'css' from [notetype], or build"
        " once with --allow-notetype-change to move this project to a note type of its own:"
        " students who already have its notes then move them to it in Anki's browser (select"
        " them, Notes > Change Note Type; reviews are kept), or Anki reports them as"
        " conflicting and stops updating them\n"
    )
    assert (old / "deck2anki.lock").read_bytes() == lock
    assert (old / "build" / "deep-learning-lecture-06.apkg").read_bytes() == package
    code, out, _ = run(old, "check")
    assert "[notetype-fork]" in out + _


def test_moving_to_an_own_note_type_is_explicit_and_students_change_it_keeping_reviews(
    tmp_path: Path, collection: Any
) -> None:
    old = shipped_project(tmp_path / "old")
    import_package(collection, old / "build" / "deep-learning-lecture-06.apkg")
    review_every_card(collection)
    revlog, _ = study_state(collection)
    (old / "style.css").write_text(BIOLOGY, encoding="utf-8")
    with (old / "deck2anki.toml").open("a", encoding="utf-8") as config:
        config.write('\n[notetype]\ncss = "style.css"\n')
    code, _, err = run(old, "build", "--allow-notetype-change", when=T0 + 10**8)
    assert code == 0, err
    state = locked_notetype(old)
    assert state["id"] != SHARED_ID
    assert state["name"] == "Deep Learning (deck2anki)"
    package = old / "build" / "deep-learning-lecture-06.apkg"
    # What the build message says: until a student moves the notes, they are not updated...
    assert log_counts(import_package(collection, package))["conflicting"] == 20
    # ...and Change Note Type in the browser moves them, reviews and all.
    info = collection.models.change_notetype_info(
        old_notetype_id=SHARED_ID, new_notetype_id=state["id"]
    )
    request = info.input
    request.note_ids.extend(collection.find_notes(""))
    collection.models.change_notetype_of_notes(request)
    assert study_state(collection)[0] == revlog
    assert all(BIOLOGY in card.answer() for card in cards_of(collection, "Deep Learning"))
    # The next build's notes update them as usual.
    log = import_package(collection, package)
    assert log_counts(log)["conflicting"] == 0 and log_counts(log)["new"] == 0


@pytest.mark.parametrize(
    ("setting", "make", "message"),
    [
        (
            '"missing.css"',
            None,
            "deck2anki.toml: 'notetype.css': missing.css: no such file; check the path",
        ),
        (
            '"../outside.css"',
            None,
            "deck2anki.toml: 'notetype.css': '../outside.css' is outside the project (or links"
            " out of it); put the file beside deck2anki.toml (or in a folder below it) and give"
            " its relative path",
        ),
        (
            '"link.css"',
            "link",
            "deck2anki.toml: 'notetype.css': 'link.css' is outside the project (or links out of"
            " it); put the file beside deck2anki.toml (or in a folder below it) and give its"
            " relative path",
        ),
        ('"styles"', "folder", "deck2anki.toml: 'notetype.css': styles: is a folder; give a file"),
        (
            '"big.css"',
            "big",
            "deck2anki.toml: 'notetype.css': big.css: larger than 1 MiB; give a smaller file",
        ),
        (
            '"latin.css"',
            "latin",
            "deck2anki.toml: 'notetype.css': latin.css: not UTF-8 text (byte 0xe9 at offset"
            " 6); save it as UTF-8",
        ),
        (
            "3",
            None,
            "deck2anki.toml: 'notetype.css' must be the path of a CSS file, relative to"
            " deck2anki.toml",
        ),
        (
            '"a.css"\nfont = "x"',
            None,
            "deck2anki.toml: unknown setting 'notetype.font'; known: css",
        ),
    ],
    ids=[
        "missing",
        "outside",
        "link-out",
        "folder",
        "too-big",
        "not-utf8",
        "not-a-string",
        "unknown",
    ],
)
def test_a_bad_css_setting_is_a_located_error_and_nothing_is_written(
    tmp_path: Path, setting: str, make: str | None, message: str
) -> None:
    course = make_project(tmp_path / "course", "Networks", None)
    (tmp_path / "outside.css").write_text("p {}", encoding="utf-8")
    if make == "folder":
        (course / "styles").mkdir()
    elif make == "link":
        (course / "link.css").symlink_to(tmp_path / "outside.css")
    elif make == "big":
        (course / "big.css").write_bytes(b"/* padding */" * 100_000)
    elif make == "latin":
        (course / "latin.css").write_bytes("/* caf\u00e9 */ p {}".encode("latin-1"))
    with (course / "deck2anki.toml").open("a", encoding="utf-8") as config:
        config.write(f"\n[notetype]\ncss = {setting}\n")
    code, out, err = run(course, "build")
    assert (code, out, err) == (2, "", f"error: {message}\n")
    assert not (course / "build").exists() and not (course / "deck2anki.lock").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_css_setting_naming_a_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    course = make_project(tmp_path / "course", "Networks", None)
    os.mkfifo(course / "pipe.css")
    with (course / "deck2anki.toml").open("a", encoding="utf-8") as config:
        config.write('\n[notetype]\ncss = "pipe.css"\n')
    result = subprocess.run(
        [sys.executable, "-m", "deck2anki", "build"],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=60,  # opening a pipe for reading would wait for a writer forever
    )
    assert (result.returncode, result.stderr) == (
        2,
        "error: deck2anki.toml: 'notetype.css': pipe.css: is not a regular file; give a file\n",
    )


def test_watch_rebuilds_when_the_project_css_changes(tmp_path: Path) -> None:
    import threading

    from deck2anki.cli.watch import watch

    course = make_project(tmp_path / "course", "Networks", BIOLOGY)
    stop = threading.Event()
    here = Path.cwd()
    os.chdir(course)
    try:
        rebuilds = watch(stop=stop)
        first = next(rebuilds)
        assert first.result is not None and len(first.result.built) == 1
        before = locked_notetype(course)
        # The change comes once the watching has begun (inside the next ``next``).
        restyle = threading.Timer(
            1, lambda: (course / "style.css").write_text(CHEMISTRY, encoding="utf-8")
        )
        timer = threading.Timer(60, stop.set)  # no rebuild in a minute: stop, and fail below
        restyle.start()
        timer.start()
        try:
            second = next(rebuilds, None)
        finally:
            timer.cancel()
            stop.set()
            rebuilds.close()
            restyle.join()
    finally:
        os.chdir(here)
    assert second is not None and second.result is not None, "the CSS change was not noticed"
    assert [deck.deck_name for deck in second.result.built] == ["Networks"]
    after = locked_notetype(course)
    assert after["id"] == before["id"] and after["content"] != before["content"]
