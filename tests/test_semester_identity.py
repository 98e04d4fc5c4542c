"""A semester of maintenance, as two students see it (issue 15, points 1 to 4 and 9).

A small project of two sources is built; two students import it into their own Anki
collections (the official ``anki`` package, default import options), study every card and
edit notes by hand. Then the maintainer moves a card between sources, renames a source (once
forgetting its configuration section), rewords a short-answer question, loses the lock, and
makes changes that touch every note. After each step the students import again: Anki's
import log, their reviews and their own edits say what each step cost them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deck2anki.cli import cli
from deck2anki.identity.lockread import load_lock

from conftest import import_package, log_counts, review_every_card

T0 = 1_700_000_000

PROCESSES = """\
What is a process?
A program in execution, with its own address space and resources.
What does PCB stand for?
Process control block.
What is a context switch?
Saving the state of one process and restoring another's so the CPU can run it.
What is a zombie process?
A process that has finished but whose parent has not yet read its exit status.
"""

MEMORY = """\
What is virtual memory?
An abstraction giving each process its own large address space backed by RAM and disk.
What is a page fault?
A trap raised when a process touches a page that is not in physical memory.
What is thrashing?
When the system spends more time paging than executing processes.
"""

CONFIG = """\
[decks.processes]
name = "OS::Processes"

[decks.memory]
name = "OS::Memory"
"""

A_EDIT = "Saving one process's registers and loading another's (my words)."
B_EDIT = "My mnemonic: a page that is not home."


def build(project: Path, when: int, *args: str) -> tuple[int, str]:
    """``deck2anki build`` at time ``when``: its exit status, and what it said (both streams)."""
    result = CliRunner().invoke(
        cli,
        ["build", *args],
        prog_name="deck2anki",
        env={"SOURCE_DATE_EPOCH": str(when)},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout + result.stderr


def note_with(col: Any, question: str) -> Any:
    (nid,) = col.find_notes(f'"Question:{question}"')
    return col.get_note(nid)


class Student:
    """One student's collection: what they imported, studied and edited."""

    def __init__(self, folder: Path) -> None:
        from anki.collection import Collection

        folder.mkdir()
        self.col: Any = Collection(str(folder / "collection.anki2"))

    def import_(self, package: Path) -> dict[str, int]:
        return log_counts(import_package(self.col, package))

    def reviews(self) -> list[Any]:
        """The review log, and each card's note and schedule (not its deck)."""
        return self.col.db.all(  # type: ignore[no-any-return]
            "SELECT r.id, r.cid, r.ease, r.ivl, c.nid, c.ivl, c.due, c.reps"
            " FROM revlog r JOIN cards c ON c.id = r.cid ORDER BY r.id"
        )

    def deck_of(self, question: str) -> str:
        (card,) = note_with(self.col, question).cards()
        return str(self.col.decks.name(card.did))

    def guids(self) -> dict[str, str]:
        return {
            self.col.get_note(n)["Question"]: self.col.get_note(n).guid
            for n in self.col.find_notes("")
        }


@pytest.fixture
def semester(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    project = tmp_path / "course"
    (project / "sources").mkdir(parents=True)
    (project / "sources" / "processes.txt").write_text(PROCESSES, encoding="utf-8")
    (project / "sources" / "memory.txt").write_text(MEMORY, encoding="utf-8")
    (project / "deck2anki.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(project)
    yield project


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_semester_of_maintenance_costs_students_nothing_unannounced(
    semester: Path, tmp_path: Path
) -> None:
    project = semester
    code, said = build(project, T0)
    assert code == 0, said
    alice, bob = Student(tmp_path / "alice"), Student(tmp_path / "bob")
    for student in (alice, bob):
        assert student.import_(project / "build/processes.apkg")["new"] == 4
        assert student.import_(project / "build/memory.apkg")["new"] == 3
        review_every_card(student.col)
    # Their own edits: Alice rewrites an answer, Bob adds an analogy and a tag of his own.
    note = note_with(alice.col, "What is a context switch?")
    note["Answer"] = A_EDIT
    alice.col.update_note(note)
    note = note_with(bob.col, "What is a page fault?")
    note["Analogy"] = B_EDIT
    note.tags.append("exam")
    bob.col.update_note(note)
    for student, question in ((alice, "What is a context switch?"), (bob, "What is a page fault?")):
        # Edited between the first build and the next (the test's builds are in 2023).
        edited = note_with(student.col, question).id
        student.col.db.execute("UPDATE notes SET mod = ? WHERE id = ?", T0 + 500, edited)
    studied = {id(s): s.reviews() for s in (alice, bob)}
    first_guids = alice.guids()

    def imported(*packages: str) -> list[dict[str, int]]:
        """Both students import ``packages``; their logs (the same for both) are returned."""
        logs = []
        for package in packages:
            (log_a,), (log_b,) = (
                [alice.import_(project / package)],
                [bob.import_(project / package)],
            )
            assert log_a == log_b, package
            logs.append(log_a)
        return logs

    def nothing_lost() -> None:
        for student in (alice, bob):
            assert student.reviews() == studied[id(student)]
            assert student.col.note_count() == 7
        assert note_with(alice.col, "What is a context switch?")["Answer"] == A_EDIT
        page_fault = note_with(bob.col, "What is a page fault?")
        assert page_fault["Analogy"] == B_EDIT
        assert "exam" in page_fault.tags

    # 1. A card moves from one source to another: same note, and the build says so.
    replace_in(project / "sources/memory.txt", MEMORY.splitlines(True)[4], "")
    replace_in(project / "sources/memory.txt", MEMORY.splitlines(True)[5], "")
    (project / "sources/processes.txt").write_text(
        PROCESSES + "What is thrashing?\nWhen the system spends more time paging than executing"
        " processes.\n",
        encoding="utf-8",
    )
    code, said = build(project, T0 + 1000)
    assert code == 0, said
    assert (
        "moved to sources/processes.txt from 'memory': 'What is thrashing?' (same note, reviews"
        " kept); Anki does not move a card a student already has to another deck on import:"
        " only students who import it for the first time get it in 'OS::Processes'\n"
    ) in said
    assert "removed" not in said
    # Its tag is now the new source's: one update, no new note.
    assert imported("build/processes.apkg", "build/memory.apkg") == [
        {"new": 0, "updated": 1, "duplicate": 4, "conflicting": 0},
        {"new": 0, "updated": 0, "duplicate": 2, "conflicting": 0},
    ]
    nothing_lost()
    assert alice.deck_of("What is thrashing?") == "OS::Memory"  # Anki leaves it there
    lock = load_lock(project / "deck2anki.lock")
    assert "What is thrashing?" in {n.question for n in lock.decks["processes"].notes}
    assert "What is thrashing?" not in {n.question for n in lock.decks["memory"].notes}

    # 2. A source renamed with its section: nothing changes for students.
    (project / "sources/processes.txt").rename(project / "sources/proc.txt")
    replace_in(project / "deck2anki.toml", "[decks.processes]", "[decks.proc]")
    code, said = build(project, T0 + 2000)
    assert code == 0, said
    assert "renamed: sources/proc.txt continues 'processes' of the lock" in said
    assert not (project / "build/processes.apkg").exists()
    assert imported("build/proc.apkg") == [
        {"new": 0, "updated": 0, "duplicate": 5, "conflicting": 0}
    ]
    nothing_lost()

    # 2b. A source renamed without its section: a located error, and nothing written.
    (project / "sources/memory.txt").rename(project / "sources/mem.txt")
    lock_before = (project / "deck2anki.lock").read_bytes()
    code, said = build(project, T0 + 3000)
    assert code == 2
    assert said == (
        "error: deck2anki.toml:4: [decks.memory] is the section of sources/mem.txt, renamed"
        " from memory; rename the section to [decks.mem] so the deck keeps its name and"
        " settings\n"
    )
    assert (project / "deck2anki.lock").read_bytes() == lock_before
    assert not (project / "build/mem.apkg").exists()
    replace_in(project / "deck2anki.toml", "[decks.memory]", "[decks.mem]")
    code, said = build(project, T0 + 3000)
    assert code == 0, said
    assert imported("build/mem.apkg") == [
        {"new": 0, "updated": 0, "duplicate": 2, "conflicting": 0}
    ]
    nothing_lost()

    # 3. A reworded question whose short answer is unchanged keeps its note.
    replace_in(
        project / "sources/proc.txt",
        "What does PCB stand for?",
        "What is the full name of the PCB?",
    )
    code, said = build(project, T0 + 4000)
    assert code == 0, said
    assert (
        "'What does PCB stand for?' is now 'What is the full name of the PCB?' (same note,"
        " reviews kept)"
    ) in said
    assert imported("build/proc.apkg") == [
        {"new": 0, "updated": 1, "duplicate": 4, "conflicting": 0}
    ]
    nothing_lost()

    # 4. The lock is lost, build/ is there: nothing changes for students.
    (project / "deck2anki.lock").unlink()
    code, said = build(project, T0 + 5000)
    assert code == 0, said
    assert (
        "recovered: the lock has no entry for sources/proc.txt; its notes keep the identity"
        " and times build/proc.apkg gave 5 notes\n"
    ) in said
    assert imported("build/proc.apkg", "build/mem.apkg") == [
        {"new": 0, "updated": 0, "duplicate": 5, "conflicting": 0},
        {"new": 0, "updated": 0, "duplicate": 2, "conflicting": 0},
    ]
    nothing_lost()
    assert build(project, T0 + 5000, "--check")[0] == 0

    # 9. A deck renamed in the configuration: the same notes, and a word on where they stay.
    replace_in(project / "deck2anki.toml", '"OS::Memory"', '"OS::Memory management"')
    code, said = build(project, T0 + 6000)
    assert code == 0, said
    assert (
        "deck2anki.toml: warning: deck renamed from 'OS::Memory' to 'OS::Memory management':"
        " students who already have it keep its cards in 'OS::Memory' (Anki does not move"
        " cards on import); new cards, and students who import it for the first time, get"
        " 'OS::Memory management' [renamed-deck]"
    ) in said
    assert imported("build/mem.apkg") == [
        {"new": 0, "updated": 0, "duplicate": 2, "conflicting": 0}
    ]
    nothing_lost()
    assert bob.deck_of("What is a page fault?") == "OS::Memory"

    # 9. Changes that touch every note are announced before students find out.
    replace_in(project / "deck2anki.toml", "[decks.proc]\n", "[decks.proc]\nreverse = true\n")
    code, said = build(project, T0 + 7000)
    assert code == 0, said
    assert (
        "sources/proc.txt: warning: updates all 5 notes of 'OS::Processes': students' own edits"
        " to these notes will be replaced, and their own tags with them (Anki replaces a note's"
        " tags when it updates it) [updates-every-note]"
    ) in said
    assert imported("build/proc.apkg") == [
        {"new": 0, "updated": 5, "duplicate": 0, "conflicting": 0}
    ]
    assert note_with(alice.col, "What is a context switch?")["Answer"] != A_EDIT  # as announced
    replace_in(project / "deck2anki.toml", "[decks.mem]\n", '[decks.mem]\ntags = ["os"]\n')
    code, said = build(project, T0 + 8000)
    assert "warning: updates all 2 notes of 'OS::Memory management'" in said
    assert imported("build/mem.apkg") == [
        {"new": 0, "updated": 2, "duplicate": 0, "conflicting": 0}
    ]
    assert "exam" not in note_with(bob.col, "What is a page fault?").tags  # as announced
    # Through all of it, every note kept its identity and every review its card.
    assert {q: g for q, g in alice.guids().items() if "PCB" not in q} == {
        q: g for q, g in first_guids.items() if "PCB" not in q
    }
    for student in (alice, bob):
        assert student.reviews() == studied[id(student)]
        assert student.col.note_count() == 7
    alice.col.close()
    bob.col.close()


def test_without_lock_and_packages_a_renamed_deck_keeps_its_guids(semester: Path) -> None:
    project = semester
    assert build(project, T0)[0] == 0
    first = {
        k: {n.guid for n in d.notes} for k, d in load_lock(Path("deck2anki.lock")).decks.items()
    }
    replace_in(project / "deck2anki.toml", '"OS::Memory"', '"Operating systems::Memory"')
    (project / "deck2anki.lock").unlink()
    shutil.rmtree(project / "build")
    assert build(project, T0 + 1000)[0] == 0
    again = {
        k: {n.guid for n in d.notes} for k, d in load_lock(Path("deck2anki.lock")).decks.items()
    }
    assert again == first


def test_a_short_answer_shared_by_two_vanished_notes_is_a_new_note_with_a_warning(
    semester: Path,
) -> None:
    project = semester
    text = "Is SJF preemptive?\nNo.\nIs FCFS preemptive?\nNo.\n"
    (project / "sources/sched.txt").write_text(text, encoding="utf-8")
    assert build(project, T0)[0] == 0
    (project / "sources/sched.txt").write_text(
        "Can SJF preempt a running job?\nNo.\n", encoding="utf-8"
    )
    code, said = build(project, T0 + 1000)
    assert code == 0
    assert "could be a rewording of 'Is SJF preemptive?' or 'Is FCFS preemptive?'" in said
    assert "re-linked" not in said
