"""Decks made with Anki itself, exported as Anki exports them, through every format and back
(issue 16): nothing refused that Anki takes, nothing dropped without a word."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deck2anki.cli import cli

from conftest import export_package, export_text, import_package

PNG = (Path(__file__).parent / "fixtures" / "markdown" / "img" / "cell.png").read_bytes()
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00 not really a song"


@pytest.fixture(autouse=True)
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Media are read from inside the current folder (the project): the test's own."""
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> tuple[int, str]:
    """The CLI's exit status and everything it printed (standard error included)."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def add(col: Any, kind: str, fields: list[str], deck: str = "Bio") -> Any:
    note = col.new_note(col.models.by_name(kind))
    for index, value in enumerate(fields):
        note.fields[index] = value
    col.add_note(note, col.decks.id(deck))
    return note


def export(col: Any, out: Path, *, media: bool = True, scheduling: bool = False) -> Path:
    """Anki's current package export (collection.anki21b) of the deck Bio."""
    return export_package(col, out, "Bio", scheduling=scheduling, media=media)


def fresh(tmp_path: Path, name: str) -> Any:
    from anki.collection import Collection

    (tmp_path / name).mkdir()
    return Collection(str(tmp_path / name / "collection.anki2"))


def notes_of(col: Any) -> dict[str, list[str]]:
    return {col.get_note(n).guid: list(col.get_note(n).fields) for n in col.find_notes("")}


# -- point 8: duplicate first fields are fine, a duplicate GUID is the error ---------------


@pytest.mark.parametrize("kind", ["apkg", "anki-text"])
def test_two_notes_with_one_first_field_convert_and_import_as_two(
    collection: Any, tmp_path: Path, kind: str
) -> None:
    first = add(collection, "Basic", ["Same question", "first answer"])
    second = add(collection, "Basic", ["Same question", "second answer"])
    source = (
        export(collection, tmp_path / "bio.apkg")
        if kind == "apkg"
        else export_text(collection, tmp_path / "bio.txt")
    )
    code, output = run("convert", str(source), str(tmp_path / "out.apkg"))
    assert code == 0, output
    assert "duplicate" not in output
    student = fresh(tmp_path, "student")
    try:
        import_package(student, tmp_path / "out.apkg")
        imported = notes_of(student)
    finally:
        student.close()
    assert set(imported) == {first.guid, second.guid}
    assert [imported[first.guid][1], imported[second.guid][1]] == ["first answer", "second answer"]


def test_a_guid_twice_in_anki_text_names_both_lines(collection: Any, tmp_path: Path) -> None:
    first = add(collection, "Basic", ["Mitosis", "Division"])
    second = add(collection, "Basic", ["Meiosis", "Halving"])
    collection.db.execute("UPDATE notes SET guid = ? WHERE id = ?", first.guid, second.id)
    source = export_text(collection, tmp_path / "bio.txt")
    code, output = run("convert", str(source), str(tmp_path / "out.json"))
    assert code == 1
    assert (
        f"{source}:8:1: error: this note's id {first.guid!r} is already used (line 7)"
        " [duplicate-question]\n"
        "  hint: Anki would take both for one note: remove one, or give it another id\n"
    ) in output
    assert not (tmp_path / "out.json").exists()


def test_a_guid_twice_in_a_package_names_both_notes(collection: Any, tmp_path: Path) -> None:
    first = add(collection, "Basic", ["Mitosis", "Division"])
    second = add(collection, "Basic", ["Meiosis", "Halving"])
    collection.db.execute("UPDATE notes SET guid = ? WHERE id = ?", first.guid, second.id)
    source = export(collection, tmp_path / "bio.apkg")
    code, output = run("convert", str(source), str(tmp_path / "out.json"))
    assert code == 1
    assert (
        f"{source}: error: notes id {first.id} and notes id {second.id} have the same GUID"
        f" {first.guid!r} [duplicate-question]\n"
        f"  hint: Anki would take them for one note: remove one in Anki (Browse, search"
        f" nid:{second.id}) and export the deck again\n"
    ) in output


# -- point 8: sound tags and sound files ------------------------------------------------------


def test_a_sound_tag_stays_one_through_lecture_text(collection: Any, tmp_path: Path) -> None:
    collection.media.write_data("ding.mp3", MP3)
    add(collection, "Basic", ["What does the bell sound like?", "[sound:ding.mp3]"])
    source = export(collection, tmp_path / "bio.apkg")
    assert run("convert", str(source), str(tmp_path / "bio.txt"))[0] == 0
    assert "[sound:ding.mp3]\n" in (tmp_path / "bio.txt").read_text(encoding="utf-8")
    code, output = run("convert", str(tmp_path / "bio.txt"), str(tmp_path / "back.apkg"))
    assert code == 0, output
    student = fresh(tmp_path, "student")
    try:
        import_package(student, tmp_path / "back.apkg")
        (note,) = notes_of(student).values()
    finally:
        student.close()
    assert note[1] == "[sound:ding.mp3]"  # not [sound:<code>ding.mp3</code>]


def test_sound_files_survive_apkg_to_markdown_and_back(collection: Any, tmp_path: Path) -> None:
    collection.media.write_data("ding.mp3", MP3)
    collection.media.write_data("cell.png", PNG)
    add(collection, "Basic", ["What does the bell sound like?", "[sound:ding.mp3]"])
    add(collection, "Basic", ["What does a cell look like?", '<img src="cell.png">'])
    source = export(collection, tmp_path / "bio.apkg")
    (tmp_path / "md").mkdir()
    assert run("convert", str(source), str(tmp_path / "md" / "bio.md"))[0] == 0
    code, output = run("convert", str(tmp_path / "md" / "bio.md"), str(tmp_path / "back.apkg"))
    assert code == 0, output
    student = fresh(tmp_path, "student")
    try:
        import_package(student, tmp_path / "back.apkg")
        folder = Path(student.media.dir())
        assert (folder / "ding.mp3").read_bytes() == MP3
        assert (folder / "cell.png").read_bytes() == PNG
        card = student.get_card(student.find_cards("bell")[0])
        assert "[anki:play:a:0]" in card.answer()  # Anki plays it: the tag reached it whole
    finally:
        student.close()


# -- point 8: every writer's output reads back ------------------------------------------------


def test_markdown_of_a_package_exported_without_media_reads_back(
    collection: Any, tmp_path: Path
) -> None:
    collection.media.write_data("ding.mp3", MP3)
    collection.media.write_data("cell.png", PNG)
    add(collection, "Basic", ["What does the bell sound like?", "[sound:ding.mp3]"])
    add(collection, "Basic", ["What does a cell look like?", '<img src="cell.png">'])
    source = export(collection, tmp_path / "bio.apkg", media=False)
    (tmp_path / "md").mkdir()
    assert run("convert", str(source), str(tmp_path / "md" / "bio.md"))[0] == 0
    markdown = tmp_path / "md" / "bio.md"
    code, output = run("convert", str(markdown), str(tmp_path / "back.apkg"))
    assert code == 0, output
    assert "image not found" not in output
    for name in ("ding.mp3", "cell.png"):
        assert (
            f"warning: media file not found: {name!r}; the deck is written without it"
            " [missing-anki-media]\n"
            "  hint: export the deck from Anki with its media, or put the file beside the"
            " source; Anki shows the copy a collection already has\n"
        ) in output
    # Imported where the student's media already are, the cards show them.
    log = import_package(collection, tmp_path / "back.apkg")
    assert len(log.new) + len(log.updated) + len(log.duplicate) + len(log.conflicting) == 2
    assert (Path(collection.media.dir()) / "cell.png").read_bytes() == PNG


def test_lecture_text_of_cards_without_a_text_answer_reads_back_paired(
    collection: Any, tmp_path: Path
) -> None:
    collection.media.write_data("cell.png", PNG)
    add(collection, "Basic", ["What holds the genome?", "The nucleus"])
    add(collection, "Cloze", ["The {{c1::ribosome}} makes proteins.", ""])
    add(collection, "Basic", ["What does a cell look like?", '<img src="cell.png">'])
    add(collection, "Basic", ["What makes ATP?", "The mitochondria"])
    source = export(collection, tmp_path / "bio.apkg")
    code, output = run("convert", str(source), str(tmp_path / "bio.txt"))
    assert code == 0, output
    assert (
        "warning: lecture text cannot hold cards without a question or an answer as text"
        " (a cloze, an image): 2 dropped [lossy-conversion]"
    ) in output
    code, output = run("convert", str(tmp_path / "bio.txt"), str(tmp_path / "back.json"))
    assert code == 0, output
    assert "counter-mismatch" not in output
    notes = json.loads((tmp_path / "back.json").read_text(encoding="utf-8"))["notes"]
    assert [(n["question"], n["answer"]) for n in notes] == [
        ("What holds the genome?", "The nucleus"),
        ("What makes ATP?", "The mitochondria"),
    ]


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("csv", ".csv"), ("tsv", ".tsv"), ("anki-text", ".txt")]
)
def test_a_cloze_without_back_extra_reads_back_from_every_table_format(
    collection: Any, tmp_path: Path, fmt: str, suffix: str
) -> None:
    cloze = add(collection, "Cloze", ["The {{c1::ribosome}} makes proteins.", ""])
    add(collection, "Basic", ["What holds the genome?", "The nucleus"])
    source = export(collection, tmp_path / "bio.apkg")
    written = tmp_path / f"bio{suffix}"
    assert run("convert", str(source), str(written), "--to", fmt)[0] == 0
    code, output = run("convert", str(written), str(tmp_path / "back.apkg"), "--from", fmt)
    assert code == 0, output
    student = fresh(tmp_path, "student")
    try:
        import_package(student, tmp_path / "back.apkg")
        imported = notes_of(student)
    finally:
        student.close()
    assert len(imported) == 2
    assert imported[cloze.guid][0] == "The {{c1::ribosome}} makes proteins."


def test_writing_a_colpkg_says_it_is_read_only(collection: Any, tmp_path: Path) -> None:
    add(collection, "Basic", ["What holds the genome?", "The nucleus"])
    source = export(collection, tmp_path / "bio.apkg")
    code, output = run("convert", str(source), str(tmp_path / "out.colpkg"))
    assert code == 2
    assert output == (
        f"error: {tmp_path / 'out.colpkg'}: .colpkg is read-only: deck2anki reads colpkg files"
        " but does not write them (importing a .colpkg replaces a student's whole"
        " collection); write an .apkg instead\n"
    )
    assert not (tmp_path / "out.colpkg").exists()


# -- point 7: nothing dropped silently --------------------------------------------------------


def test_scheduling_is_dropped_with_one_line_naming_what(collection: Any, tmp_path: Path) -> None:
    for question in ("What holds the genome?", "What makes ATP?", "What makes proteins?"):
        add(collection, "Basic", [question, "An organelle"])
    first, second, third = collection.find_cards("")
    card = collection.get_card(first)
    card.start_timer()
    collection.sched.answerCard(card, 3)
    collection.sched.suspend_cards([second])
    collection.set_user_flag_for_cards(1, [third])
    studied = export(collection, tmp_path / "studied.apkg", scheduling=True)
    code, output = run("convert", str(studied), str(tmp_path / "out.json"))
    assert code == 0, output
    assert output.count("warning:") == 1
    assert (
        f"{studied}: warning: scheduling is not kept: 1 review, 1 studied card, 1 suspended"
        " card, 1 flagged card; the cards arrive as new cards [lossy-conversion]\n"
        "  hint: a collection that imports the result keeps the scheduling it has\n"
    ) in output
    # Exported without it, there is nothing to drop, and nothing is said.
    plain = export(collection, tmp_path / "plain.apkg", scheduling=False)
    code, output = run("convert", str(plain), str(tmp_path / "plain.json"))
    assert (code, output) == (0, f"wrote {tmp_path / 'plain.json'} (3 notes, deck 'Bio')\n")


def test_every_loss_names_its_note_type_and_count(collection: Any, tmp_path: Path) -> None:
    models = collection.models
    sourced = models.copy(models.by_name("Basic"), add=False)
    sourced["name"] = "Basic with source"
    models.add_field(sourced, models.new_field("Source"))
    models.add(sourced)
    for number in (1, 2):
        add(collection, "Basic with source", [f"Question {number}?", "Answer", "Textbook p. 4"])
        add(collection, "Basic (and reversed card)", [f"Term {number}", "Meaning"])
    add(collection, "Cloze", ["The {{c1::ribosome}} makes proteins.", ""])
    source = export(collection, tmp_path / "bio.apkg")
    # CSV has no place for note types, so what it drops is said (.apkg and JSON keep it all).
    code, output = run("convert", str(source), str(tmp_path / "out.csv"))
    assert code == 0, output
    assert output == (
        f"{source}: warning: note type 'Basic with source': field 'Source' of 2 notes has no"
        " place in a deck2anki note and is not kept [lossy-conversion]\n"
        "  hint: a field named Analogy, Extra or Back Extra in Anki is kept as the analogy\n"
        f"{source}: warning: note type 'Cloze': 1 note with cloze deletions is read as a note"
        " of deck2anki's cloze note type (Text, Back Extra, Analogy), not of this one"
        " [lossy-conversion]\n"
        f"{source}: warning: note type 'Basic (and reversed card)': 2 cards of its second and"
        " later templates (a reverse card, say) are not kept [lossy-conversion]\n"
        "  hint: reverse and type-in cards are deck settings in deck2anki.toml\n"
        f"wrote {tmp_path / 'out.csv'} (5 notes, deck 'Bio')\n"
    )


# -- point 5: Anki's "Notes in Plain Text" as Anki writes it ----------------------------------


def test_a_whole_collection_in_plain_text_is_read_not_refused(
    collection: Any, tmp_path: Path
) -> None:
    add(collection, "Basic", ["What holds the genome?", "The nucleus"], deck="Bio::Cells")
    add(collection, "Basic", ["What is 2 + 2?", "4"], deck="Maths")
    add(collection, "Cloze", ["The {{c1::ribosome}} makes proteins.", ""], deck="Bio::Cells")
    source = export_text(collection, tmp_path / "all.txt")
    code, output = run("convert", str(source), str(tmp_path / "out.apkg"))
    assert code == 0, output
    assert "read as one deck" not in output
    student = fresh(tmp_path, "student")
    try:
        import_package(student, tmp_path / "out.apkg")
        assert student.note_count() == 3
        # Several decks stay several (issue 16, point 5).
        decks = sorted(student.decks.name(student.get_card(c).did) for c in student.find_cards(""))
        assert decks == ["Bio::Cells", "Bio::Cells", "Maths"]
    finally:
        student.close()
