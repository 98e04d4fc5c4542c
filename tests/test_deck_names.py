"""A deck name with an empty part between its '::' (a::::b, ::x, x::, ::) is refused, where it
is written, by every reader and the --deck option: Anki would make a deck called "blank" of
each empty part, a deck nobody asked for (checked with the anki package below)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki.cli import cli
from deck2anki.model import Deck, Note

# Each name and the deck Anki makes of it.
NAMES = {"a::::b": "a::blank::b", "::x": "blank::x", "x::": "x::blank", "::": "blank::blank"}
HINT = "  hint: give every part between '::' a name, or remove the extra '::'\n"
NOTHING_WRITTEN = "error: 1 problem in 1 file; nothing was written\n"


def _markdown(folder: Path, name: str) -> tuple[Path, int]:
    source = folder / "cells.md"
    source.write_text(f'---\ndeck: "{name}"\n---\n\n## Q?\n\nA\n', encoding="utf-8")
    return source, 2


def _markdown_decks(folder: Path, name: str) -> tuple[Path, int]:
    source = folder / "cells.md"
    text = f'---\ndeck: Bio\ndecks:\n  - ["{name}", "its description"]\n---\n\n## Q?\n\nA\n'
    source.write_text(text, encoding="utf-8")
    return source, 4


def _csv(folder: Path, name: str) -> tuple[Path, int]:
    source = folder / "cells.csv"
    source.write_text(f"Question,Answer,Deck\nQ1?,A1,{name}\nQ2?,A2,{name}\n", encoding="utf-8")
    return source, 2


def _anki_text_header(folder: Path, name: str) -> tuple[Path, int]:
    source = folder / "cells.txt"
    source.write_text(f"#separator:tab\n#html:false\n#deck:{name}\nQ?\tA\n", encoding="utf-8")
    return source, 4  # said at the first row that goes into it


def _anki_text_column(folder: Path, name: str) -> tuple[Path, int]:
    source = folder / "cells.txt"
    text = f"#separator:tab\n#html:false\n#deck column:3\nQ1?\tA1\tBio\nQ2?\tA2\t{name}\n"
    source.write_text(text, encoding="utf-8")
    return source, 5


def _json(folder: Path, name: str) -> tuple[Path, int]:
    source = folder / "cells.json"
    text = f'{{"deck2anki": 1, "name": "{name}", "notes": [{{"question": "Q?", "answer": "A"}}]}}'
    source.write_text(text, encoding="utf-8")
    return source, 0


def _package(folder: Path, name: str) -> tuple[Path, int]:
    # Anki never writes such a name (it makes "blank" of it); a package made otherwise may.
    source = folder / "cells.apkg"
    deck2anki.write(Deck(name, (Note("Q?", "A"),)), source, timestamp=1_700_000_000)
    return source, 0


SOURCES: dict[str, tuple[Callable[[Path, str], tuple[Path, int]], list[str]]] = {
    "front matter deck": (_markdown, []),
    "front matter decks": (_markdown_decks, []),
    "csv deck column": (_csv, []),
    "anki text #deck": (_anki_text_header, ["--from", "anki-text"]),
    "anki text deck column": (_anki_text_column, ["--from", "anki-text"]),
    "json": (_json, []),
    "apkg": (_package, []),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", SOURCES)
def test_a_source_naming_a_deck_with_an_empty_part_is_refused_where_it_names_it(
    tmp_path: Path, kind: str, name: str
) -> None:
    make, options = SOURCES[kind]
    source, line = make(tmp_path, name)
    target = tmp_path / "out.apkg"
    result = CliRunner().invoke(cli, ["convert", str(source), str(target), *options])
    where = f"{source}:{line}:1" if line else f"{source}"
    assert (result.exit_code, result.output) == (
        1,
        f"{where}: error: the deck name {name!r} has an empty part: Anki would make it"
        f" {NAMES[name]!r} [bad-deck-name]\n" + HINT + NOTHING_WRITTEN,
    )
    assert not target.exists()


@pytest.mark.parametrize("name", NAMES)
def test_the_deck_option_with_an_empty_part_is_refused(
    collection: Any, tmp_path: Path, name: str
) -> None:
    # What the message says Anki would make of the name is what Anki makes of it.
    assert collection.decks.name(collection.decks.id(name)) == NAMES[name]
    source = tmp_path / "cells.txt"
    source.write_text("Q?\nA\n", encoding="utf-8")
    target = tmp_path / "out.apkg"
    result = CliRunner().invoke(cli, ["convert", "--deck", name, str(source), str(target)])
    assert (result.exit_code, result.output) == (
        2,
        f"error: the deck name {name!r} has an empty part: Anki would make it"
        f" {NAMES[name]!r}; give every part between '::' a name, or remove the extra '::'\n",
    )
    assert not target.exists()


@pytest.mark.parametrize("name", NAMES)
def test_a_configured_deck_name_with_an_empty_part_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "cells.txt").write_text("Q?\nA\n", encoding="utf-8")
    (tmp_path / "deck2anki.toml").write_text(f'[decks.cells]\nname = "{name}"\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build"])
    assert (result.exit_code, result.output) == (
        2,
        f"error: deck2anki.toml: 'decks.cells.name': the deck name {name!r} has an empty part:"
        f" Anki would make it {NAMES[name]!r}; give every part between '::' a name, or remove"
        " the extra '::'\n",
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["deck2anki.toml", "sources"]
