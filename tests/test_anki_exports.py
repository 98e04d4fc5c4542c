"""Decks that Anki itself exported, and Anki's own text importer taking what we write."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

import deck2anki
from deck2anki.errors import Report
from deck2anki.model import Markup

from conftest import SEED, export_package, export_text, fold, import_package

PNG = (Path(__file__).parent / "fixtures" / "markdown" / "img" / "cell.png").read_bytes()


@pytest.fixture
def anki_deck(collection: Any) -> Any:
    """A collection with notes of Anki's stock note types, tags and an image, in one deck."""
    col = collection
    deck_id = col.decks.id("Biology::Cells")
    deck = col.decks.get(deck_id)
    deck["desc"] = "Stock note types"
    col.decks.save(deck)
    col.media.write_data("cell.png", PNG)
    rows = [
        ("Basic", ["What holds the genome?", 'The nucleus. <img src="cell.png">']),
        ("Basic (and reversed card)", ["ATP", "The cell's energy currency"]),
        ("Basic (optional reversed card)", ["Mitosis", "Cell division", ""]),
        ("Basic (type in the answer)", ["Powerhouse of the cell?", "mitochondria"]),
        ("Cloze", ["The {{c1::ribosome}} makes proteins.", "Like a factory floor."]),
    ]
    for kind, fields in rows:
        note = col.new_note(col.models.by_name(kind))
        for index, value in enumerate(fields):
            note.fields[index] = value
        note.tags = ["bio", "week3"]
        col.add_note(note, deck_id)
    return col


@pytest.mark.parametrize("legacy", [True, False], ids=["legacy-anki21", "current-anki21b"])
def test_a_deck_exported_by_anki_reads_back_whole(
    anki_deck: Any, tmp_path: Path, legacy: bool
) -> None:
    out = tmp_path / "export.apkg"
    export_package(anki_deck, out, "Biology::Cells", legacy=legacy)
    with zipfile.ZipFile(out) as archive:
        assert ("collection.anki21" if legacy else "collection.anki21b") in archive.namelist()
    report = Report()
    deck = deck2anki.read(out, report=report)
    assert deck.name == "Biology::Cells"
    assert deck.description == "Stock note types"
    # What has no place in a deck2anki note is said, not silently lost.
    assert [d.message for d in report.warnings] == [
        "note type 'Cloze': 1 note with cloze deletions is read as a note of deck2anki's"
        " cloze note type (Text, Back Extra, Analogy), not of this one",
        "note type 'Basic (and reversed card)': 1 card of its second and later templates"
        " (a reverse card, say) is not kept",
    ]
    by_question = {fold(n.question): n for n in deck.notes}
    assert set(by_question) == {
        "What holds the genome?",
        "ATP",
        "Mitosis",
        "Powerhouse of the cell?",
        "The {{c1::ribosome}} makes proteins.",
    }
    expected_guids = {anki_deck.get_note(nid).guid for nid in anki_deck.find_notes("")}
    assert {note.guid for note in deck.notes} == expected_guids
    assert all(note.tags == ("bio", "week3") for note in deck.notes)
    assert fold(by_question["ATP"].answer) == "The cell's energy currency"
    cloze = by_question["The {{c1::ribosome}} makes proteins."]
    assert (fold(cloze.answer), cloze.analogy) == ("Like a factory floor.", "")
    assert [(m.name, m.data) for m in deck.media] == [("cell.png", PNG)]
    assert by_question["What holds the genome?"].markup is Markup.HTML  # <img> without alt


def test_anki_imports_our_anki_text_as_updates_of_the_same_notes(
    project: Path, collection: Any
) -> None:
    from anki.collection import ImportCsvRequest
    from anki.import_export_pb2 import CsvMetadata

    (built,) = deck2anki.build(timestamp=1_700_000_000).built
    import_package(collection, built.output)
    before = {
        collection.get_note(n).guid: list(collection.get_note(n).fields)
        for n in collection.find_notes("")
    }
    source = project / "sources" / SEED.name
    source.write_text(
        source.read_text(encoding="utf-8").replace("memory constraints", "memory limits"),
        encoding="utf-8",
    )
    # The rebuilt deck, as Anki's text: the same notes the new .apkg holds, tags included.
    (rebuilt,) = deck2anki.build(timestamp=1_700_003_600).built
    text = project / "deck.txt"
    deck2anki.convert(rebuilt.output, text, to_format="anki-text")
    metadata = collection.get_csv_metadata(str(text), None)
    metadata.dupe_resolution = CsvMetadata.UPDATE
    log = collection.import_csv(ImportCsvRequest(path=str(text), metadata=metadata)).log
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    assert len(log.duplicate) == 19
    assert collection.note_count() == 20
    after = {
        collection.get_note(n).guid: list(collection.get_note(n).fields)
        for n in collection.find_notes("")
    }
    assert set(after) == set(before)
    changed = [guid for guid in after if after[guid] != before[guid]]
    assert len(changed) == 1
    assert "memory limits" in after[changed[0]][1]
    # What Anki imported from our text is what our .apkg of the same source holds.
    from anki.collection import Collection

    (project / "other").mkdir()
    other = Collection(str(project / "other" / "collection.anki2"))
    try:
        import_package(other, rebuilt.output)
        packaged = {
            other.get_note(n).guid: list(other.get_note(n).fields) for n in other.find_notes("")
        }
    finally:
        other.close()
    assert after == packaged


def test_ankis_notes_in_plain_text_export_reads_back(anki_deck: Any, tmp_path: Path) -> None:
    out = tmp_path / "notes.txt"
    export_text(anki_deck, out)
    deck = deck2anki.read(out)  # a .txt: Anki's headers tell it from lecture text
    assert deck.name == "Biology::Cells"
    expected = {anki_deck.get_note(nid).guid for nid in anki_deck.find_notes("")}
    assert {note.guid for note in deck.notes} == expected
    by_question = {fold(n.question): n for n in deck.notes}
    assert fold(by_question["ATP"].answer) == "The cell's energy currency"
    assert by_question["ATP"].tags == ("bio", "week3")
