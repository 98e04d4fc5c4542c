"""A deck made in Anki comes out as Markdown a person can edit, and goes back exactly (issue 16).

The ordinary deck is made with the ``anki`` package: Basic notes whose fields hold the
everyday HTML Anki's editor writes (benchmarks/convert_md.py makes the same deck at scale).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki.cli import cli

from conftest import ROOT, import_package


def _benchmark() -> Any:
    """benchmarks/convert_md.py, which makes the ordinary deck (a script, not a package)."""
    spec = importlib.util.spec_from_file_location(
        "convert_md", ROOT / "benchmarks" / "convert_md.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_STYLE = re.compile(r"<style>.*?</style>", re.S)


def _seen(card_html: str) -> str:
    """What a student sees of a rendered card: its HTML without the style, white space
    folded."""
    return " ".join(_STYLE.sub("", card_html).split())


def _ordinary_package(tmp_path: Path, notes: int = 200) -> tuple[Path, dict[str, Any]]:
    """The ordinary deck exported by Anki, and what its cards show: {guid: (front, back)}."""
    from anki.collection import Collection

    (tmp_path / "made").mkdir()
    col = Collection(str(tmp_path / "made" / "collection.anki2"))
    try:
        benchmark = _benchmark()
        deck_id = benchmark.ordinary_collection(col, notes)
        out = tmp_path / "ordinary.apkg"
        benchmark.export(col, deck_id, out)
        shown = {}
        for card_id in col.find_cards(""):
            card = col.get_card(card_id)
            back = _seen(card.answer()).split("<hr id=answer>")[1].strip()
            shown[card.note().guid] = (_seen(card.question()), back)
    finally:
        col.close()
    return out, shown


def _convert(source: Path, target: Path) -> None:
    result = CliRunner().invoke(cli, ["convert", str(source), str(target)])
    assert result.exit_code == 0, result.output


def test_an_ordinary_anki_deck_is_editable_markdown_and_goes_back_as_it_was(
    tmp_path: Path, collection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    package, shown = _ordinary_package(tmp_path)
    (tmp_path / "md").mkdir()
    markdown = tmp_path / "md" / "deck.md"
    _convert(package, markdown)
    text = markdown.read_text(encoding="utf-8")
    sections = text.count("\n## ")
    blocks = text.count("```anki-note")
    assert sections == 200
    assert blocks <= 0.05 * sections, f"{blocks} of {sections} notes are anki-note blocks"

    # Read back, and back to a package: Anki shows every card as it showed it before.
    assert len(deck2anki.read(markdown).notes) == 200
    again = tmp_path / "again.apkg"
    _convert(markdown, again)
    log = import_package(collection, again)
    assert len(log.new) == 200
    seen = {}
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        seen[card.note().guid] = (_seen(card.question()), _seen(card.answer()))
    assert set(seen) == set(shown)
    for guid, (front, back) in shown.items():
        assert front in seen[guid][0], (front, seen[guid][0])
        assert back in seen[guid][1], (back, seen[guid][1])
    assert collection.media.check().missing == []  # images and sounds travel (issue 16)


def test_a_section_marked_html_reads_as_the_html_it_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cell.png").write_bytes(b"png")
    source = tmp_path / "deck.md"
    source.write_text(
        "## What does <b>ATP</b> stand for?\n<!-- format: html -->\n\n"
        '<b>Adenosine</b> <i>tri</i>phosphate,<div>$5 &amp; <img src="cell.png"></div>\n\n'
        "Analogy: a <u>charged</u> battery\n",
        encoding="utf-8",
    )
    deck = deck2anki.read(source)
    (note,) = deck.notes
    assert (note.question, note.answer, note.analogy, note.markup.value) == (
        "What does <b>ATP</b> stand for?",
        '<b>Adenosine</b> <i>tri</i>phosphate,<div>$5 &amp; <img src="cell.png"></div>',
        "a <u>charged</u> battery",
        "html",
    )
    assert [media.name for media in deck.media] == ["cell.png"]


def test_a_section_of_an_unknown_format_is_refused_by_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deck.md").write_text(
        "## One\n\nAn answer.\n\n## Two\n<!-- format: rtf -->\n\nx\n", encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["convert", "deck.md", "deck.json"])
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        "deck.md:5:1: error: the note's format 'rtf' is not one deck2anki reads [bad-note-block]",
        "  hint: write <!-- format: html --> for a note in Anki HTML, or leave it out",
    ]
    assert not (tmp_path / "deck.json").exists()
