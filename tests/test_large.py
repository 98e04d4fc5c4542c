"""Large decks: shared between two processes and deflated in chunks, with the same result."""

from __future__ import annotations

import os
import signal
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest

import deck2anki
from deck2anki import parallel
from deck2anki.writers import packing

from conftest import fold, import_package

NOTES = parallel.MIN_ITEMS + 1000
assert NOTES % 3 == 0  # so that the third note from the end has an analogy


def lecture(count: int) -> str:
    """A lecture page of ``count`` cards: analogies, code, markup-looking text, a warning."""
    lines = [f"1/{count}", "Generated for the test of large decks.", "|---|"]
    for index in range(count):
        answer = f"Answer {index} uses model.fit() on a <mask> token & more."
        if index % 3 == 0:
            answer += f" Analogy: like shelf {index} in a library."
        if index % 500 == 7:  # a warning now and then, from both halves of the deck
            answer = f"Short {index}. Analogy: a much longer analogy than the answer it follows."
        lines += [f"What is item {index}?", answer]
    return "\n".join(lines) + "\n"


def build_in(folder: Path, workers: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    (folder / "sources").mkdir(parents=True)
    (folder / "sources" / "big.txt").write_text(lecture(NOTES), encoding="utf-8")
    monkeypatch.setenv("DECK2ANKI_WORKERS", workers)
    monkeypatch.chdir(folder)  # no deck2anki.toml here: the defaults
    return deck2anki.build(
        folder / "sources",
        folder / "build",
        lock_path=folder / "deck2anki.lock",
        timestamp=1_700_000_000,
    )


def test_two_processes_build_the_bytes_one_process_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forks = []
    fork = parallel._fork

    def counted(*args: Any) -> Any:
        forks.append(args)
        return fork(*args)

    monkeypatch.setattr(parallel, "_fork", counted)
    alone = build_in(tmp_path / "alone", "1", monkeypatch)
    assert forks == []
    shared = build_in(tmp_path / "shared", "2", monkeypatch)
    assert len(forks) == 1  # one second process, for all the work on the notes

    for name in ("build/big.apkg", "deck2anki.lock"):
        assert (tmp_path / "shared" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes()
    warnings = [(w.location.line, w.rule) for w in shared.warnings]
    assert warnings == [(w.location.line, w.rule) for w in alone.warnings]
    assert [line for line, _ in warnings] == [4 + 2 * i for i in range(7, NOTES, 500)]


def test_anki_imports_a_collection_deflated_in_many_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collection: Any
) -> None:
    build_in(tmp_path, "2", monkeypatch)
    package = tmp_path / "build" / "big.apkg"
    with zipfile.ZipFile(package) as archive:
        assert archive.getinfo("collection.anki2").file_size > packing.CHUNK  # two chunks at least
        assert archive.testzip() is None

    log = import_package(collection, package)
    assert len(log.new) == NOTES

    def note(index: int) -> Any:
        (note_id,) = collection.find_notes(f'"Question:What is item {index}?"')
        return collection.get_note(note_id)

    last = note(NOTES - 1)  # from the end of the last chunk
    assert fold(last["Answer"]) == f"Answer {NOTES - 1} uses model.fit() on a <mask> token & more."
    assert "<code>model.fit()</code>" in last["Answer"]
    assert fold(note(NOTES - 3)["Analogy"]) == f"like shelf {NOTES - 3} in a library."


def test_a_process_with_other_threads_is_not_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: Any) -> Any:
        raise AssertionError("forked while another thread ran")

    monkeypatch.setattr(parallel, "_fork", refused)
    monkeypatch.setenv("DECK2ANKI_WORKERS", "2")
    items = list(range(parallel.MIN_ITEMS * 2))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert parallel.map_notes(str, items) == [str(item) for item in items]
    finally:
        stop.set()
        other.join()
    with pytest.raises(AssertionError, match="forked"):  # alone again, it would fork
        parallel.map_notes(str, items)


def test_a_thread_just_joined_but_still_listed_does_not_stop_the_fork(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Linux may list a joined thread for a moment more (a build's package writer, say):
    the check looks again before it gives up the second process; a thread still running
    stops it at once."""
    listed = [["1", "2"], ["1", "2"], ["1"]]
    monkeypatch.setattr(os, "listdir", lambda path: listed.pop(0))
    assert parallel._alone()
    monkeypatch.setattr(os, "listdir", lambda path: ["1", "2"])
    assert not parallel._alone()  # a native thread that stays: no fork, after a few looks
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not parallel._alone()
    finally:
        stop.set()
        other.join()


@pytest.mark.parametrize("failure", ["no-fork", "child-dies", "cut-short"])
def test_without_a_second_process_the_work_is_done_here(
    monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    """No process to be had, a child killed before it wrote anything, or one killed after a
    piece of its results (its file then has no end): its whole share is worked on here, and
    never half taken from the file."""
    monkeypatch.setenv("DECK2ANKI_WORKERS", "2")
    if failure == "no-fork":  # a limit on processes: fork fails

        def refused() -> int:
            raise BlockingIOError(11, "Resource temporarily unavailable")

        monkeypatch.setattr(os, "fork", refused)
    elif failure == "child-dies":  # killed, or out of memory, half-way
        monkeypatch.setattr(parallel, "_run", _dies)
    else:
        run, pieces = parallel._run, []

        def one_piece_then_killed(*args: Any) -> list[Any]:
            pieces.append(args)
            return run(*args) if len(pieces) == 1 else _dies()

        monkeypatch.setattr(parallel, "_run", one_piece_then_killed)
    items = list(range(parallel.PIECE * 3))  # the child's share: two pieces
    assert parallel.map_notes(str, items) == [str(item) for item in items]
    _assert_no_child_left()


def _dies(*args: Any) -> list[Any]:
    """A child's work that ends with the child: as a kill or the out-of-memory killer would."""
    os._exit(9)


def test_with_sigchld_ignored_the_child_s_results_are_still_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process started with SIGCHLD ignored (some servers do that) has its children reaped
    by the kernel, exit status and all: the child's file alone tells its work is whole."""
    monkeypatch.setenv("DECK2ANKI_WORKERS", "2")
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        pids = parallel.map_notes(lambda item: os.getpid(), list(range(parallel.MIN_ITEMS * 2)))
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert pids[0] == os.getpid()
    assert pids[-1] != os.getpid()  # the second half came from the child


def test_the_child_ends_on_ctrl_c_or_sigterm_without_this_process_s_handlers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """deck2anki's command line turns SIGTERM into KeyboardInterrupt, whose cleanup is the
    parent's: the child has the default handlers, and no signal blocked."""
    monkeypatch.setenv("DECK2ANKI_WORKERS", "2")

    def terminated(number: int, frame: object) -> None:
        raise KeyboardInterrupt

    def handlers(item: int) -> tuple[bool, bool, bool]:
        default = signal.SIG_DFL
        return (
            signal.getsignal(signal.SIGTERM) is default,
            signal.getsignal(signal.SIGINT) is default,
            not signal.pthread_sigmask(signal.SIG_BLOCK, []),
        )

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        seen = parallel.map_notes(handlers, list(range(parallel.MIN_ITEMS * 2)))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen[0] == (False, False, True)  # here: the handlers stay, nothing stays blocked
    assert seen[-1] == (True, True, True)  # in the child


def _assert_no_child_left() -> None:
    """Every process map_notes forked has ended and been waited for (no zombie is left)."""
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("where", ["parent", "child"])
def test_an_error_in_either_share_is_raised_here_and_the_child_is_gone(
    monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A bug in the per-note work surfaces as it would in one process, from whichever share
    meets it; an interrupt of this process (the same path) leaves no child running."""
    monkeypatch.setenv("DECK2ANKI_WORKERS", "2")
    items = list(range(parallel.MIN_ITEMS * 2))
    bad = 10 if where == "parent" else len(items) - 10

    def work(item: int) -> str:
        if item == bad:
            raise ValueError(f"cannot work on {item}")
        return str(item)

    with pytest.raises(ValueError, match=f"cannot work on {bad}"):
        parallel.map_notes(work, items)
    _assert_no_child_left()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_progress_reaches_the_end_once_all_the_work_is_done(
    monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("DECK2ANKI_WORKERS", workers)
    total = parallel.MIN_ITEMS * 2 + 500
    calls: list[tuple[int, int]] = []
    parallel.map_notes(str, list(range(total)), lambda done, of: calls.append((done, of)))
    assert calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert all(of == total and done < total for done, of in calls[:-1])
