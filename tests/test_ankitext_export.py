"""Anki's "Notes in Plain Text" export, read as Anki writes it, and written as Anki writes it
(issue 16, point 5, and the text parts of points 7 and 8). Anki itself makes the collection,
exports it, imports what deck2anki makes of it, and reads the same files as the oracle."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import deck2anki
from deck2anki.errors import Report
from test_notetypes_roundtrip import _vocab

from conftest import EXPORT_OPTIONS as OPTIONS
from conftest import export_package, export_text, import_package, log_counts

PNG = (Path(__file__).parent / "fixtures" / "markdown" / "img" / "cell.png").read_bytes()
STOCK = (
    "Basic",
    "Basic (and reversed card)",
    "Basic (optional reversed card)",
    "Basic (type in the answer)",
    "Cloze",
    "Image Occlusion",
)


@pytest.fixture
def course(collection: Any) -> Any:
    """Every stock note type and one of the user's own (five fields, two templates), in
    nested decks and a second top-level deck, with hierarchical tags and empty fields."""
    col = collection
    col.media.write_data("cell.png", PNG)
    vocab = _vocab(col)
    rows = [
        ("Basic", "Course::Week 1::Topic", ["Genome?", 'Nucleus <img src="cell.png">']),
        ("Basic", "Course::Week 2::Topic", ["A front alone", ""]),
        ("Basic (and reversed card)", "Course::Week 1::Topic", ["ATP", "Energy currency"]),
        ("Basic (optional reversed card)", "Course::Week 1", ["Mitosis", "Division", "y"]),
        ("Basic (optional reversed card)", "Course::Week 1", ["Meiosis", "Halving", ""]),
        ("Basic (type in the answer)", "Course::Week 1", ["Powerhouse?", "mitochondria"]),
        ("Cloze", "Course::Week 1", ["The {{c1::ribosome}} makes {{c2::proteins}}.", "Extra"]),
        ("Cloze", "Course::Week 2::Topic", ["{{c1::Mitochondria::organelle}}", ""]),
        ("Vocab (mine)", "Languages", ["hola", "hello", "", "[sound:hola.mp3]", "a\ttab\nline"]),
        ("Vocab (mine)", "Languages", ["adiós", 'say "bye"', "¡Adiós!", "", ""]),
    ]
    for kind, deck_name, fields in rows:
        note = col.new_note(vocab if kind == "Vocab (mine)" else col.models.by_name(kind))
        for index, value in enumerate(fields):
            note.fields[index] = value
        note.tags = ["course", "week::1"]
        col.add_note(note, col.decks.id(deck_name))
    # Anki's GUIDs may start with "#", which starts a comment line in its text format.
    col.db.execute("UPDATE notes SET guid = '#course' WHERE id = ?", col.find_notes("")[0])
    occlusion = next(m for m in col.models.all() if m.get("originalStockKind") == 6)
    image = Path(col.media.dir()).parent / "parts.png"
    image.write_bytes(PNG)
    col.add_image_occlusion_note(
        notetype_id=occlusion["id"],
        image_path=str(image),
        occlusions="{{c1::image-occlusion:rect:left=.1:top=.1:width=.3:height=.3:oi=1}}",
        header="Parts of the cell",
        back_extra="",
        tags=["course"],
    )
    col.set_deck(col.find_cards('"note:Image Occlusion"'), col.decks.id("Course::Week 1"))
    return col


def _fresh(tmp_path: Path, name: str) -> Any:
    from anki.collection import Collection

    (tmp_path / name).mkdir()
    return Collection(str(tmp_path / name / "collection.anki2"))


def _seen(col: Any) -> dict[str, Any]:
    """What Anki shows of a collection: each note (by GUID) with its note type's name (a
    copy's "+" left off), fields and tags; the used note types; the cards in each deck."""
    notes = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        name = note.note_type()["name"].removesuffix("+")
        notes[note.guid] = (name, dict(note.items()), tuple(note.tags))
    notetypes = {
        model["name"].removesuffix("+"): (
            [f["name"] for f in model["flds"]],
            [(t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"]],
            model["css"],
            model["type"],
            (model["sortf"], model["latexPre"], model["latexPost"]),
            model.get("originalStockKind", 0),
        )
        for model in col.models.all()
        if col.models.use_count(model)
    }
    cards = Counter(
        (
            col.get_card(cid).note().guid,
            col.get_card(cid).ord,
            col.decks.name(col.get_card(cid).did),
        )
        for cid in col.find_cards("")
    )
    return {"notes": notes, "notetypes": notetypes, "cards": cards}


def _imported(tmp_path: Path, package: Path, name: str) -> dict[str, Any]:
    fresh = _fresh(tmp_path, name)
    try:
        import_package(fresh, package)
        return _seen(fresh)
    finally:
        fresh.close()


def _without_fields_names(seen: dict[str, Any], kind: str) -> dict[str, Any]:
    """``seen`` with the fields of note type ``kind`` by position, not name."""
    notes = {
        guid: (name, list(fields.values()) if name == kind else fields, tags)
        for guid, (name, fields, tags) in seen["notes"].items()
    }
    return {**seen, "notes": notes}


def test_a_whole_collection_converts_to_the_deck_anki_exported(course: Any, tmp_path: Path) -> None:
    """Every note, note type, deck, card, GUID and tag; Anki's stock note types exactly as
    Anki defines them; the user's own with its fields (their names are not in the file)."""
    source = export_text(course, tmp_path / "all.txt")
    report = Report()
    deck2anki.convert(source, tmp_path / "ours.apkg", report=report)
    ours = _imported(tmp_path, tmp_path / "ours.apkg", "ours")
    anki = _seen(course)
    assert len(anki["notes"]) == 11 and sum(anki["cards"].values()) == 16
    vocab = {guid for guid, (kind, _, _) in anki["notes"].items() if kind == "Vocab (mine)"}
    # Every card of every stock note type, in its deck; the user's own note type has one
    # card (its two templates are not in the file).
    assert {c: n for c, n in ours["cards"].items() if c[0] not in vocab} == {
        c: n for c, n in anki["cards"].items() if c[0] not in vocab
    }
    assert sorted(c for c in ours["cards"] if c[0] in vocab) == sorted(
        (guid, 0, "Languages") for guid in vocab
    )
    assert {k: v for k, v in ours["notetypes"].items() if k in STOCK} == {
        k: v for k, v in anki["notetypes"].items() if k in STOCK
    }
    assert (
        _without_fields_names(ours, "Vocab (mine)")["notes"]
        == (_without_fields_names(anki, "Vocab (mine)")["notes"])
    )
    assert ours["notetypes"]["Vocab (mine)"][0] == [f"Field {n}" for n in range(1, 6)]
    lines = source.read_text(encoding="utf-8").splitlines()
    first_vocab = next(n for n, line in enumerate(lines, 1) if "\tVocab (mine)\t" in line)
    assert [(str(d.location), d.message) for d in report.warnings] == [
        (
            f"{source}:{first_vocab}:1",
            "note type 'Vocab (mine)' (2 notes): its card templates and CSS are not in the"
            " file; made with the fields Field 1, Field 2, Field 3, Field 4, Field 5 and one"
            " card showing them",
        ),
        (
            str(source),
            "Anki's text export names note types, not their ids: imported over the collection"
            " it came from, the 11 notes of 7 note types are left there as they are (Anki"
            " reports them conflicting) and the note types are added as copies",
        ),
    ]


@pytest.mark.parametrize("without", OPTIONS)
def test_each_of_ankis_export_options_reads_with_what_it_holds(
    course: Any, tmp_path: Path, without: str
) -> None:
    source = export_text(course, tmp_path / "all.txt", without=without)
    if without == "notetype":
        course.remove_notes(course.find_notes('"Front:A front alone"'))  # see the next test
        source = export_text(course, tmp_path / "all.txt", without=without)
    report = Report()
    deck2anki.convert(source, tmp_path / "ours.apkg", report=report)
    ours = _imported(tmp_path, tmp_path / "ours.apkg", "ours")
    anki = _seen(course)
    assert len(ours["notes"]) == len(anki["notes"])
    if without != "guid":
        assert set(ours["notes"]) == set(anki["notes"])
    if without != "tags":
        assert sorted(tags for _, _, tags in ours["notes"].values()) == sorted(
            tags for _, _, tags in anki["notes"].values()
        )
    else:
        assert all(tags == () for _, _, tags in ours["notes"].values())
    if without not in ("notetype", "guid"):
        # Each note has the cards Anki gave it, and no blank one (found by review: without
        # the deck column, every template of a note type made a card: an empty reverse, an
        # optional reverse not asked for). The user's own note type has one template here.
        vocab = {guid for guid, (kind, _, _) in anki["notes"].items() if kind == "Vocab (mine)"}
        assert Counter(c[:2] for c in ours["cards"].elements() if c[0] not in vocab) == Counter(
            c[:2] for c in anki["cards"].elements() if c[0] not in vocab
        )
    decks = Counter(deck for _, _, deck in ours["cards"].elements())
    if without == "deck":
        assert set(decks) == {"All"}  # the file's name: the export names no deck
    else:
        assert set(decks) == {deck for _, _, deck in anki["cards"].elements()}
    if without == "notetype":
        # Without note types, notes are deck2anki's; what has no place there is said.
        said = [d.message for d in report.warnings]
        assert (
            "the file names no note type: fields past the question, answer and analogy of 4"
            " rows have no place in a deck2anki note and are not kept"
        ) in said
    else:
        assert set(ours["notetypes"]) == set(anki["notetypes"])
        fields = {guid: list(f.values()) for guid, (_, f, _) in ours["notes"].items()}
        if without not in ("html", "guid"):
            assert fields == {guid: list(f.values()) for guid, (_, f, _) in anki["notes"].items()}


def test_an_export_without_note_types_says_what_to_do_about_an_empty_answer(
    course: Any, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from deck2anki.cli import cli

    source = export_text(course, tmp_path / "all.txt", without="notetype")
    line = next(
        n
        for n, text in enumerate(source.read_text(encoding="utf-8").splitlines(), 1)
        if "A front alone" in text
    )
    result = CliRunner().invoke(cli, ["convert", str(source), str(tmp_path / "out.apkg")])
    assert result.exit_code == 1
    assert (
        f"{source}:{line}:1: error: row without a question or an answer [empty-field]\n"
        "  hint: the file names no note type: export from Anki with the note type column"
        " to keep its notes as they are\n"
    ) in result.output
    assert not (tmp_path / "out.apkg").exists()


def test_imported_over_the_original_it_changes_nothing_and_says_why(
    course: Any, tmp_path: Path
) -> None:
    """The text names note types without their ids, so Anki cannot take the converted notes
    for updates of its own (ANKI-FACTS 5): none is added twice, none changed, and convert
    says so; the text itself, imported by Anki, is what updates that collection."""
    from anki.collection import ImportCsvRequest
    from anki.import_export_pb2 import CsvMetadata

    source = export_text(course, tmp_path / "all.txt")
    deck2anki.convert(source, tmp_path / "ours.apkg")
    before, cards = _seen(course), course.card_count()
    log = import_package(course, tmp_path / "ours.apkg")
    assert log_counts(log) == {"new": 0, "updated": 0, "duplicate": 0, "conflicting": 11}
    assert _seen(course) == before and course.card_count() == cards
    metadata = course.get_csv_metadata(str(source), None)
    metadata.dupe_resolution = CsvMetadata.UPDATE
    log = course.import_csv(ImportCsvRequest(path=str(source), metadata=metadata)).log
    assert (len(log.new), len(log.conflicting)) == (0, 0)
    assert course.note_count() == 11


def _rows(text: str) -> set[tuple[str, ...]]:
    import csv

    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("#")]
    return {tuple(row) for row in csv.reader(lines, delimiter="\t")}


def test_a_package_written_as_anki_text_is_what_anki_writes_and_reads_back(
    course: Any, tmp_path: Path
) -> None:
    package = tmp_path / "course.apkg"
    export_package(course, package)
    ours = tmp_path / "ours.txt"
    report = Report()
    deck2anki.convert(package, ours, to_format="anki-text", report=report)
    anki = export_text(course, tmp_path / "anki.txt")
    written, expected = ours.read_text(encoding="utf-8"), anki.read_text(encoding="utf-8")
    assert written.splitlines()[:6] == expected.splitlines()[:6]
    assert _rows(written) == _rows(expected)
    assert "#deck2anki fields:Vocab (mine)\tWord\tMeaning\tExample\tAudio\tNotes\n" in written
    assert [d.message for d in report.warnings] == [
        "Anki's text import cannot carry media files: 2 dropped",
        "note type 'Vocab (mine)': its card templates and CSS have no place in Anki's text"
        " format; its 2 notes are written with its fields only",
    ]
    # Every writer's output reads back: the same notes, note types (by name and fields),
    # decks, GUIDs and tags.
    again, first = deck2anki.read(ours), deck2anki.read(package)

    def notes(deck: Any) -> set[tuple[Any, ...]]:
        return {
            (n.guid, n.notetype.name, n.notetype.field_names, n.fields, n.tags, n.decks[0][1])
            for n in deck.notes
        }

    assert notes(again) == notes(first)


def test_cloze_notes_of_deck2anki_go_through_ankis_text_import_as_updates(
    tmp_path: Path, collection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anki.collection import ImportCsvRequest
    from anki.import_export_pb2 import CsvMetadata

    monkeypatch.chdir(tmp_path)
    source = tmp_path / "bio.md"
    source.write_text(
        "---\ndeck: Bio\n---\n\n## The {{c1::ribosome}} makes {{c2::proteins}}.\n\n"
        "## What holds the genome?\n\nThe nucleus.\n",
        encoding="utf-8",
    )
    deck2anki.convert(source, tmp_path / "bio.apkg")
    import_package(collection, tmp_path / "bio.apkg")
    before = {
        collection.get_note(n).guid: list(collection.get_note(n).fields)
        for n in collection.find_notes("")
    }
    text = tmp_path / "bio.txt"
    deck2anki.convert(tmp_path / "bio.apkg", text, to_format="anki-text")
    assert "\tdeck2anki cloze (v1)\tBio\tThe " in text.read_text(encoding="utf-8")
    metadata = collection.get_csv_metadata(str(text), None)
    metadata.dupe_resolution = CsvMetadata.UPDATE
    log = collection.import_csv(ImportCsvRequest(path=str(text), metadata=metadata)).log
    assert (len(log.new), len(log.conflicting), len(log.duplicate)) == (0, 0, 2)
    after = {
        collection.get_note(n).guid: list(collection.get_note(n).fields)
        for n in collection.find_notes("")
    }
    assert after == before
    again = deck2anki.read(text)
    assert [n.question for n in again.notes] == [
        "The {{c1::ribosome}} makes {{c2::proteins}}.",
        "What holds the genome?",
    ]


# Anki's headers, each as a file Anki's own text import reads: deck2anki must make of it
# the notes Anki makes (note type, fields, deck, tags).
HEADED = {
    "names": "#separator:Comma\n#html:false\n#notetype:Basic\n#deck:Bio\n#tags:a b\n"
    'Genome?,"The <b>nucleus</b> & \'its\' ""DNA"""\n',
    "characters": "#separator:;\n#notetype:Basic (and reversed card)\n#deck:Bio\nATP;Energy\n",
    "columns": "#separator:tab\n#html:true\n#notetype:Basic\n#deck:Bio\n#columns:Back\tFront\n"
    "#if matches:update current\n#match scope:notetype\nNucleus\tGenome?\n",
    "comments": "#separator:pipe\n#\n#a comment\n#notetype:Cloze\n#deck:Bio::Cells\n"
    '{{c1::Ribosome}} makes proteins|\n#not a row\n"#hash" {{c1::x}}|extra\n',
    "old tags": "tags:old new\n#separator:tab\n#notetype:Basic\n#deck:Bio\nQ\tA\n",
    "columns of their own": "#separator:tab\n#html:true\n#notetype column:1\n#deck column:2\n"
    "#tags column:5\nCloze\tBio\t{{c1::Ribosome}}\t\tcell\nBasic\tMaths\t2 + 2?\t4\t\n",
}


@pytest.mark.parametrize("text", HEADED.values(), ids=HEADED.keys())
def test_every_header_anki_reads_gives_the_notes_anki_makes(tmp_path: Path, text: str) -> None:
    from anki.collection import ImportCsvRequest

    source = tmp_path / "deck.txt"
    source.write_text(text, encoding="utf-8")
    anki = _fresh(tmp_path, "anki")
    try:
        metadata = anki.get_csv_metadata(str(source), None)
        anki.import_csv(ImportCsvRequest(path=str(source), metadata=metadata))
        expected = _notes_by_text(anki)
    finally:
        anki.close()
    deck2anki.convert(source, tmp_path / "ours.apkg")
    ours = _fresh(tmp_path, "ours")
    try:
        import_package(ours, tmp_path / "ours.apkg")
        assert _notes_by_text(ours) == expected
    finally:
        ours.close()


def _notes_by_text(col: Any) -> set[tuple[Any, ...]]:
    """Each note's note type (its copy's "+" left off), fields, tags and its cards' decks."""
    return {
        (
            col.get_note(nid).note_type()["name"].removesuffix("+"),
            tuple(col.get_note(nid).items()),
            tuple(sorted(col.get_note(nid).tags)),
            tuple(sorted(col.decks.name(card.did) for card in col.get_note(nid).cards())),
        )
        for nid in col.find_notes("")
    }


@pytest.mark.parametrize("to", ["apkg", "anki-text"])
def test_a_cloze_number_past_500_is_said_not_lost_without_a_word(
    tmp_path: Path, collection: Any, to: str
) -> None:
    source = tmp_path / "big.txt"
    source.write_text(
        "#separator:tab\n#html:true\n#notetype column:1\n#deck column:2\n"
        "Cloze\tBio\t{{c1::Ribosome}} and {{c600::lysosome}}\t\nCloze\tBio\t{{c2::Golgi}}\t\n",
        encoding="utf-8",
    )
    out, report = tmp_path / "out", Report()
    deck2anki.convert(source, out, to_format=to, report=report)
    assert [(d.message, d.hint) for d in report.warnings] == [
        (
            "note type 'Cloze': 1 note holds cloze numbers past 500 (up to c600), which Anki"
            " never asks",
            "number the cloze deletions of a note from c1 to c500",
        )
    ]
    if to == "apkg":
        import_package(collection, out)
        # What the warning says: the card Anki gives c600 asks no cloze at all.
        last = max(collection.find_cards(""), key=lambda c: collection.get_card(c).ord)
        assert collection.get_card(last).ord == 499
        assert "No cloze" in collection.get_card(last).question()


def test_a_row_of_a_million_separators_is_no_note_type_of_a_million_fields(
    tmp_path: Path,
) -> None:
    source, result = _convert(
        tmp_path, "#separator:tab\n#notetype column:1\nMine\t" + "x\t" * 500_000 + "\n"
    )
    assert (result.exit_code, result.output) == (
        1,
        f"{source}:3:1: error: note type 'Mine': 500,001 fields, more than the 1,000 deck2anki"
        " makes a note type of [bad-csv]\n"
        "  hint: check the separator the file names (#separator:) and the quoting of its rows\n"
        "error: 1 problem in 1 file; nothing was written\n",
    )


@pytest.mark.parametrize(
    ("head", "said"),
    [
        ("#separator:tab\n#colour:red\n", "2:1: warning: header '#colour:' is not one Anki"),
        (
            "#separator:double colon\n",
            "1:1: warning: separator 'double colon' is not one Anki knows; guessed from the"
            " rows as Anki does [format-guess]",
        ),
    ],
    ids=["unknown-header", "unknown-separator"],
)
def test_a_header_anki_does_not_know_is_said_not_taken_silently(
    tmp_path: Path, head: str, said: str
) -> None:
    source, result = _convert(tmp_path, f"{head}#notetype:Basic\nGenome?\tNucleus\n")
    assert result.exit_code == 0, result.output
    assert f"{source}:{said}" in result.output
    assert '"Front": "Genome?"' in (tmp_path / "out.json").read_text(encoding="utf-8")


def test_to_a_format_without_note_types_every_loss_names_its_note_type_and_count(
    course: Any, tmp_path: Path
) -> None:
    source = export_text(course, tmp_path / "all.txt")
    report = Report()
    deck2anki.convert(source, tmp_path / "out.csv", report=report)
    assert [d.message for d in report.warnings] == [
        "note type 'Image Occlusion': field 'Header' of 1 note has no place in a deck2anki"
        " note and is not kept",
        "note type 'Vocab (mine)': fields 'Field 3', 'Field 4' and 'Field 5' of 2 notes have no"
        " place in a deck2anki note and are not kept",
        "note type 'Cloze': 2 notes with cloze deletions are read as notes of deck2anki's"
        " cloze note type (Text, Back Extra, Analogy), not of this one",
        "note type 'Image Occlusion': 1 note with cloze deletions is read as a note of"
        " deck2anki's cloze note type (Text, Back Extra, Analogy), not of this one",
        "note type 'Basic (and reversed card)': 1 card of its second and later templates"
        " (a reverse card, say) is not kept",
        "notes of 4 decks are read as one deck: Course::Week 1, Course::Week 1::Topic,"
        " Course::Week 2::Topic, Languages",
    ]


@pytest.mark.parametrize(
    ("header", "said"),
    [
        (
            "#notetype column:9",
            "2:1: error: header '#notetype column:9' names no column of the rows, which have at"
            " most 3; Anki imports no note of this file [bad-csv]",
        ),
        (
            "#notetype column:0",
            "2:1: error: header '#notetype column:0' names no column of the rows, which have at"
            " most 3; Anki imports no note of this file [bad-csv]",
        ),
        (
            "#notetype column:" + "9" * 100_000,
            "2:1: error: header '#notetype column:99999999999999999999' names no column of the"
            " rows, which have at most 3; Anki imports no note of this file [bad-csv]",
        ),
        (
            "#notetype:Basic\n#deck column:4",
            "3:1: warning: header '#deck column:4' names no column of the rows, which have at"
            " most 3; ignored [bad-csv]",
        ),
    ],
    ids=["past-the-rows", "zero", "a-hundred-thousand-digits", "deck"],
)
def test_a_column_header_that_names_no_column_is_said_not_read_as_a_field(
    tmp_path: Path, header: str, said: str
) -> None:
    """Found by review: the row's note type name was read as its question, without a word
    (Anki imports no note of such a file)."""
    source, result = _convert(tmp_path, f"#separator:tab\n{header}\nBasic\tGenome?\tNucleus\n")
    assert f"{source}:{said}\n  hint: number the columns from 1, as Anki does\n" in result.output
    assert result.exit_code == (1 if "error" in said else 0)


def test_a_header_giving_every_note_thousands_of_tags_is_refused(tmp_path: Path) -> None:
    """Found by review: every note holds the head's tags, so a header of a million tags over
    twenty thousand rows took minutes (and would have made a package of gigabytes)."""
    tags = " ".join(f"t{n}" for n in range(1001))
    source, result = _convert(tmp_path, f"#separator:tab\n#notetype:Basic\n#tags:{tags}\nQ\tA\n")
    assert (result.exit_code, result.output) == (
        1,
        f"{source}:3:1: error: the header gives every note 1,001 tags, more than the 1,000"
        " deck2anki takes [bad-csv]\n"
        "  hint: give each note its own tags in a tags column (#tags column:)\n"
        "error: 1 problem in 1 file; nothing was written\n",
    )


def test_notes_of_ankis_default_deck_land_in_it(tmp_path: Path) -> None:
    """Found by review: a collection's first notes are in its "Default" deck; the package
    held that deck and genanki's own "Default" beside it, and Anki put the cards in a copy
    it called "Default_"."""
    source = tmp_path / "all.txt"
    source.write_text(
        "#separator:tab\n#html:true\n#notetype column:1\n#deck column:2\n"
        "Basic\tDefault\tGenome?\tNucleus\nBasic\tBio\tATP?\tEnergy\n",
        encoding="utf-8",
    )
    deck2anki.convert(source, tmp_path / "all.apkg")
    fresh = _fresh(tmp_path, "fresh")
    try:
        import_package(fresh, tmp_path / "all.apkg")
        cards = {fresh.decks.name(fresh.get_card(card).did) for card in fresh.find_cards("")}
        assert cards == {"Default", "Bio"}
        assert sorted(deck.name for deck in fresh.decks.all_names_and_ids()) == ["Bio", "Default"]
    finally:
        fresh.close()


def _convert(tmp_path: Path, text: str) -> tuple[Path, Any]:
    """``deck2anki convert`` of ``text`` as deck.txt to out.json: the file and the result."""
    from click.testing import CliRunner

    from deck2anki.cli import cli

    source = tmp_path / "deck.txt"
    source.write_text(text, encoding="utf-8")
    return source, CliRunner().invoke(cli, ["convert", str(source), str(tmp_path / "out.json")])
