"""Foreign note types (Anki's, a user's) that would make a package Anki refuses, or a huge
one: each is written so that Anki imports it, or refused with its place (issue 16, review).
Anki itself judges the packages written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki.cards import notetype as own_notetype
from deck2anki.cli import cli

from conftest import SEED, export_package, import_package, log_counts

HINT = "  hint: see the JSON schema in deck2anki's README"


def _notetype(**changes: Any) -> dict[str, Any]:
    notetype = {
        "id": 1234,
        "name": "Mine",
        "kind": "standard",
        "fields": [{"name": "Front"}, {"name": "Back"}],
        "templates": [{"name": "Card 1", "front": "{{Front}}", "back": "{{Back}}"}],
        "mod": 1700000000,
    }
    notetype.update(changes)
    return notetype


def _deck(notetypes: list[dict[str, Any]], notes: list[dict[str, Any]]) -> str:
    return json.dumps({"deck2anki": 1, "name": "H", "notetypes": notetypes, "notes": notes})


def _convert(tmp_path: Path, text: str) -> Any:
    source = tmp_path / "in.json"
    source.write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli, ["convert", str(source), str(tmp_path / "out.apkg")])


def _fresh(tmp_path: Path, name: str) -> Any:
    from anki.collection import Collection

    (tmp_path / name).mkdir()
    return Collection(str(tmp_path / name / "collection.anki2"))


def test_our_note_type_changed_in_anki_converts_to_a_package_anki_imports(
    collection: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    built = tmp_path / "lecture.apkg"
    deck2anki.convert(SEED, built)
    import_package(collection, built)
    models = collection.models
    model = models.get(own_notetype.ID)
    models.add_field(model, models.new_field("Source"))
    models.update_dict(model)
    notes = collection.note_count()
    edited = export_package(collection, tmp_path / "edited.apkg")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000100")
    back = tmp_path / "back.apkg"
    result = CliRunner().invoke(cli, ["convert", str(edited), str(back)])
    assert result.exit_code == 0, result.output
    fresh = _fresh(tmp_path, "fresh")
    try:
        log = import_package(fresh, back)
        assert log_counts(log)["new"] == notes
        names = {tuple(fresh.get_note(n).keys()) for n in fresh.find_notes("")}
        assert names == {(*own_notetype.FIELDS, "Source")}
    finally:
        fresh.close()
    # Into the collection it came from: the same notes, nothing in conflict.
    log = import_package(collection, back)
    assert log_counts(log)["conflicting"] == 0
    assert collection.note_count() == notes


def test_notes_of_ours_beside_a_note_type_with_our_id_are_refused(tmp_path: Path) -> None:
    text = _deck(
        [_notetype(id=own_notetype.ID, name="deck2anki (v1)")],
        [
            {"notetype": own_notetype.ID, "fields": {"Front": "a", "Back": "b"}},
            {"question": "Q?", "answer": "A."},
        ],
    )
    result = _convert(tmp_path, text)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == (
        f"{tmp_path / 'in.json'}: error: note type 'deck2anki (v1)' has the id"
        f" {own_notetype.ID} of deck2anki's own, with other fields (changed in Anki), and the"
        " deck also holds notes of deck2anki's own note type: one package cannot hold both"
        " under one id [notetype-clash]"
    )
    assert not (tmp_path / "out.apkg").exists()


def test_a_note_type_of_too_many_templates_is_refused(tmp_path: Path) -> None:
    templates = [{"name": f"T{i}", "front": "{{Front}}", "back": "x"} for i in range(501)]
    text = _deck([_notetype(templates=templates)], [{"notetype": 1234, "fields": {"Front": "a"}}])
    result = _convert(tmp_path, text)
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        f"{tmp_path / 'in.json'}: error: notetypes[0] ('Mine'): 501 card templates, more than"
        " the 500 deck2anki writes [bad-json]",
        HINT,
    ]
    assert not (tmp_path / "out.apkg").exists()


def test_a_deck_of_too_many_cards_is_refused_before_it_is_written(tmp_path: Path) -> None:
    templates = [{"name": f"T{i}", "front": "{{Front}}", "back": "x"} for i in range(500)]
    notes = [{"notetype": 1234, "fields": {"Front": str(i)}} for i in range(4001)]
    result = _convert(tmp_path, _deck([_notetype(templates=templates)], notes))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{tmp_path / 'in.json'}: error: the deck makes 2,000,500 cards, more than the"
        " 2,000,000 deck2anki writes to one package [package-too-large]"
    )
    assert not (tmp_path / "out.apkg").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"fields": [{"name": "Front"}, {"name": ""}]},
            "notetypes[0] ('Mine'): a field has an empty name: Anki refuses it",
        ),
        (
            {"id": 0},
            "notetypes[0] ('Mine'): id 0 is no note type id: it must be a positive whole number",
        ),
        (
            {"fields": [{"name": "Front"}, {"name": "front"}]},
            "notetypes[0] ('Mine'): fields 'Front' and 'front' differ only in case:"
            " Anki renames one",
        ),
        (
            {"fields": [{"name": "Front"}, {"name": "a:b"}]},
            "notetypes[0] ('Mine'): field 'a:b' holds ':': Anki would rename it",
        ),
        (
            {"mod": -1},
            "notetypes[0] ('Mine'): mod -1 must be whole seconds since 1970, up to the year 9999",
        ),
    ],
    ids=["empty-field-name", "id-0", "case", "colon", "mod-negative"],
)
def test_json_note_types_anki_refuses_are_refused_with_their_place(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    text = _deck([_notetype(**change)], [{"notetype": change.get("id", 1234), "fields": {}}])
    result = _convert(tmp_path, text)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[:2] == [
        f"{tmp_path / 'in.json'}: error: {message} [bad-json]",
        HINT,
    ]
    assert not (tmp_path / "out.apkg").exists()


def test_two_json_note_types_of_one_id_are_refused(tmp_path: Path) -> None:
    text = _deck([_notetype(), _notetype(name="Other")], [{"notetype": 1234, "fields": {}}])
    result = _convert(tmp_path, text)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{tmp_path / 'in.json'}: error: notetypes[1] has the id 1234 of an earlier note type"
        " ('Mine'); give each note type its own id [bad-json]"
    )


@pytest.mark.parametrize(
    ("text", "card_decks"),
    [
        ("{{c9999::x}}", []),
        ("{{c1::x}}", [[9999, "H::Z"]]),
    ],
    ids=["c9999", "placed-beyond"],
)
def test_foreign_cloze_cards_are_the_ones_anki_makes(
    collection: Any, tmp_path: Path, text: str, card_decks: list[Any]
) -> None:
    anki_note = collection.new_note(collection.models.by_name("Cloze"))
    anki_note.fields[0] = text
    collection.add_note(anki_note, collection.decks.id("H"))
    anki_ords = sorted(card.ord for card in anki_note.cards())
    cloze = _notetype(
        kind="cloze",
        fields=[{"name": "Text"}, {"name": "Back Extra"}],
        templates=[{"name": "Cloze", "front": "{{cloze:Text}}", "back": "{{cloze:Text}}"}],
    )
    note = {"notetype": 1234, "fields": {"Text": text}, "card_decks": card_decks}
    result = _convert(tmp_path, _deck([cloze], [note]))
    assert result.exit_code == 0, result.output
    fresh = _fresh(tmp_path, "fresh")
    try:
        import_package(fresh, tmp_path / "out.apkg")
        ords = sorted(fresh.get_card(card).ord for card in fresh.find_cards(""))
    finally:
        fresh.close()
    assert ords == anki_ords


def test_a_cloze_number_past_16_bits_makes_no_card_of_ours_either(
    collection: Any, tmp_path: Path
) -> None:
    text = "{{c65536::x}} {{c2::y}}"
    anki_note = collection.new_note(collection.models.by_name("Cloze"))
    anki_note.fields[0] = text
    collection.add_note(anki_note, collection.decks.id("H"))
    anki_ords = sorted(card.ord for card in anki_note.cards())
    result = _convert(tmp_path, _deck([], [{"question": text, "answer": "A.", "format": "html"}]))
    assert result.exit_code == 0, result.output
    fresh = _fresh(tmp_path, "fresh")
    try:
        import_package(fresh, tmp_path / "out.apkg")
        ords = sorted(fresh.get_card(card).ord for card in fresh.find_cards(""))
    finally:
        fresh.close()
    assert ords == anki_ords == [1]
