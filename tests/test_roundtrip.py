"""Round trips: every writer's output read back gives the same notes, for generated decks.

"The same" means what a student sees: each field rendered to HTML, plus the tags and GUIDs
the format can hold. Generated decks carry unicode, HTML's special characters, Markdown's
punctuation, empty analogies and multi-line answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import deck2anki
from deck2anki.cards.render import render_note
from deck2anki.identity.guids import normalize_question
from deck2anki.model import Deck, Markup, Note

ALPHABET = st.sampled_from(list("abcxyzABCXYZ0123 äßλ中é<>&\"'*_#[]()!|~`-.,:;$\\/="))
LECTURE_ALPHABET = st.sampled_from(list("abcxyzABCXYZ0123 äßλ中é<>&\"'*_#[]()!~`-.,:;$\\="))


def line(alphabet: st.SearchStrategy[str] = ALPHABET) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=1, max_size=30).map(str.strip).filter(bool)


def paragraphs() -> st.SearchStrategy[str]:
    lines = st.lists(line(), min_size=1, max_size=2).map("\n".join)
    return st.lists(lines, min_size=1, max_size=2).map("\n\n".join)


tags = st.lists(st.from_regex(r"[a-z0-9_:]{1,8}", fullmatch=True), max_size=3, unique=True)


@st.composite
def notes(draw: st.DrawFn, lecture: bool = False) -> Note:
    if lecture:
        # Lecture text holds one line per field, a question that does not read like an
        # answer's sentence, and an answer that does not ask.
        question = draw(line(LECTURE_ALPHABET).filter(lambda q: q[0].isalpha()))
        question = question.rstrip(".!") or "q"
        answer = draw(line(LECTURE_ALPHABET)).rstrip("?") or "a"
        analogy = draw(st.one_of(st.just(""), line(LECTURE_ALPHABET)))
        return Note(question, answer, analogy, markup=Markup.TEXT)
    markup = draw(st.sampled_from([Markup.TEXT, Markup.MARKDOWN]))
    return Note(
        draw(line()),
        draw(paragraphs()),
        draw(st.one_of(st.just(""), paragraphs())),
        tuple(draw(tags)),
        draw(st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9]{6,10}", fullmatch=True))),
        markup,
        cards=frozenset(draw(st.sets(st.sampled_from(["Reverse", "Type-in"])))),
    )


@st.composite
def decks(draw: st.DrawFn, lecture: bool = False) -> Deck:
    name = draw(st.from_regex(r"[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8})?", fullmatch=True))
    body = draw(st.lists(notes(lecture), min_size=1, max_size=4))
    # One question per deck (Anki takes two alike for one note), as written and as shown:
    # `]` as text and `\\]` as Markdown are one question once rendered; no stray analogy labels.
    for shown_as in (lambda n: n.question, lambda n: render_note(n).question):
        questions = [normalize_question(shown_as(n)) for n in body]
        assume(len(set(questions)) == len(questions))
    pinned = [n.guid for n in body if n.guid]
    assume(len(set(pinned)) == len(pinned))
    assume(all("analog" not in f"{n.answer} {n.question}".lower() for n in body))
    if lecture:  # a page's description is prose: it starts with a letter and does not ask
        prose = line(LECTURE_ALPHABET).filter(lambda d: d[0].isalpha() and not d.endswith("?"))
        description = draw(st.one_of(st.just(""), prose))
    else:
        description = draw(st.one_of(st.just(""), line(ALPHABET)))
    return Deck(name, tuple(body), description)


def shown(deck: Deck) -> list[tuple[str, str, str]]:
    return [
        (rendered.question, rendered.answer, rendered.analogy)
        for rendered in map(render_note, deck.notes)
    ]


COMMON = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize(
    ("suffix", "fmt", "keeps_tags", "keeps_description"),
    [
        (".md", None, True, True),
        (".json", None, True, True),
        (".csv", None, True, False),
        (".tsv", None, True, False),
        (".txt", "anki-text", True, False),
        (".apkg", None, True, True),
    ],
    ids=["markdown", "json", "csv", "tsv", "anki-text", "apkg"],
)
@COMMON
@given(deck=decks())
def test_every_format_gives_back_the_notes_it_was_given(
    tmp_path: Path,
    deck: Deck,
    suffix: str,
    fmt: str | None,
    keeps_tags: bool,
    keeps_description: bool,
) -> None:
    original = deck2anki.read_text(_as_json(deck), fmt="json", name="generated.json")
    target = tmp_path / f"deck{suffix}"
    deck2anki.write(original, target, fmt=fmt, timestamp=1_700_000_000)
    again = deck2anki.read(target, fmt=fmt)
    assert shown(again) == shown(original)
    assert [n.guid for n in again.notes] == [n.guid for n in original.notes]
    assert again.name == original.name
    if keeps_tags:
        assert [n.tags for n in again.notes] == [n.tags for n in original.notes]
    assert [n.cards for n in again.notes] == [n.cards for n in original.notes]
    if keeps_description:
        assert again.description == original.description


@COMMON
@given(deck=decks(lecture=True))
def test_lecture_text_gives_back_what_it_can_hold(tmp_path: Path, deck: Deck) -> None:
    original = deck2anki.read_text(_as_json(deck), fmt="json", name="generated.json")
    target = tmp_path / "deck.txt"
    deck2anki.write(original, target, timestamp=1_700_000_000)
    again = deck2anki.read(target, deck_name=original.name)
    assert shown(again) == shown(original)
    assert [n.guid for n in again.notes] == [n.guid for n in original.notes]
    assert again.description == original.description


def _as_json(deck: Deck) -> str:
    """The generated deck in deck2anki's JSON, so it enters through a real reader."""
    import json

    return json.dumps(
        {
            "deck2anki": 1,
            "name": deck.name,
            "description": deck.description,
            "notes": [
                {
                    "question": n.question,
                    "answer": n.answer,
                    "analogy": n.analogy,
                    "tags": list(n.tags),
                    "guid": n.guid,
                    "format": n.markup.value,
                    "cards": sorted(n.cards),
                }
                for n in deck.notes
            ],
        }
    )
