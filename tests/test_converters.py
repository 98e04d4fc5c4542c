"""Every reader on a readable fixture: what each format means, written down by hand."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki.cli import cli
from deck2anki.errors import Report
from deck2anki.model import Markup

from conftest import FIXTURES, SEED, fold, import_package

MARKDOWN = FIXTURES / "markdown"
DELIMITED = FIXTURES / "delimited"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, list(args), prog_name="deck2anki", catch_exceptions=False, input=stdin
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def biology(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The Markdown fixture and its image, copied into a project folder."""
    shutil.copytree(MARKDOWN, tmp_path / "cards")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "cards" / "biology.md"


def test_markdown_front_matter_names_and_tags_the_deck(biology: Path) -> None:
    deck = deck2anki.read(biology)
    assert (deck.name, deck.description) == ("Biology::Cells", "Week 3 of BIO 101")
    assert [note.tags for note in deck.notes] == [
        ("biology", "week3", "exam"),
        ("biology", "week3"),
        ("biology", "week3"),
    ]


def test_markdown_cards_are_level_two_headings_with_analogy_paragraphs(biology: Path) -> None:
    first, second, third = deck2anki.read(biology).notes
    assert first.question == "What does ATP synthase do?"
    assert first.guid == "atp-synthase"
    assert first.markup is Markup.MARKDOWN
    assert first.answer == (
        "It makes **ATP** from ADP as protons flow through it, so \\(\\Delta G < 0\\) for the"
        " flow.\n\n![A cell](img/cell.png)"
    )
    assert first.analogy == "a water wheel turned by a stream."
    assert second.question == "Which organelle holds the genome?"
    assert "## not a new card\nAnalogy: not an analogy, and $x$ is not math here" in second.answer
    assert second.analogy == ""
    assert third.answer == "\\[E = h\\nu\\] where \\(h\\) is Planck's constant."
    assert third.analogy == "a coin whose value is its colour."


def test_markdown_images_are_packed_as_media_and_shown(
    biology: Path, tmp_path: Path, collection: Any
) -> None:
    deck2anki.convert(biology, tmp_path / "bio.apkg")
    log = import_package(collection, tmp_path / "bio.apkg")
    assert len(log.new) == 3
    assert collection.media.have("cell.png")
    media_dir = Path(collection.media.dir())
    assert (media_dir / "cell.png").read_bytes() == (MARKDOWN / "img" / "cell.png").read_bytes()
    note = collection.get_note(collection.find_notes("ATP")[0])
    assert '<img src="cell.png" alt="A cell" />' in note["Answer"]
    assert "<strong>ATP</strong>" in note["Answer"]
    assert "\\(\\Delta G &lt; 0\\)" in note["Answer"]
    table_note = collection.get_note(collection.find_notes("genome")[0])
    assert "<table>" in table_note["Answer"] and "<code" in table_note["Answer"]


def test_reference_links_and_images_work_wherever_their_definitions_are(
    biology: Path, tmp_path: Path, collection: Any
) -> None:
    """Definitions at the end of the file (where Markdown writers put them) serve every card:
    each card is rendered on its own, so the ones it uses go along with it, written anew
    (not with the quote or list around them). Brackets in code are no references, and a
    note kept verbatim (an anki-note block) stays as it is."""
    source = biology.parent / "references.md"
    image, link, own, verbatim, holder = deck2anki.read(source).notes
    assert image.answer == (
        "Like this: ![A cell][cell]. The [cell theory] says more.\n\n"
        '[cell]: <img/cell.png> "A cell"\n'
        "[cell theory]: <https://en.wikipedia.org/wiki/Cell_theory>"
    )
    assert image.analogy == (
        "a room in a house; see [the theory][CELL  theory].\n\n"
        "[CELL  theory]: <https://en.wikipedia.org/wiki/Cell_theory>"
    )
    assert link.answer == (
        "The nucleus ([more][nucleus]), counted from zero as in [indexing].\n\n"
        "[nucleus]: <https://en.wikipedia.org/wiki/Cell_nucleus>\n"
        "[indexing]: <https://en.wikipedia.org/wiki/Zero-based_numbering>"
        ' "Counting \\"from\\" zero"'
    )
    assert own.answer.startswith("With `arr[i]`, counting from zero: see [indexing].\n\n> [")
    assert own.answer.endswith("> [i]: https://example.com/never-used")  # nothing appended
    assert verbatim.answer == "<b>list[i]</b>, as in [nucleus]"
    assert holder.answer.startswith("ATP synthase, in the inner membrane.\n\n[cell]:")

    deck2anki.convert(source, tmp_path / "refs.apkg")
    import_package(collection, tmp_path / "refs.apkg")
    assert collection.media.have("cell.png")

    def shown(question: str, field: str = "Answer") -> str:
        (found,) = collection.find_notes(f'"Question:{question}"')
        return str(collection.get_note(found)[field])

    wiki = "https://en.wikipedia.org/wiki/"
    assert shown(image.question) == (
        'Like this: <img src="cell.png" alt="A cell" title="A cell" />. The <a'
        f' href="{wiki}Cell_theory">cell theory</a> says more.'
    )
    assert shown(image.question, "Analogy") == (
        f'a room in a house; see <a href="{wiki}Cell_theory">the theory</a>.'
    )
    assert shown(link.question) == (
        f'The nucleus (<a href="{wiki}Cell_nucleus">more</a>), counted from zero as in <a'
        f' href="{wiki}Zero-based_numbering" title="Counting &quot;from&quot; zero">indexing</a>.'
    )
    assert "<code>arr[i]</code>" in shown(own.question)
    assert shown(verbatim.question) == "<b>list[i]</b>, as in [nucleus]"
    assert shown(holder.question) == "ATP synthase, in the inner membrane."


def test_a_missing_image_is_an_error_naming_its_line(biology: Path) -> None:
    (biology.parent / "img" / "cell.png").unlink()
    code, _, err = run("convert", str(biology), "out.apkg")
    assert code == 1
    assert err.splitlines()[0] == (
        f"{biology}:15:1: error: image not found: 'img/cell.png' [missing-media]"
    )
    assert not Path("out.apkg").exists()


def test_an_image_outside_the_project_is_refused(biology: Path) -> None:
    text = biology.read_text(encoding="utf-8").replace("img/cell.png", "../../../etc/passwd")
    biology.write_text(text, encoding="utf-8")
    code, _, err = run("convert", str(biology), "out.apkg")
    assert code == 1
    assert "error: image '../../../etc/passwd' points outside the project" in err


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Just text, no heading.\n", "1:1: error: no cards found [no-cards]"),
        ("## \n\nAn answer.\n", "1:1: error: card without a question [empty-question]"),
        ("## A question?\n\n## Another?\n\nYes.\n", "1:1: error: card without an answer"),
        ("---\ndeck: X\nno front matter end\n", "1:1: error: front matter is not closed"),
    ],
    ids=["no-cards", "empty-question", "empty-answer", "unclosed-front-matter"],
)
def test_markdown_problems_point_at_their_line(text: str, problem: str) -> None:
    with pytest.raises(deck2anki.SourceError) as failure:
        deck2anki.read_text(text, fmt="markdown", name="x.md")
    assert str(failure.value).splitlines()[0].startswith(f"x.md:{problem}")


def test_csv_header_maps_columns_by_name_in_any_case() -> None:
    report = Report()
    deck = deck2anki.read(DELIMITED / "headed.csv", report=report)
    assert [(n.question, n.answer, n.analogy, n.tags) for n in deck.notes] == [
        ("What is 2 + 2?", "Four, as everyone knows.", "", ("math", "easy")),
        (
            "A question with\ntwo lines?",
            'An answer with "quotes" and\na second line.',
            "two apples and two more.",
            ("math",),
        ),
    ]
    assert all(note.markup is Markup.TEXT for note in deck.notes)
    (warning,) = report.diagnostics
    assert str(warning).splitlines()[0].endswith("warning: columns ignored: Notes [unknown-column]")


def test_tsv_without_header_takes_question_then_answer() -> None:
    deck = deck2anki.read(DELIMITED / "plain.tsv")
    assert [(n.question, n.answer) for n in deck.notes] == [
        ("What is a tensor?", "A multi-dimensional array."),
        ("What is a scalar?", "A single number."),
    ]


def test_quizlet_export_with_custom_separators_is_split_like_lecture_text() -> None:
    code, out, err = run(
        "convert",
        str(DELIMITED / "quizlet-comma-semicolon.txt"),
        "-",
        "--to",
        "json",
        "--field-sep",
        "comma",
        "--card-sep",
        "semicolon",
    )
    assert code == 0, err
    import json

    notes = json.loads(out)["notes"]
    assert [(n["question"], n["answer"], n["analogy"]) for n in notes] == [
        ("cat", "Katze", ""),
        ("dog", "Hund", "a loyal friend"),
        ("bird", "Vogel", ""),
    ]


def test_standard_input_is_sniffed_and_the_guess_is_said(tmp_path: Path) -> None:
    text = (
        (MARKDOWN / "biology.md").read_text(encoding="utf-8").replace("![A cell](img/cell.png)", "")
    )
    code, out, err = run("convert", "-", str(tmp_path / "x.json"), stdin=text)
    assert code == 0, err
    assert "-: warning: read as markdown, guessed from the content [format-guess]" in err
    assert out == "wrote " + str(tmp_path / "x.json") + " (3 notes, deck 'Biology::Cells')\n"


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        ("Front,Back\nWhat is ATP?,The cell's energy currency.\n", "csv"),
        ('"Term","Definition","Tags"\n"ATP","energy, in a cell",bio\n', "csv"),
        ("Question\tAnswer\nWhat is ATP?\tEnergy.\n", "tsv"),
        ("What is ATP, in short?\nThe cell's energy currency, made in mitochondria.\n", "lecture"),
        ("Question, answer, and feedback: what are they?\nThree parts of a quiz.\n", "lecture"),
    ],
)
def test_standard_input_in_a_delimited_format_is_told_by_its_header(
    tmp_path: Path, text: str, guess: str
) -> None:
    code, _, err = run("convert", "-", str(tmp_path / "x.json"), stdin=text)
    assert code == 0, err
    assert f"-: warning: read as {guess}, guessed from the content [format-guess]" in err
    note = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))["notes"][0]
    assert note["question"] in (
        "What is ATP?",
        "ATP",
        "What is ATP, in short?",
        "Question, answer, and feedback: what are they?",
    )


def test_writing_to_standard_output_needs_a_format() -> None:
    code, _, err = run("convert", str(SEED), "-")
    assert (code, err) == (2, "error: writing to standard output needs --to FORMAT\n")


def test_losses_are_said_once_per_kind(tmp_path: Path, biology: Path) -> None:
    code, _, err = run("convert", str(biology), str(tmp_path / "bio.txt"), "--to", "lecture")
    assert code == 0
    lines = [line for line in err.splitlines() if "[lossy-conversion]" in line]
    assert lines == [
        f"{tmp_path / 'bio.txt'}: warning: lecture text cannot hold formatting (shown as plain"
        " text): 2 dropped [lossy-conversion]",
        f"{tmp_path / 'bio.txt'}: warning: lecture text cannot hold tags: 3 dropped"
        " [lossy-conversion]",
        f"{tmp_path / 'bio.txt'}: warning: lecture text cannot hold pinned ids: 1 dropped"
        " [lossy-conversion]",
        f"{tmp_path / 'bio.txt'}: warning: lecture text cannot hold line breaks: 1 dropped"
        " [lossy-conversion]",
        f"{tmp_path / 'bio.txt'}: warning: lecture text cannot hold media files: 1 dropped"
        " [lossy-conversion]",
    ]


def test_lecture_text_round_trips_through_its_own_writer(tmp_path: Path) -> None:
    deck = deck2anki.read(SEED)
    deck2anki.write(deck, tmp_path / "again.txt")
    again = deck2anki.read(tmp_path / "again.txt", deck_name=deck.name)
    assert again.notes == deck.notes
    assert again.description == deck.description


def test_formats_lists_what_reads_and_writes() -> None:
    code, out, _ = run("formats")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()}
    assert " read/write " in rows["markdown"] and " read " in rows["quizlet"]
    assert " write " in rows["anki-text"] or " read/write " in rows["anki-text"]
    assert fold("<b>x</b>") == "x"
