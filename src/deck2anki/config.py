"""The project configuration file, ``deck2anki.toml``, read with the standard library."""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError

CONFIG_NAME = "deck2anki.toml"
"""The configuration file's name, looked for in the current folder."""


@dataclass(frozen=True, slots=True)
class DeckConfig:
    """Settings for the deck built from one source."""

    name: str | None = None
    """The deck's name in Anki (``::`` for subdecks); None: from the source's file name."""

    description: str | None = None
    """Replaces the description the source carries; None keeps the source's."""


@dataclass(frozen=True, slots=True)
class Config:
    """A whole ``deck2anki.toml``."""

    decks: dict[str, DeckConfig] = field(default_factory=dict)
    """Per-source settings, keyed by the source's file name without its suffix."""

    path: Path | None = None
    """Where the configuration was read from; None when there is no file."""

    def deck(self, stem: str) -> DeckConfig:
        """The settings for the source called ``stem``; defaults when it has none."""
        return self.decks.get(stem, DeckConfig())


_DECK_KEYS = {"name", "description"}


def load_config(path: Path | None = None) -> Config:
    """Read ``path`` (default: ``deck2anki.toml`` here, if there is one)."""
    if path is None:
        path = Path(CONFIG_NAME)
        if not path.is_file():
            return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read it: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: not valid TOML: {error}; fix the syntax") from None
    unknown = set(data) - {"decks"}
    if unknown:
        raise UsageError(f"{path}: unknown setting {sorted(unknown)[0]!r}; known: decks")
    decks: dict[str, DeckConfig] = {}
    for stem, settings in _table(data.get("decks", {}), path, "decks").items():
        settings = _table(settings, path, f"decks.{stem}")
        bad = set(settings) - _DECK_KEYS
        if bad:
            raise UsageError(
                f"{path}: unknown setting 'decks.{stem}.{sorted(bad)[0]}';"
                f" known: {', '.join(sorted(_DECK_KEYS))}"
            )
        for key, value in settings.items():
            if not isinstance(value, str) or not value.strip():
                raise UsageError(f"{path}: 'decks.{stem}.{key}' must be a non-empty string")
        # File systems store names composed or decomposed; keys compare in one form.
        decks[unicodedata.normalize("NFC", stem)] = DeckConfig(**settings)
    return Config(decks=decks, path=path)


def _table(value: Any, path: Path, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UsageError(f"{path}: '{key}' must be a table ([{key}])")
    return value
