"""Files that are not what they claim, and builds that fail half-way: nothing is lost."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki import files
from deck2anki.cli import cli
from deck2anki.project import deck as deckplan
from deck2anki.readers import apkg

from conftest import SEED, edit_seed, fold, import_package

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="deck2anki", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("name", "first_line"),
    [
        ("empty.txt", "empty.txt:1:1: error: no cards found [no-cards]"),
        ("whitespace.txt", "whitespace.txt:1:1: error: no cards found [no-cards]"),
        (
            "image.txt",
            "image.txt:1:1: error: binary data, not text (an image or a package?) [encoding]",
        ),
        ("cp1252.txt", "cp1252.txt:1:14: error: not UTF-8 text: byte 0xe9 at offset 13 [encoding]"),
        (
            "not-a-zip.apkg",
            "not-a-zip.apkg: error: not an Anki package: not a zip archive, or a damaged one"
            " [not-a-package]",
        ),
        (
            "truncated.apkg",
            "truncated.apkg: error: not an Anki package: not a zip archive, or a damaged one"
            " [not-a-package]",
        ),
        (
            "zip-slip.apkg",
            "zip-slip.apkg: error: the package is damaged: media file name '../../evil.txt' is not"
            " a plain file name [damaged-package]",
        ),
        (
            "absolute-media.apkg",
            "absolute-media.apkg: error: the package is damaged: media file name '/etc/evil.txt'"
            " is not a plain file name [damaged-package]",
        ),
        (
            "not-sqlite.apkg",
            "not-sqlite.apkg: error: the collection inside is damaged: the collection is not an"
            " SQLite database [damaged-package]",
        ),
        (
            "missing-tables.apkg",
            "missing-tables.apkg: error: the collection inside is damaged: no such column: models"
            " [damaged-package]",
        ),
        ("outside.md", "outside.md:3:1: error: image '../../../../etc/hostname' points outside"),
    ],
)
def test_a_hostile_file_gets_one_clear_message_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, first_line: str
) -> None:
    monkeypatch.chdir(HOSTILE)
    target = tmp_path / "out.json"
    code, out, err = run("convert", name, str(target))
    assert code == 1
    assert out == ""
    assert err.splitlines()[0].startswith(first_line)
    assert "hint: " in err.splitlines()[1]
    assert err.splitlines()[-1] == "error: 1 problem in 1 file; nothing was written"
    assert not target.exists()
    assert not (tmp_path / "evil.txt").exists()


def test_utf16_with_a_byte_order_mark_is_read_correctly() -> None:
    (note,) = deck2anki.read(HOSTILE / "utf16.txt").notes
    assert (note.question, note.answer) == ("What is “λ”?", "A Greek letter — lambda.")


def test_windows_1252_reads_with_the_encoding_the_message_suggests() -> None:
    (note,) = deck2anki.read(
        HOSTILE / "cp1252.txt", options=deck2anki.ReadOptions(encoding="cp1252")
    ).notes
    assert (note.question, note.answer) == ("What is a café?", "A place for “coffee”.")


def test_a_single_ten_megabyte_line_is_an_error_not_a_hang(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("x" * 10_000_000, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(deck2anki.SourceError) as failure:
        deck2anki.read(big)
    assert "error: line without a partner" in str(failure.value)
    assert time.monotonic() - started < 60  # a hang would take forever; this is a backstop


def _zeros_zipped(size: int) -> bytes:
    """A package whose collection is ``size`` zero bytes: it compresses to a few hundred."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", b"\0" * size)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_extracting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apkg, "MAX_UNPACKED", 50_000)
    (tmp_path / "bomb.apkg").write_bytes(_zeros_zipped(200_000))
    with pytest.raises(deck2anki.SourceError) as failure:
        deck2anki.read(tmp_path / "bomb.apkg")
    assert "would unpack to 200,000 bytes, more than the 50,000 deck2anki accepts" in str(
        failure.value
    )


def test_a_zip_that_lies_about_its_size_is_still_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apkg, "MAX_UNPACKED", 50_000)
    data = bytearray(_zeros_zipped(200_000))
    # Say 10 bytes where the headers say 200,000 (local header and central directory).
    size = (200_000).to_bytes(4, "little")
    for at in [i for i in range(len(data) - 3) if data[i : i + 4] == size]:
        data[at : at + 4] = (10).to_bytes(4, "little")
    (tmp_path / "liar.apkg").write_bytes(bytes(data))
    with pytest.raises(deck2anki.SourceError) as failure:
        deck2anki.read(tmp_path / "liar.apkg")
    assert "damaged" in str(failure.value)


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('x')</script> and <img src=x onerror=alert(1)> and <!-- hidden -->",
        "[click](javascript:alert(1)) and <a href='javascript:alert(1)'>a</a>",
    ],
    ids=["script-img-comment", "javascript-links"],
)
@pytest.mark.parametrize("fmt", ["lecture", "markdown", "csv"])
def test_source_text_never_becomes_markup_or_script_on_the_card(
    tmp_path: Path, collection: Any, source: str, fmt: str
) -> None:
    text = {
        "lecture": f"What is shown?\n{source}\n",
        "markdown": f"## What is shown?\n\n{source}\n",
        "csv": f'Question,Answer\nWhat is shown?,"{source}"\n',
    }[fmt]
    deck = deck2anki.read_text(text, fmt=fmt, deck_name="Hostile")
    deck2anki.write(deck, tmp_path / "h.apkg", timestamp=1_700_000_000)
    import_package(collection, tmp_path / "h.apkg")
    back = collection.get_card(collection.find_cards("")[0]).answer().rpartition("</style>")[2]
    assert "<script" not in back and "onerror=" not in back.replace("onerror=alert", "")
    assert "<img" not in back and 'href="javascript' not in back and "<!--" not in back
    assert "alert" in fold(back)  # shown as text, not dropped


def test_markdown_links_only_keep_safe_schemes(tmp_path: Path) -> None:
    deck = deck2anki.read_text(
        "## Links?\n\n[web](https://anki.net) [rel](notes.html) [file](file:///etc/passwd)"
        " [mail](mailto:a@b.c)\n",
        fmt="markdown",
    )
    from deck2anki.cards.render import render_note

    answer = render_note(deck.notes[0]).answer
    assert '<a href="https://anki.net">web</a>' in answer
    assert '<a href="notes.html">rel</a>' in answer
    assert '<a href="file:' not in answer and '<a href="mailto:' not in answer
    assert "[file](file:///etc/passwd)" in answer


@pytest.mark.parametrize("fail_at", ["stage-first", "stage-second", "rename-second"])
def test_a_write_failing_at_any_point_leaves_the_old_files_and_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, fail_at: str
) -> None:
    (project / "sources" / "tiny.txt").write_text("Q?\nA.\n", encoding="utf-8")
    deck2anki.build(timestamp=1_700_000_000)
    before = {
        p.name: p.read_bytes() for p in [*project.glob("build/*"), project / "deck2anki.lock"]
    }
    (project / "sources" / "tiny.txt").write_text("Q?\nAnother A.\n", encoding="utf-8")
    (project / "sources" / SEED.name).write_text(
        SEED.read_text(encoding="utf-8").replace("memory constraints", "limits"), "utf-8"
    )
    calls = {"stage": 0, "replace": 0}
    real_stage, real_replace = files._stage, os.replace

    def stage(path: Path, data: bytes) -> Path:
        calls["stage"] += 1
        if fail_at == f"stage-{['', 'first', 'second'][min(calls['stage'], 2)]}":
            raise OSError(28, "No space left on device")
        return real_stage(path, data)

    def replace(source: Any, target: Any) -> None:
        calls["replace"] += 1
        if fail_at == "rename-second" and calls["replace"] == 2:
            raise OSError(5, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(files, "_stage", stage)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(deck2anki.UsageError) as failure:
        deck2anki.build(timestamp=1_700_000_100)
    assert "cannot write it" in str(failure.value)
    after = {p.name: p.read_bytes() for p in [*project.glob("build/*"), project / "deck2anki.lock"]}
    assert after == before
    leftovers = [p.name for p in project.rglob(".*") if p.is_file()]
    assert leftovers == []


def test_a_package_failing_to_write_leaves_the_old_files_and_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck2anki.build(timestamp=1_700_000_000)
    before = {
        p.name: p.read_bytes() for p in [*project.glob("build/*"), project / "deck2anki.lock"]
    }
    edit_seed(project, "memory constraints", "limits")

    def full(target: Any, **_: Any) -> None:
        target.write(b"PK")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(deckplan, "write_package_to", full)
    with pytest.raises(
        deck2anki.UsageError, match=r"deep-learning-lecture-06\.apkg: cannot write it"
    ):
        deck2anki.build(timestamp=1_700_000_100)
    after = {p.name: p.read_bytes() for p in [*project.glob("build/*"), project / "deck2anki.lock"]}
    assert after == before
    assert [p.name for p in project.rglob(".*") if p.is_file()] == []


@pytest.mark.parametrize("failure", ["build/ not writable", "temporary folder full"])
def test_a_folder_that_cannot_take_the_package_is_a_clean_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    """No internal error and nothing left: build/ refusing this user (root cannot be refused
    in a test, so mkstemp says it), or no room for the collection's scratch file (SQLite's
    own limit on pages stands in for a full disk)."""
    if failure == "build/ not writable":

        def refused(*args: Any, **kwargs: Any) -> Any:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile, "mkstemp", refused)
        expected = r"deep-learning-lecture-06\.apkg: cannot write it: Permission denied"
    else:
        connect = sqlite3.connect

        def small(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            connection: sqlite3.Connection = connect(*args, **kwargs)
            connection.execute("PRAGMA max_page_count = 4")
            return connection

        monkeypatch.setattr(sqlite3, "connect", small)
        expected = r"cannot write it: no room for the collection in the temporary folder"
    with pytest.raises(deck2anki.UsageError, match=expected):
        deck2anki.build(timestamp=1_700_000_000)
    assert not (project / "build").exists()
    assert not (project / "deck2anki.lock").exists()


@pytest.mark.parametrize("check", [False, True])
def test_a_failed_or_checked_first_build_leaves_no_build_folder(project: Path, check: bool) -> None:
    if not check:  # a second source with an error: nothing may be written, not even build/
        (project / "sources" / "bad.txt").write_text("Q?\nA.\nOrphan?\n", encoding="utf-8")
    with pytest.raises(deck2anki.Deck2AnkiError) if not check else contextlib.nullcontext():
        result = deck2anki.build(check=check)
        assert result.stale
    assert not (project / "build").exists()
    assert [p.name for p in project.rglob(".*") if p.is_file()] == []


@pytest.mark.parametrize("when", ["waiting for the rows", "lock lines", "waiting for the package"])
def test_an_interrupt_while_a_package_is_made_leaves_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    def interrupted(entries: Any) -> Any:
        raise KeyboardInterrupt

    real = Future.result
    waits: list[object] = []

    def interrupted_once(self: Future[Any], timeout: float | None = None) -> Any:
        waits.append(self)
        if len(waits) == 1:  # Ctrl-C while the build waits for its package
            raise KeyboardInterrupt
        return real(self, timeout)

    class Interrupted(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            raise KeyboardInterrupt  # Ctrl-C while the build waits for the rows to be in

    if when == "waiting for the rows":
        monkeypatch.setattr(deckplan, "Event", Interrupted)
    elif when == "lock lines":
        monkeypatch.setattr(deckplan, "notes_block", interrupted)
    else:
        monkeypatch.setattr(Future, "result", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        deck2anki.build()
    assert not (project / "build").exists()
    assert [p.name for p in project.rglob(".*") if p.is_file()] == []


def test_an_interrupt_while_the_package_thread_starts_leaves_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pool's thread is started inside ``submit``: Ctrl-C there comes before the build
    # has its future, and the pool then waits for no thread. A killed build left its
    # package's temporary file behind that way, about one kill in ten on a busy machine.
    start = threading.Thread.start

    def interrupted(thread: threading.Thread) -> None:
        start(thread)
        raise KeyboardInterrupt

    monkeypatch.setattr(threading.Thread, "start", interrupted)
    with pytest.raises(KeyboardInterrupt):
        deck2anki.build()
    monkeypatch.undo()
    for thread in threading.enumerate():  # whatever the stopped build had started is done
        if thread is not threading.main_thread():
            thread.join(timeout=60)
    assert [p.name for p in project.rglob(".*") if p.is_file()] == []


def test_check_deletes_nothing_either(project: Path) -> None:
    deck2anki.build()
    leftover = project / "build" / f".old.apkg.x{files.TEMPORARY_SUFFIX}"
    leftover.write_bytes(b"what a killed build left")
    assert deck2anki.build(check=True).stale == ()
    assert leftover.exists()
    deck2anki.build()  # a build does clean it up
    assert not leftover.exists()


@pytest.mark.slow
def test_killing_a_real_build_leaves_whole_files_only(project: Path) -> None:
    # Enough work that the build is still running when stopped, and not in the moments of
    # interpreter shutdown (Python then restores the default handlers, and SIGTERM kills).
    for index in range(4):
        lines = [f"Question {index}-{n}?\nAnswer {n} " + "word " * 40 for n in range(4500)]
        (project / "sources" / f"big{index}.txt").write_text("\n".join(lines), "utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "deck2anki", "build"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Stop it once it is writing (its first temporary file is there), not at a fixed time: on a
    # busy machine a fixed delay may fall before deck2anki has even started.
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if any(p.name.startswith(".") for p in project.glob("build/*")):
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    build = project / "build"
    written = sorted(p.name for p in build.iterdir()) if build.exists() else []
    assert not [name for name in written if name.startswith(".")], written
    if process.returncode == 0:
        assert len(written) == 5  # it finished before the signal
    else:
        assert process.returncode == 130
        assert b"interrupted; files are written whole or not at all" in err
        for name in written:  # whatever is there is a whole package
            assert zipfile.ZipFile(build / name).testzip() is None
        lock = project / "deck2anki.lock"
        assert lock.exists() == bool(written)
