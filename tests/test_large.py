"""Large decks: a collection deflated in many chunks, imported by Anki whole."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

import deck2anki
from deck2anki.writers import packing

from conftest import fold, import_package

NOTES = 6000  # a collection of more than one chunk
assert NOTES % 3 == 0  # so that the third note from the end has an analogy


def lecture(count: int) -> str:
    """A lecture page of ``count`` cards: analogies, code, markup-looking text, a warning."""
    lines = [f"1/{count}", "Generated for the test of large decks.", "|---|"]
    for index in range(count):
        answer = f"Answer {index} uses model.fit() on a <mask> token & more."
        if index % 3 == 0:
            answer += f" Analogy: like shelf {index} in a library."
        if index % 500 == 7:  # a warning now and then
            answer = f"Short {index}. Analogy: a much longer analogy than the answer it follows."
        lines += [f"What is item {index}?", answer]
    return "\n".join(lines) + "\n"


def build_in(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    (folder / "sources").mkdir(parents=True)
    (folder / "sources" / "big.txt").write_text(lecture(NOTES), encoding="utf-8")
    monkeypatch.chdir(folder)  # no deck2anki.toml here: the defaults
    return deck2anki.build(
        folder / "sources",
        folder / "build",
        lock_path=folder / "deck2anki.lock",
        timestamp=1_700_000_000,
    )


def test_anki_imports_a_collection_deflated_in_many_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collection: Any
) -> None:
    build_in(tmp_path, monkeypatch)
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


def test_progress_reaches_the_end_once_all_the_work_is_done(tmp_path: Path) -> None:
    total = 2500
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "big.txt").write_text(lecture(total), encoding="utf-8")
    calls: list[tuple[str, int, int]] = []
    deck2anki.build(
        tmp_path / "sources",
        tmp_path / "build",
        lock_path=tmp_path / "deck2anki.lock",
        timestamp=1_700_000_000,
        progress=lambda deck, done, of: calls.append((deck, done, of)),
    )
    assert calls == [("Big", done, total) for done in (1000, 2000, total)]
