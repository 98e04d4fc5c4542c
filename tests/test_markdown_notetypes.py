"""A deck made in Anki goes through Markdown and back whole: each note of another note type
(Basic, reversed, Cloze, Image Occlusion, a user's own) is a section of named fields, each
note type a folder of files beside the .md, and the result imports as the original did and
updates the collection it came from (issue 16, points 2 to 4, for Markdown). Anki builds
the source and judges the results."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki.cli import cli
from deck2anki.errors import Report
from test_markdown_editable import _ordinary_package
from test_notetypes_roundtrip import CSS, _imported, _seen, make_course

from conftest import export_package, import_package, log_counts


@pytest.fixture
def course(collection: Any) -> Any:
    """Anki's stock note types (Basic, reversed, Cloze, Image Occlusion) and one of the
    user's own (five fields, two templates, its CSS), in nested decks, with media."""
    return make_course(collection)


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Conversions run a minute after the collection was made, as they would in real life."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) + 60))


def _markdown(course: Any, tmp_path: Path, legacy: bool = False) -> Path:
    """The course exported by Anki, converted to Markdown in the project (here)."""
    os.chdir(tmp_path)
    source = export_package(course, tmp_path / "course.apkg", legacy=legacy)
    said = Report()
    deck2anki.convert(source, tmp_path / "course.md", report=said)
    # Markdown holds every note type now: nothing is said to be lost but the reviews.
    assert [d.message for d in said.warnings] == []
    return tmp_path / "course.md"


def _shown(text: str) -> str:
    """The Markdown with each note's content hash left out (a hash is no reading matter)."""
    return re.sub(r"(<!-- mod: \d+) [0-9a-f]{16} -->", r"\1 … -->", text)


def _note(col: Any, search: str) -> Any:
    return col.get_note(col.find_notes(search)[0])


def test_each_note_of_another_note_type_is_a_section_of_named_fields(
    course: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = _shown(_markdown(course, tmp_path).read_text(encoding="utf-8"))
    hola, cloze = _note(course, "Word:hola"), _note(course, '"note:Cloze" ribosome')
    assert (
        f"""
## hola
<!-- notetype: Vocab (mine) -->
<!-- id: {hola.guid} -->
<!-- tags: week::1 -->
<!-- deck: Languages -->
<!-- mod: {hola.mod} … -->

### Meaning

hello

### Example

¡Hola!

### Audio

[sound:hola.mp3]

### Notes

Spanish
"""
        in text
    )
    assert (
        f"""
## The {{{{c1::ribosome}}}} makes {{{{c2::proteins}}}}.
<!-- notetype: Cloze -->
<!-- id: {cloze.guid} -->
<!-- tags: week::1 -->
<!-- deck: Course::Week 1 -->
<!-- mod: {cloze.mod} … -->

### Back Extra

Extra
"""
        in text
    )
    # Anki's editor's HTML stays HTML, in its section, said so.
    genome = _note(course, "Front:Genome?")
    assert (
        f"""
## Genome?
<!-- notetype: Basic -->
<!-- id: {genome.guid} -->
<!-- tags: week::1 -->
<!-- format: html -->
<!-- mod: {genome.mod} … -->

### Back

Nucleus <img src="cell.png">
"""
        in text
    )
    assert "```anki-note" not in text
    # The decks, their descriptions as Anki holds them, in the front matter.
    assert text.startswith(
        """---
deck: "Course::Week 1::Topic"
description: "Cells & energy"
tags: [course]
decks:
  - ["Course", "The <b>whole</b> course"]
  - ["Course::Week 1", "First week"]
  - ["Course::Week 1::Topic", "Cells &amp; energy"]
  - ["Course::Week 2", ""]
  - ["Course::Week 2::Topic", ""]
  - ["Languages", "Words"]
---
"""
    )


def test_each_note_type_is_a_folder_of_files_to_edit(
    course: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _markdown(course, tmp_path)
    folder = tmp_path / "course.notetypes"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == [
        "Basic (and reversed card)/Card 1.back.html",
        "Basic (and reversed card)/Card 1.front.html",
        "Basic (and reversed card)/Card 2.back.html",
        "Basic (and reversed card)/Card 2.front.html",
        "Basic (and reversed card)/notetype.json",
        "Basic (and reversed card)/style.css",
        "Basic/Card 1.back.html",
        "Basic/Card 1.front.html",
        "Basic/notetype.json",
        "Basic/style.css",
        "Cloze/Cloze.back.html",
        "Cloze/Cloze.front.html",
        "Cloze/notetype.json",
        "Cloze/style.css",
        "Image Occlusion/Image Occlusion.back.html",
        "Image Occlusion/Image Occlusion.front.html",
        "Image Occlusion/notetype.json",
        "Image Occlusion/style.css",
        "Vocab (mine)/Recall.back.html",
        "Vocab (mine)/Recall.front.html",
        "Vocab (mine)/Recognise.back.html",
        "Vocab (mine)/Recognise.front.html",
        "Vocab (mine)/notetype.json",
        "Vocab (mine)/style.css",
    ]
    vocab = folder / "Vocab (mine)"
    mine = course.models.by_name("Vocab (mine)")
    assert (vocab / "style.css").read_text(encoding="utf-8") == CSS
    assert (vocab / "Recall.front.html").read_text(encoding="utf-8") == "{{Meaning}}"
    manifest = (vocab / "notetype.json").read_text(encoding="utf-8")
    fields = [f'    {{"name": "{f["name"]}", "id": {f["id"]}}}' for f in mine["flds"]]
    recognise, recall = mine["tmpls"]
    assert manifest.splitlines()[:18] == [
        "{",
        '  "name": "Vocab (mine)",',
        f'  "id": {mine["id"]},',
        '  "kind": "standard",',
        '  "sort_field": 0,',
        f'  "mod": {mine["mod"]},',
        '  "stock_kind": 1,',
        '  "fields": [',
        *(line + "," for line in fields[:-1]),
        fields[-1],
        "  ],",
        '  "templates": [',
        f'    {{"name": "Recognise", "id": {recognise["id"]}, "front": "Recognise.front.html",'
        ' "back": "Recognise.back.html"},',
        f'    {{"name": "Recall", "id": {recall["id"]}, "front": "Recall.front.html",'
        ' "back": "Recall.back.html"}',
        "  ],",
    ]
    assert json.loads(manifest)["css"] == "style.css"
    occlusion = json.loads((folder / "Image Occlusion" / "notetype.json").read_text("utf-8"))
    assert occlusion["kind"] == "image-occlusion"


@pytest.mark.parametrize("legacy", [True, False], ids=["legacy-anki21", "current-anki21b"])
def test_markdown_and_back_gives_the_same_deck_in_a_fresh_collection(
    course: Any, tmp_path: Path, legacy: bool, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    markdown = _markdown(course, tmp_path, legacy)
    back = tmp_path / "back.apkg"
    deck2anki.convert(markdown, back)
    source = tmp_path / "course.apkg"
    seen, expected = _imported(tmp_path, back, "ours"), _imported(tmp_path, source, "anki's")
    assert set(seen["media"]) == {"cell.png", "hola.mp3", "parts.png"}  # the sound too
    assert seen["cards per deck"] == {
        "Course::Week 1::Topic": 4,
        "Course::Week 2::Topic": 3,
        "Course::Week 1": 2,
        "Languages": 2,
    }
    assert seen == expected


def test_markdown_and_back_updates_the_collection_it_came_from_one_edit_at_a_time(
    course: Any, tmp_path: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    markdown = _markdown(course, tmp_path)
    back = tmp_path / "back.apkg"
    deck2anki.convert(markdown, back)
    before = _seen(course)
    cards, models = course.card_count(), len(course.models.all_names_and_ids())
    reviews = course.db.scalar("SELECT count() FROM revlog")
    log = import_package(course, back)
    assert log_counts(log) == {"new": 0, "updated": 0, "duplicate": 8, "conflicting": 0}
    assert len(course.models.all_names_and_ids()) == models
    assert course.card_count() == cards
    assert course.db.scalar("SELECT count() FROM revlog") == reviews
    assert _seen(course) == before

    text = markdown.read_text(encoding="utf-8")
    markdown.write_text(text.replace("\nhello\n", "\nhello (informal)\n", 1), "utf-8")
    deck2anki.convert(markdown, back)
    log = import_package(course, back)
    assert log_counts(log) == {"new": 0, "updated": 1, "duplicate": 7, "conflicting": 0}
    assert len(course.models.all_names_and_ids()) == models
    assert course.card_count() == cards
    hola = _note(course, "Word:hola")
    assert (hola["Meaning"], hola["Example"]) == ("hello (informal)", "¡Hola!")


def test_a_template_edited_in_its_file_reaches_the_collection(
    course: Any, tmp_path: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    markdown = _markdown(course, tmp_path)
    recall = tmp_path / "course.notetypes" / "Vocab (mine)" / "Recall.front.html"
    recall.write_text("<i>{{Meaning}}</i>", encoding="utf-8")
    (tmp_path / "course.notetypes" / "Vocab (mine)" / "style.css").write_text(
        CSS + "\n.card { background: ivory; }", encoding="utf-8"
    )
    back = tmp_path / "back.apkg"
    deck2anki.convert(markdown, back)
    models = len(course.models.all_names_and_ids())
    log = import_package(course, back)
    assert log_counts(log)["conflicting"] == 0
    assert len(course.models.all_names_and_ids()) == models  # no copy: the same note type
    # What the student sees: the Recall card is drawn with the new template and CSS.
    (recall_card,) = [c for c in _note(course, "Word:hola").cards() if c.ord == 1]
    shown = recall_card.question(reload=True)
    assert "<i>hello</i>" in shown
    assert ".card { background: ivory; }" in shown


def test_an_ordinary_anki_deck_is_editable_sections_of_its_own_note_type(
    tmp_path: Path, collection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    package, _ = _ordinary_package(tmp_path)
    markdown = tmp_path / "deck.md"
    deck2anki.convert(package, markdown)
    text = markdown.read_text(encoding="utf-8")
    assert text.count("\n<!-- notetype: Basic -->\n") == 200
    blocks = text.count("```anki-note")
    assert blocks <= 0.05 * 200, f"{blocks} of 200 notes are anki-note blocks"
    assert "\n## What is fact number 1?\n" in text
    assert "\n### Back\n\nIt is the answer to fact 1, in plain words.\n" in text
    assert "\n### Back\n\n<ul><li>prophase</li><li>metaphase</li></ul>\n" in text
    # Read back, every field is the HTML Anki held, to the byte.
    fields = {n.guid: n.fields for n in deck2anki.read(package).notes}
    assert {n.guid: n.fields for n in deck2anki.read(markdown).notes} == fields
    again = tmp_path / "again.apkg"
    deck2anki.convert(markdown, again)
    log = import_package(collection, again)
    assert len(log.new) == 200
    # Anki's Basic, as the package has it (a fresh collection's own Basic makes it "Basic+").
    assert {collection.get_note(n).note_type()["name"] for n in collection.find_notes("")} == {
        "Basic+"
    }
    assert collection.media.check().missing == []


def _bad_input(tmp_path: Path) -> tuple[Path, Path]:
    """A deck of one Basic note, as Markdown with its note type's folder."""
    (tmp_path / "made").mkdir()
    from anki.collection import Collection

    col: Any = Collection(str(tmp_path / "made" / "collection.anki2"))
    try:
        note = col.new_note(col.models.by_name("Basic"))
        note.fields[:] = ["Genome?", "Nucleus"]
        col.add_note(note, col.decks.id("Bio"))
        source = export_package(col, tmp_path / "bio.apkg")
    finally:
        col.close()
    deck2anki.convert(source, tmp_path / "bio.md")
    return tmp_path / "bio.md", tmp_path / "bio.notetypes" / "Basic"


def _copy_folder(folder: Path, to: Path) -> None:
    to.mkdir()
    for item in folder.iterdir():
        (to / item.name).write_bytes(item.read_bytes())


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _link_out(path: Path) -> None:
    outside = Path.cwd().parent / "outside.html"  # beside the project, not in it
    outside.write_text("{{Front}}", encoding="utf-8")
    path.unlink()
    path.symlink_to(outside)


@pytest.mark.parametrize(
    ("change", "lines"),
    [
        (
            lambda md, nt: (nt / "Card 1.back.html").unlink(),
            [
                "bio.notetypes/Basic/notetype.json:13: error: template 1 names the file"
                " 'Card 1.back.html', which is not in bio.notetypes/Basic [bad-notetype]",
                "  hint: write that file there, or name the file that holds it",
            ],
        ),
        (
            lambda md, nt: md.write_text(
                md.read_text("utf-8").replace("### Back", "### Answer"), "utf-8"
            ),
            [
                "bio.md:10:1: error: field 'Answer' of note type 'Basic' is no field of it"
                " [unknown-field]",
                "  hint: its fields are Front, Back: the heading holds 'Front', a '### NAME'"
                " section each other one",
            ],
        ),
        (
            lambda md, nt: md.write_text(
                md.read_text("utf-8").replace("notetype: Basic", "notetype: Basik"), "utf-8"
            ),
            [
                "bio.md:5:1: error: no note type 'Basik' in bio.notetypes [unknown-notetype]",
                "  hint: name one of its folders (Basic), or write Basik/notetype.json there"
                " (convert writes one for each note type)",
            ],
        ),
        (
            lambda md, nt: (nt / "notetype.json").write_text(
                (nt / "notetype.json").read_text("utf-8").replace(",", "", 1),
                "utf-8",
            ),
            [
                "bio.notetypes/Basic/notetype.json:3:3: error: not valid JSON: Expecting ','"
                " delimiter [bad-notetype]",
                "  hint: fix the syntax at this place",
            ],
        ),
        (
            lambda md, nt: (nt / "notetype.json").write_text(
                (nt / "notetype.json")
                .read_text("utf-8")
                .replace('"kind": "standard"', '"kind": "odd"'),
                "utf-8",
            ),
            [
                "bio.notetypes/Basic/notetype.json:4: error: notetype.json.kind must be one"
                " of: standard, cloze, image-occlusion [bad-notetype]",
                "  hint: fix notetype.json (convert writes it: compare with a fresh conversion)",
            ],
        ),
        (
            lambda md, nt: _fifo(nt / "style.css"),
            [
                "bio.notetypes/Basic/style.css: error: is not a regular file (a FIFO, a device"
                " or a socket) [bad-notetype]",
                "  hint: give a template, CSS or notetype.json file (not a FIFO or a device)"
                " of a sensible size",
            ],
        ),
        (
            lambda md, nt: _link_out(nt / "Card 1.front.html"),
            [
                "bio.notetypes/Basic/Card 1.front.html: error: a link out of the project"
                " ({root}) [bad-notetype]",
                "  hint: copy the file into the note type's folder instead",
            ],
        ),
        (
            lambda md, nt: (nt / "style.css").write_bytes(b"." * (5 << 20)),
            [
                "bio.notetypes/Basic/style.css: error: is larger than the 4,194,304 bytes"
                " deck2anki reads [bad-notetype]",
                "  hint: give a template, CSS or notetype.json file (not a FIFO or a device)"
                " of a sensible size",
            ],
        ),
        (
            lambda md, nt: md.write_text(
                md.read_text("utf-8").replace("<!-- mod:", "<!-- cards: 0 -->\n<!-- mod:"),
                "utf-8",
            ),
            [
                "bio.md:5:1: error: the note's cards '0' are not card numbers [bad-note-block]",
                "  hint: list the numbers of its cards' templates, from 1: <!-- cards: 1 2 -->",
            ],
        ),
        (
            lambda md, nt: md.write_text(
                md.read_text("utf-8") + "\n### Back\n\nagain\n",
                "utf-8",
            ),
            [
                "bio.md:14:1: error: field 'Back' of note type 'Basic' is given twice"
                " [unknown-field]",
                "  hint: its fields are Front, Back: the heading holds 'Front', a '### NAME'"
                " section each other one",
            ],
        ),
        (
            lambda md, nt: _copy_folder(nt, nt.parent / "Basic copy"),
            [
                "bio.notetypes/Basic copy/notetype.json:3: error: note type id {id} is also"
                " the id of the note type in bio.notetypes/Basic: Anki takes two note types of"
                " one id for one [bad-notetype]",
                "  hint: give each note type its own id (a new note type needs a new id)",
            ],
        ),
    ],
    ids=[
        "missing-template",
        "unknown-field",
        "unknown-notetype",
        "manifest-not-json",
        "manifest-lies-kind",
        "fifo",
        "link-out",
        "huge-css",
        "bad-cards",
        "twice",
        "same-id",
    ],
)
def test_bad_note_type_files_are_refused_where_they_are_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Any, lines: list[str]
) -> None:
    project = tmp_path / "a" / "b"
    project.mkdir(parents=True)
    monkeypatch.chdir(project)
    markdown, notetype = _bad_input(project)
    monkeypatch.chdir(project)  # relative names, as a user types them
    found = json.loads((notetype / "notetype.json").read_text("utf-8"))["id"]
    change(Path("bio.md"), Path("bio.notetypes") / "Basic")
    result = CliRunner().invoke(cli, ["convert", "bio.md", "out.apkg"])
    assert result.exit_code == 1, result.output
    root = str(project.resolve())
    expected = [line.format(root=root, id=found) for line in lines]
    assert result.output.splitlines()[:2] == expected
    assert not (project / "out.apkg").exists()
    assert markdown.exists() and notetype.exists()


def test_a_project_build_says_what_it_makes_of_other_note_types(
    course: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``deck2anki build`` makes notes of the project's note type only: a source's notes of
    other note types are said to lose their other fields, and their folder is no source."""
    monkeypatch.chdir(tmp_path)
    _markdown(course, tmp_path)
    (tmp_path / "sources").mkdir()
    for item in [*tmp_path.glob("*.png"), *tmp_path.glob("*.mp3"), tmp_path / "course.md"]:
        item.rename(tmp_path / "sources" / item.name)
    (tmp_path / "course.notetypes").rename(tmp_path / "sources" / "course.notetypes")
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "sources/course.md: warning: 8 notes of other note types (Basic, Basic (and reversed"
        " card), Cloze, Image Occlusion, Vocab (mine)) are built as notes of the project's note"
        " type: their other fields and cards are not kept [lossy-conversion]",
        "  hint: convert the file instead to keep them: deck2anki convert sources/course.md"
        " course.apkg",
    ]
    assert "skipped" not in result.output


LONG = "9" * 5000
"""A number of more digits than Python reads (4,300): no time, no card number."""


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        (f"<!-- cards: {LONG} -->", f"the note's cards {LONG!r} are not card numbers"),
        (f"<!-- mod: {LONG} 0 -->", f"the note's mod {LONG!r} is not a time deck2anki reads"),
    ],
    ids=["cards", "mod"],
)
def test_a_number_of_thousands_of_digits_is_refused_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, comment: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    markdown, _ = _bad_input(tmp_path)
    text = re.sub(r"<!-- mod: .* -->", comment, markdown.read_text("utf-8"))
    markdown.write_text(text, "utf-8")
    result = CliRunner().invoke(cli, ["convert", "bio.md", "out.apkg"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"bio.md:5:1: error: {message} [bad-note-block]")


def test_a_deck2anki_note_with_a_mod_of_thousands_of_digits_is_refused_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("own.md").write_text(f"## q\n<!-- mod: {LONG} 0 -->\n\nanswer\n", "utf-8")
    result = CliRunner().invoke(cli, ["convert", "own.md", "out.apkg"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(
        f"own.md:1:1: error: the note's mod {LONG!r} is not a time deck2anki reads"
    )


def test_a_card_deck_numbered_with_thousands_of_digits_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    markdown, _ = _bad_input(tmp_path)
    text = markdown.read_text("utf-8")
    comment = f"<!-- deck: Bio -->\n<!-- deck {LONG}: Elsewhere -->"
    markdown.write_text(
        text.replace("<!-- notetype: Basic -->", f"<!-- notetype: Basic -->\n{comment}"), "utf-8"
    )
    (note,) = deck2anki.read(markdown).notes
    assert note.decks == ((0, "Bio"),)
