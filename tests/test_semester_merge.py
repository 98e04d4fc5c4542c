"""Issue 15, points 5 to 7, as maintainers and students meet them: a git merge of two
branches that each edited cards, notes removed from a source, and two builds at once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deck2anki.cli import cli

from conftest import SEED, edit_seed, import_package, log_counts, review_every_card, study_state

PACKAGE = Path("build") / f"{SEED.stem}.apkg"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="deck2anki", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def git(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git in ``folder``, with no user or system configuration of this machine."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Maintainer",
        "GIT_AUTHOR_EMAIL": "m@example.org",
        "GIT_COMMITTER_NAME": "Maintainer",
        "GIT_COMMITTER_EMAIL": "m@example.org",
    }
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check:
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def open_collection(path: Path) -> Any:
    from anki.collection import Collection

    path.parent.mkdir(parents=True, exist_ok=True)
    return Collection(str(path))


def notes_by_guid(col: Any) -> dict[str, Any]:
    return {col.get_note(nid).guid: col.get_note(nid) for nid in col.find_notes("")}


# --- 5. a git merge is resolved by a plain `deck2anki build` ---------------------------------


ATTRIBUTES = ["deck2anki.lock text eol=lf", "*.apkg binary"]
"""What ``deck2anki init`` writes into ``.gitattributes`` (but for comments)."""


@pytest.fixture
def repository(project: Path) -> Path:
    """The project as a git repository with the .gitattributes `deck2anki init` writes, built
    and committed on main."""
    (project / ".gitattributes").write_text("\n".join(ATTRIBUTES) + "\n", "utf-8")
    (project / ".gitignore").write_text(".deck2anki.build-lock\n", "utf-8")
    assert run("build")[0] == 0
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "first build")
    return project


def test_init_writes_gitattributes_for_the_lock_and_the_packages(tmp_path: Path) -> None:
    code, _, _ = run("init", str(tmp_path / "decks"))
    assert code == 0
    lines = (tmp_path / "decks" / ".gitattributes").read_text("utf-8").splitlines()
    assert [line for line in lines if line and not line.startswith("#")] == ATTRIBUTES
    ignored = (tmp_path / "decks" / ".gitignore").read_text("utf-8").splitlines()
    assert ".deck2anki.build-lock" in ignored


def test_a_conflicted_merge_is_resolved_by_one_build(
    repository: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = repository
    branches = tmp_path_factory.mktemp("branches")  # each branch's package, outside the repository
    git(project, "checkout", "-q", "-b", "first")
    edit_seed(project, "to accommodate memory constraints", "because memory is limited")
    assert run("build")[0] == 0
    git(project, "commit", "-q", "-am", "first: card 1 edited")
    first = branches / "first.apkg"
    shutil.copy(PACKAGE, first)

    git(project, "checkout", "-q", "main")
    git(project, "checkout", "-q", "-b", "second")
    edit_seed(project, "to capture image features", "to pick up image features")
    assert run("build")[0] == 0
    git(project, "commit", "-q", "-am", "second: card 12 edited")
    second = branches / "second.apkg"
    shutil.copy(PACKAGE, second)

    git(project, "checkout", "-q", "first")
    merging = git(project, "merge", "--no-edit", "second", check=False)
    assert merging.returncode != 0
    assert "CONFLICT (content): Merge conflict in deck2anki.lock" in merging.stdout
    assert f"CONFLICT (content): Merge conflict in {PACKAGE}" in merging.stdout  # binary
    assert "<<<<<<< HEAD" in (project / "deck2anki.lock").read_text("utf-8")

    code, out, err = run("build")
    assert code == 0, (out, err)
    assert out.splitlines()[0] == (
        "merged: the lock held both sides of a git merge; read both, rebuilt every deck:"
        " 'git add' the lock and build/ and commit to finish the merge"
    )
    git(project, "add", "deck2anki.lock", "build")  # as docs/how-to/update-decks.md says
    git(project, "commit", "-q", "--no-edit")
    code, out, err = run("build", "--check")
    assert (code, out) == (0, "up to date: 1 deck(s)\n"), err
    assert git(project, "status", "--porcelain").stdout == ""

    # Each branch's students import the merged deck: the other branch's edit arrives, as an
    # update of the note they have, and their reviews stay.
    for name, package, edited in [
        ("first", first, "to pick up image features"),
        ("second", second, "because memory is limited"),
    ]:
        col = open_collection(branches / name / "collection.anki2")
        try:
            import_package(col, package)
            review_every_card(col)
            before = study_state(col)
            log = log_counts(import_package(col, PACKAGE))
            assert log == {"new": 0, "updated": 1, "duplicate": 19, "conflicting": 0}, name
            assert study_state(col) == before
            answers = " ".join(note.fields[1] for note in notes_by_guid(col).values())
            assert edited in answers
            assert "because memory is limited" in answers and "to pick up image" in answers
        finally:
            col.close()


def test_a_lock_with_both_sides_lines_and_no_markers_is_read_as_their_union(
    repository: Path,
) -> None:
    """What `merge=union` (or keeping both sides in an editor) leaves: JSON that breaks."""
    project = repository
    base = (project / "deck2anki.lock").read_text("utf-8")
    edit_seed(project, "to accommodate memory constraints", "because memory is limited")
    assert run("build")[0] == 0
    ours = (project / "deck2anki.lock").read_text("utf-8")
    # Both versions of every changed line, one after the other, as a union merge keeps them.
    lines: list[str] = []
    for old, new in zip(base.splitlines(), ours.splitlines(), strict=True):
        lines += [old, new] if old != new else [old]
    (project / "deck2anki.lock").write_text("\n".join(lines) + "\n", "utf-8")
    code, out, err = run("build")
    assert code == 0, (out, err)
    assert out.startswith("merged: ")
    assert (project / "deck2anki.lock").read_text("utf-8") == ours
    assert run("build", "--check")[0] == 0
    # Lines of a lock that stop before its end are no merge: a damaged lock, as before.
    lock = project / "deck2anki.lock"
    lock.write_text("".join(ours.splitlines(keepends=True)[:-4]), "utf-8")
    code, _, err = run("build")
    assert code == 2
    assert err.startswith("error: deck2anki.lock: damaged lock file (")


# --- 7. two builds never break each other ------------------------------------------------------

HOLDER = """
import sys
from pathlib import Path
from deck2anki.project.locking import project_lock
with project_lock(Path("deck2anki.lock"), shared=sys.argv[1] == "shared"):
    print("held", flush=True)
    sys.stdin.readline()
"""


def deck2anki(folder: Path, *args: str) -> subprocess.Popen[str]:
    """``deck2anki ARGS`` run in ``folder`` as a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "deck2anki", *args],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def holder(project: Path) -> Iterator[Callable[[str], subprocess.Popen[str]]]:
    """Start a process that holds the project lock ("exclusive" or "shared") until told."""
    started: list[subprocess.Popen[str]] = []

    def hold(kind: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, kind],
            cwd=project,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        assert process.stdout.readline() == "held\n"
        return process

    yield hold
    for process in started:
        if process.poll() is None:
            process.communicate("\n", timeout=30)


def test_a_build_while_another_runs_exits_2_or_waits(project: Path, holder: Any) -> None:
    assert run("build")[0] == 0
    hold = holder("exclusive")
    busy = deck2anki(project, "build", "--wait", "0")
    out, err = busy.communicate(timeout=60)
    assert busy.returncode == 2, (out, err)
    assert err == (
        "error: another deck2anki build is running in this project (.deck2anki.build-lock is"
        " locked); wait for it to finish, or stop it ('deck2anki watch' included), then run"
        " this again\n"
    )
    waiting = deck2anki(project, "build", "--force", "--wait", "60")
    assert waiting.stderr is not None
    assert waiting.stderr.readline() == (
        "waiting for another deck2anki build of this project (up to 60 s)...\n"
    )
    assert waiting.poll() is None  # still waiting
    hold.communicate("\n", timeout=30)
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, (out, err)
    assert out.startswith(f"built {PACKAGE} (20 notes")


def test_a_check_shares_the_lock_with_checks_but_not_with_a_build(
    project: Path, holder: Any
) -> None:
    assert run("build")[0] == 0
    reading = holder("shared")
    check = deck2anki(project, "build", "--check", "--wait", "0")
    out, err = check.communicate(timeout=60)
    assert (check.returncode, out) == (0, "up to date: 1 deck(s)\n"), err
    reading.communicate("\n", timeout=30)
    holder("exclusive")
    check = deck2anki(project, "build", "--check", "--wait", "0")
    out, err = check.communicate(timeout=60)
    assert check.returncode == 2
    assert err.startswith("error: another deck2anki build is running in this project")


def test_watch_takes_the_lock_for_each_rebuild(project: Path, holder: Any) -> None:
    hold = holder("exclusive")
    watching = deck2anki(project, "watch")
    try:
        assert watching.stderr is not None and watching.stdout is not None
        assert watching.stderr.readline() == (
            "waiting for another deck2anki build of this project (up to 120 s)...\n"
        )
        assert not PACKAGE.exists()  # it waits: nothing built yet
        hold.communicate("\n", timeout=30)
        assert watching.stdout.readline() == "watching sources (Ctrl-C stops)\n"
        assert watching.stdout.readline().startswith(f"built {PACKAGE} (20 notes)")
    finally:
        watching.terminate()
        watching.communicate(timeout=60)


def test_two_builds_racing_both_succeed_and_leave_a_whole_project(project: Path) -> None:
    """Two real processes started together, ten times: before, one deleted the other's staged
    package ("cannot write it: No such file or directory") in most rounds."""
    lines = [f"What is item {n} of the racing deck?\nIt is item number {n}.\n" for n in range(3000)]
    (project / "sources" / "large.txt").write_text("".join(lines), "utf-8")
    for _ in range(10):
        racing = [deck2anki(project, "build", "--force"), deck2anki(project, "build", "--force")]
        for process in racing:
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, (out, err)
        assert sorted(p.name for p in (project / "build").iterdir()) == [
            f"{SEED.stem}.apkg",
            "large.apkg",
        ]
        assert run("build", "--check")[0] == 0


# --- 6. removed notes are marked for students ------------------------------------------------

REMOVED_QUESTION = "What is an encoder-decoder structure?"
REMOVED_TAG = "deck2anki::removed"


def remove_card(project: Path, question: str) -> str:
    """Take the card with ``question`` (its question line and answer line) out of the seed;
    returns the seed's text as it was."""
    source = project / "sources" / SEED.name
    text = source.read_text("utf-8")
    lines = text.splitlines(keepends=True)
    at = lines.index(question + "\n")
    source.write_text("".join(lines[:at] + lines[at + 2 :]), "utf-8")
    return text


def cards_of(col: Any, guid: str) -> list[tuple[str, list[str], int]]:
    """Each card of the note ``guid``: its deck, the note's tags and the card's reviews."""
    found = []
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        note = card.note()
        if note.guid == guid:
            found.append((col.decks.name(card.did), note.tags, card.reps))
    return found


def test_a_removed_note_is_carried_tagged_in_a_subdeck_and_untagged_when_it_comes_back(
    project: Path, tmp_path: Path
) -> None:
    assert run("build")[0] == 0
    first = tmp_path / "first.apkg"
    shutil.copy(PACKAGE, first)
    guid = next(
        n["guid"]
        for n in json.loads(Path("deck2anki.lock").read_text("utf-8"))["decks"][SEED.stem]["notes"]
        if n["question"] == REMOVED_QUESTION
    )
    student = open_collection(tmp_path / "student" / "collection.anki2")
    import_package(student, first)
    review_every_card(student)
    reviewed = study_state(student)

    seed = remove_card(project, REMOVED_QUESTION)
    code, out, _ = run("build")
    assert code == 0
    assert out.splitlines()[0] == (
        f"removed from sources/{SEED.name}: {REMOVED_QUESTION!r} (guid {guid}); Anki keeps it in"
        " collections that imported it, so the package carries it for 180 days tagged"
        " deck2anki::removed (students find it with tag:deck2anki::removed) in the subdeck"
        " 'Deep Learning Lecture 06::Removed' (new students can delete it)"
    )
    assert run("build", "--check")[0] == 0

    # A student who has the deck: the note is updated (the tag arrives), its card stays where
    # it is with its reviews; an empty Removed subdeck appears.
    log = log_counts(import_package(student, PACKAGE))
    assert log == {"new": 0, "updated": 1, "duplicate": 19, "conflicting": 0}
    assert study_state(student) == reviewed
    ((deck, tags, reps),) = cards_of(student, guid)
    assert (deck, tags[-1], reps) == ("Deep Learning Lecture 06", "deck2anki::removed", 1)
    assert [student.get_note(n).guid for n in student.find_notes("tag:deck2anki::removed")] == [
        guid
    ]
    assert "Deep Learning Lecture 06::Removed" in student.decks.all_names()

    # A new student: the removed note's card lands in the Removed subdeck, which they delete
    # in one step; the other 19 stay.
    newcomer = open_collection(tmp_path / "newcomer" / "collection.anki2")
    try:
        assert log_counts(import_package(newcomer, PACKAGE))["new"] == 20
        ((deck, tags, reps),) = cards_of(newcomer, guid)
        assert (deck, tags[-1], reps) == ("Deep Learning Lecture 06::Removed", REMOVED_TAG, 0)
        newcomer.decks.remove([newcomer.decks.id_for_name("Deep Learning Lecture 06::Removed")])
        assert len(newcomer.find_notes("")) == 19
        assert newcomer.find_notes("tag:deck2anki::removed") == []
    finally:
        newcomer.close()

    # The question comes back: the same note, its tag gone, reviews kept.
    (project / "sources" / SEED.name).write_text(seed, "utf-8")
    assert run("build")[0] == 0
    log = log_counts(import_package(student, PACKAGE))
    assert log == {"new": 0, "updated": 1, "duplicate": 19, "conflicting": 0}
    assert study_state(student) == reviewed
    ((deck, tags, reps),) = cards_of(student, guid)
    assert (deck, "deck2anki::removed" in tags, reps) == ("Deep Learning Lecture 06", False, 1)
    student.close()
    assert "::Removed" not in run("inspect", "--json", str(PACKAGE))[1]


def test_a_removed_note_is_carried_for_180_days_then_only_remembered(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = 86400
    assert run("build")[0] == 0
    remove_card(project, REMOVED_QUESTION)
    t0 = json.loads(Path("deck2anki.lock").read_text("utf-8"))["notetype"]["mod"]
    for later, carried in [(10 * day, True), (170 * day, True), (400 * day, False)]:
        (project / "sources" / SEED.name).write_text(
            (project / "sources" / SEED.name).read_text("utf-8") + "\n", "utf-8"
        )
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(t0 + later))
        assert run("build")[0] == 0
        notes = json.loads(Path("deck2anki.lock").read_text("utf-8"))["decks"][SEED.stem]["notes"]
        (entry,) = [n for n in notes if n["question"] == REMOVED_QUESTION]
        assert entry["removed"] is True
        assert ("fields" in entry) is carried, later
        assert (REMOVED_QUESTION in run("inspect", "--json", str(PACKAGE))[1]) is carried


def test_a_renamed_sources_tag_survives_a_conflicted_merge(project: Path) -> None:
    """A source renamed earlier in the semester keeps its old tag in the lock (a `"tag"` line
    of its entry); a later merge conflict must read that line, and keep it."""
    assert run("build")[0] == 0
    (project / "sources" / SEED.name).rename(project / "sources" / "renamed.txt")
    assert run("build")[0] == 0
    lock = project / "deck2anki.lock"
    text = lock.read_text("utf-8")
    assert f'"tag": "deck2anki::{SEED.stem}"' in text
    # Each side of the merge edited one note: the same line, two `mod`s.
    line = next(line for line in text.splitlines() if line.lstrip().startswith('{"guid"'))
    entry = json.loads(line.strip().removesuffix(","))
    ours = line.replace(f'"mod": {entry["mod"]}', f'"mod": {entry["mod"] + 5}')
    conflicted = f"<<<<<<< HEAD\n{ours}\n=======\n{line}\n>>>>>>> other"
    lock.write_text(text.replace(line, conflicted, 1), "utf-8")
    code, out, err = run("build")
    assert code == 0, err
    assert out.startswith("merged: the lock held both sides of a git merge")
    after = json.loads(lock.read_text("utf-8"))
    assert after["decks"]["renamed"]["tag"] == f"deck2anki::{SEED.stem}"
    assert run("build", "--check")[0] == 0
