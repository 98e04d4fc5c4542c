"""The .apkg writer: stable ids, same bytes for the same input, text that stays text in Anki."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

import deck2anki
from deck2anki.cards import notetype
from deck2anki.cards.render import render_note
from deck2anki.identity import guids
from deck2anki.identity.guids import deck_id, note_guid
from deck2anki.model import Deck, Note

from conftest import SEED, fold, import_package


def test_same_source_gives_the_same_bytes(project: Path) -> None:
    first = deck2anki.build(timestamp=1_700_000_000).built[0].output.read_bytes()
    second = deck2anki.build(timestamp=1_700_000_000, force=True).built[0].output.read_bytes()
    assert first == second


def test_package_entries_carry_no_build_time(project: Path) -> None:
    (built,) = deck2anki.build().built
    with zipfile.ZipFile(built.output) as archive:
        assert archive.namelist() == ["collection.anki2", "media"]
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.read("media") == b"{}"


def test_build_leaves_no_temporary_file_behind(project: Path) -> None:
    deck2anki.build()
    assert [p.name for p in (project / "build").iterdir()] == ["deep-learning-lecture-06.apkg"]
    assert sorted(p.name for p in project.iterdir()) == ["build", "deck2anki.lock", "sources"]


def test_ids_do_not_depend_on_time_or_machine() -> None:
    # Written down once: a change here would reach every student who imported a deck.
    assert notetype.ID == 2736780786354761
    assert deck_id("Deep Learning Lecture 06") == 3005406338907043
    assert deck_id("Deep Learning Lecture 07") != deck_id("Deep Learning Lecture 06")
    assert (
        note_guid(
            "Deep Learning Lecture 06",
            "Why is data typically divided into batches in deep learning?",
        )
        == "ArGQx$}t5z"
    )


@pytest.mark.parametrize(
    "number", [0, 1, 90, 91, 92, 91**2 - 1, 91**2, 91**2 + 1, 91**3, 91**5 - 1, 2**64 - 1]
)
def test_guids_are_base_91_digit_by_digit(number: int) -> None:
    """GUIDs are written two digits at a time; they must read as one digit at a time."""
    alphabet, digits, rest = guids._GUID_ALPHABET, "", number
    while rest:
        rest, digit = divmod(rest, len(alphabet))
        digits = alphabet[digit] + digits
    assert guids._base91(number) == (digits or alphabet[0])


def test_guid_follows_the_question_not_the_answer() -> None:
    guid = note_guid("Deck", "What is a tensor?")
    assert note_guid("Deck", "What is  a tensor?\n") == guid
    assert note_guid("Other deck", "What is a tensor?") != guid
    assert note_guid("Deck", "What is a scalar?") != guid


def test_editing_an_answer_keeps_every_guid(project: Path) -> None:
    before = deck2anki.read("sources/deep-learning-lecture-06.txt")
    source = project / "sources" / "deep-learning-lecture-06.txt"
    source.write_text(
        source.read_text(encoding="utf-8").replace("memory constraints", "limited memory"),
        encoding="utf-8",
    )
    after = deck2anki.read(source)
    assert before.notes[0].answer != after.notes[0].answer
    assert [n.guid for n in before.notes] == [n.guid for n in after.notes]


def test_source_markup_shows_as_text_on_the_card(tmp_path: Path, collection: Any) -> None:
    deck = deck2anki.read_text(
        "Which token does BERT predict?\n"
        "The one replaced by <mask>. Analogy: a <b>cloze</b> test & its <script>blank</script>.\n",
        deck_name="Markup",
    )
    deck2anki.write(deck, tmp_path / "markup.apkg", timestamp=1_700_000_000)
    import_package(collection, tmp_path / "markup.apkg")
    (card_id,) = collection.find_cards("")
    back = collection.get_card(card_id).answer().rpartition("</style>")[2]
    assert "<mask>" not in back and "<script>" not in back and "<b>" not in back
    text = fold(back)
    assert "The one replaced by <mask>." in text
    assert "a <b>cloze</b> test & its <script>blank</script>." in text


def test_writing_a_deck_made_in_python_derives_its_guids(tmp_path: Path) -> None:
    deck = Deck("D", (Note("What is a tensor?", "An array."),))
    deck2anki.write(deck, tmp_path / "x.apkg", timestamp=0)
    (note,) = deck2anki.read(tmp_path / "x.apkg").notes
    assert note.guid == note_guid("D", "What is a tensor?")


def test_bulk_written_rows_are_the_deck_genanki_itself_would_write(
    tmp_path: Path, project: Path
) -> None:
    """Our two executemany calls against genanki's per-note path, seen through Anki."""
    import genanki
    from anki.collection import Collection

    from deck2anki.writers.apkg import PackageNote, PackageOptions, write_package

    deck = deck2anki.read(SEED)
    notes = []
    for index, note in enumerate(deck.notes):
        rendered = render_note(note)
        # Some notes switch the reverse and the type-in card on: card generation is compared.
        switches = ("y" if index % 3 == 0 else "", "y" if index % 4 == 0 else "")
        fields = (rendered.question, rendered.answer, rendered.analogy, *switches)
        notes.append(PackageNote(note.guid or "", fields, ("tag",), 1_700_000_000))
    ours = tmp_path / "ours.apkg"
    ours.write_bytes(write_package(deck.name, "", notes, PackageOptions(1_700_000_000)))
    model = notetype.genanki_model()
    reference_deck = genanki.Deck(deck_id(deck.name), deck.name)
    for written in notes:
        reference_deck.add_note(
            genanki.Note(model=model, fields=list(written.fields), tags=["tag"], guid=written.guid)
        )
    reference = tmp_path / "genanki.apkg"
    genanki.Package(reference_deck).write_to_file(str(reference), timestamp=1_700_000_000)

    def seen(package: Path, name: str) -> list[tuple[object, ...]]:
        (tmp_path / name).mkdir()
        col = Collection(str(tmp_path / name / "collection.anki2"))
        try:
            import_package(col, package)
            return sorted(
                (
                    n.guid,
                    tuple(n.fields),
                    tuple(n.tags),
                    tuple(sorted(c.ord for c in n.cards())),
                    fold(n.cards()[0].question()),
                    fold(n.cards()[0].answer()),
                )
                for n in (col.get_note(nid) for nid in col.find_notes(""))
            )
        finally:
            col.close()

    assert seen(ours, "a") == seen(reference, "b")
    assert sum(1 for _ in seen(ours, "c")) == 20
