"""Shared fixtures: the seed source, a project folder to build in, and the Anki oracle."""

from __future__ import annotations

import html
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sources" / "deep-learning-lecture-06.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))

_TAG = re.compile(r"<[^>]+>")


def fold(field_html: str) -> str:
    """What a student reads: tags stripped, entities decoded, white space folded."""
    return " ".join(html.unescape(_TAG.sub(" ", field_html)).split())


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
