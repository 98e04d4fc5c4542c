"""Shared fixtures: the seed source, a project folder to build in, and the Anki oracle."""

from __future__ import annotations

import html
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# CI explores the same examples on every run, so a landing never depends on luck; local runs
# keep exploring new ones (and found every bug the property tests caught so far).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

FUZZ_SCALE = int(os.environ.get("DECK2ANKI_FUZZ_SCALE", "1"))
"""How many times more examples each property test tries: 1 in every run; a maintainer's
wider run sets it higher (docs/reference/limits.md: ``DECK2ANKI_FUZZ_SCALE=50 pytest -m fuzz``)."""


def examples(count: int) -> int:
    """A property test's number of examples, scaled for a wider run."""
    return count * FUZZ_SCALE


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run in CI (``CI`` set), when asked for with ``-m``, or with
    ``DECK2ANKI_SLOW=1``; a developer's plain ``pytest`` leaves them out, and says so."""
    if os.environ.get("CI") or os.environ.get("DECK2ANKI_SLOW") or config.option.markexpr:
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        items[:] = [item for item in items if not item.get_closest_marker("slow")]
        config.hook.pytest_deselected(items=slow)


def pytest_report_header(config: pytest.Config) -> str:
    ran = os.environ.get("CI") or os.environ.get("DECK2ANKI_SLOW") or config.option.markexpr
    return "slow tests: " + ("included" if ran else "left out (CI=1 or DECK2ANKI_SLOW=1 runs them)")


ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sources" / "deep-learning-lecture-06.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))

_INLINE_TAG = re.compile(r"</?(?:code|em|strong|a|span|b|i|del|s)\b[^>]*>")
_TAG = re.compile(r"<[^>]+>")


def fold(field_html: str) -> str:
    """What a student reads: tags stripped (inline ones without a space), entities decoded,
    white space folded."""
    text = _TAG.sub(" ", _INLINE_TAG.sub("", field_html))
    return " ".join(html.unescape(text).split())


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder holding a copy of the seed in sources/, and the current directory."""
    (tmp_path / "sources").mkdir()
    shutil.copy(SEED, tmp_path / "sources" / SEED.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Any]:
    """A fresh, empty Anki collection from the official ``anki`` package."""
    from anki.collection import Collection

    (tmp_path / "oracle").mkdir(exist_ok=True)
    col = Collection(str(tmp_path / "oracle" / "collection.anki2"))
    yield col
    col.close()


def import_package(col: Any, package: Path) -> Any:
    """Import ``package`` into ``col`` with Anki's default options; returns Anki's import log."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    result = col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions())
    )
    return result.log


def edit_seed(project: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the project's copy of the seed source (exactly once)."""
    source = project / "sources" / SEED.name
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in the seed exactly once"
    source.write_text(text.replace(old, new), encoding="utf-8")


def review_every_card(col: Any) -> None:
    """Answer every card once with Good, as a student's first study session would."""
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        card.start_timer()
        col.sched.answerCard(card, 3)


def study_state(col: Any) -> tuple[list[Any], list[Any]]:
    """Everything a student's progress is made of: the review log and each card's schedule."""
    revlog = col.db.all("SELECT id, cid, ease, ivl, lastIvl, factor, type FROM revlog ORDER BY id")
    cards = col.db.all(
        "SELECT id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses"
        " FROM cards ORDER BY id"
    )
    return revlog, cards


def log_counts(log: Any) -> dict[str, int]:
    """Anki's import log as counts: new, updated, duplicate (left untouched), conflicting."""
    return {
        name: len(getattr(log, name)) for name in ("new", "updated", "duplicate", "conflicting")
    }


def export_package(
    col: Any,
    out: Path,
    deck: str | None = None,
    *,
    legacy: bool = False,
    scheduling: bool = False,
    media: bool = True,
) -> Path:
    """Anki's own package export, as its Export dialog writes one: of the whole collection or
    of ``deck``, the current format (``collection.anki21b``) unless ``legacy``."""
    from anki.collection import DeckIdLimit, ExportAnkiPackageOptions

    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(
            legacy=legacy, with_scheduling=scheduling, with_media=media, with_deck_configs=False
        ),
        limit=DeckIdLimit(col.decks.id(deck)) if deck is not None else None,
    )
    return out


EXPORT_OPTIONS = ("notetype", "deck", "guid", "tags", "html")
"""The columns Anki's "Notes in Plain Text" export offers, each a ``with_...`` option."""


def export_text(col: Any, out: Path, without: str = "") -> Path:
    """Anki's "Notes in Plain Text", every column Anki offers but ``without``."""
    col.export_note_csv(
        out_path=str(out), limit=None, **{f"with_{o}": o != without for o in EXPORT_OPTIONS}
    )
    return out
