"""`deck2anki preview`: one page with every card, rendered as Anki renders it."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from click.testing import CliRunner

import deck2anki.cli.preview
from deck2anki.cli import cli
from deck2anki.cli.preview import render_template

from conftest import SEED, fold


@pytest.mark.parametrize(
    ("template", "fields", "html"),
    [
        ("{{Question}}", {"Question": "Q<b>1</b>"}, "Q<b>1</b>"),
        ("a{{#Analogy}}[{{Analogy}}]{{/Analogy}}b", {"Analogy": "x"}, "a[x]b"),
        ("a{{#Analogy}}[{{Analogy}}]{{/Analogy}}b", {"Analogy": " "}, "ab"),
        ("{{^Analogy}}none{{/Analogy}}", {"Analogy": ""}, "none"),
        ("{{#A}}{{#B}}both{{/B}}{{/A}}", {"A": "1", "B": ""}, ""),
        ("{{#A}}{{#B}}both{{/B}}{{/A}}", {"A": "1", "B": "2"}, "both"),
        ("{{FrontSide}}<hr>{{Answer}}", {"FrontSide": "F", "Answer": "A"}, "F<hr>A"),
        (
            "{{type:Answer}}",
            {"Answer": "A"},
            '<input class="d2a-preview-type" placeholder="Type the answer">',
        ),
        ("{{Unknown}}!", {}, "!"),
    ],
    ids=[
        "field",
        "section-shown",
        "section-blank-hidden",
        "inverted",
        "nested-inner-blank",
        "nested-both-filled",
        "front-side",
        "type-in",
        "unknown-field",
    ],
)
def test_the_small_mustache_renderer(template: str, fields: dict[str, str], html: str) -> None:
    assert render_template(template, fields) == html


def test_preview_of_a_source_shows_every_card_front_and_back(project: Path) -> None:
    result = CliRunner().invoke(cli, ["preview", f"sources/{SEED.name}", "-o", "p.html"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote p.html\n"
    page = (project / "p.html").read_text(encoding="utf-8")
    assert page.count('<section class="preview-card">') == 20
    assert page.count('class="d2a-analogy"') == 16
    assert "20 cards, rendered by deck2anki's templates" in html.unescape(page)
    assert "<script src" not in page and "http" not in page.split("<body>")[1]  # self-contained
    assert "toggle-dark" in page and "toggle-phone" in page


def test_preview_follows_the_decks_settings(project: Path) -> None:
    (project / "deck2anki.toml").write_text(
        "[decks.deep-learning-lecture-06]\nreverse = true\n", encoding="utf-8"
    )
    page = deck2anki.cli.preview.preview(project / "sources" / SEED.name)
    assert page.count("<h2>") == 40 and page.count(". Reverse</h2>") == 20


def test_preview_of_a_package_is_rendered_by_anki(project: Path) -> None:
    (built,) = deck2anki.build(timestamp=1_700_000_000).built
    page = deck2anki.cli.preview.preview(built.output)
    assert "20 cards, rendered by Anki's own renderer (the anki package)" in html.unescape(page)
    first_back = page.split('<div class="side">')[2]
    assert "Processing a large book chapter by chapter" in fold(first_back)
