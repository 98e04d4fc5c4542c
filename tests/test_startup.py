"""What a build imports: a deck of plain text pays for no Markdown or HTML parser, nor does
Markdown in the form most decks take (issue 17)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BUILD_AND_LIST_MODULES = """
import sys
import deck2anki
deck2anki.build()
print(" ".join(sorted(sys.modules)))
"""


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deck.csv", "Question,Answer\nWhat is ATP?,The cell's energy currency.\n"),
        ("deck.txt", "What is ATP?\nThe cell's energy currency.\n"),
        (
            "deck.md",
            "# Cells\n\n## What makes ATP?\n<!-- id: atp -->\n\nATP *synthase*, in `mitochondria`."
            "\n\n- from ADP\n- and \\(P_i\\)\n\n**Note:** see [the docs](https://example.org/atp)."
            "\n\nAnalogy: a **mill** turned by a stream.\n",
        ),
    ],
    ids=["csv", "lecture", "markdown"],
)
def test_building_plain_text_imports_no_markdown_or_html_parser(
    tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", BUILD_AND_LIST_MODULES],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    modules = set(done.stdout.split())
    assert (tmp_path / "build" / "deck.apkg").is_file()
    assert "genanki" in modules  # the list is the build's
    assert not modules & {"markdown_it", "mdurl", "html.parser"}
