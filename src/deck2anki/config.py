"""The project configuration file, ``deck2anki.toml``, read with the standard library."""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import files
from .cards.notetype import STOCK, Style
from .errors import UsageError
from .model import EMPTY_DECK_PART_HINT, empty_deck_part, has_control, shown

CONFIG_NAME = "deck2anki.toml"
"""The configuration file's name, looked for in the current folder."""


@dataclass(frozen=True, slots=True)
class DeckConfig:
    """Settings for the deck built from one source."""

    name: str | None = None
    """The deck's name in Anki (``::`` for subdecks); None: from the source's file name."""

    description: str | None = None
    """Replaces the description the source carries; None keeps the source's."""

    encoding: str | None = None
    """The source's text encoding when it is not UTF-8 (``cp1252``); None: UTF-8."""

    tags: tuple[str, ...] = ()
    """Tags added to every note of the deck (beside ``deck2anki::SOURCE``)."""

    reverse: bool = False
    """Also make an Answer -> Question card for every note."""

    type_in: bool = False
    """Also make a card where the student types the answer."""

    inline_code: bool = True
    """Show the code that plain text names (``keras.layers.Dense``, ``.map()``) as code."""


@dataclass(frozen=True, slots=True)
class Config:
    """A whole ``deck2anki.toml``."""

    decks: dict[str, DeckConfig] = field(default_factory=dict)
    """Per-source settings, keyed by the source's file name without its suffix."""

    disabled: frozenset[str] = frozenset()
    """Warnings of ``rules.RULES`` switched off (``[check] disable = [...]``)."""

    path: Path | None = None
    """Where the configuration was read from; None when there is no file."""

    style: Style = STOCK
    """The project's own look (``[notetype] css``); deck2anki's own when it names none."""

    style_path: Path | None = None
    """The CSS file ``[notetype] css`` names (``watch`` watches it); None for none."""

    def deck(self, stem: str) -> DeckConfig:
        """The settings for the source called ``stem``; defaults when it has none."""
        return self.decks.get(stem, DeckConfig())


_STRINGS = {"name", "description", "encoding"}
_SWITCHES = {"reverse", "type_in", "inline_code"}
_DECK_KEYS = _STRINGS | _SWITCHES | {"tags"}


def load_config(path: Path | None = None) -> Config:
    """Read ``path`` (default: ``deck2anki.toml`` here, if there is one)."""
    if path is None:
        path = Path(CONFIG_NAME)
        if not path.is_file():
            return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{shown(path)}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{shown(path)}: cannot read it: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{shown(path)}: not valid TOML: {error}; fix the syntax") from None
    unknown = set(data) - {"decks", "check", "notetype"}
    if unknown:
        raise UsageError(
            f"{shown(path)}: unknown setting {sorted(unknown)[0]!r}; known: check, decks, notetype"
        )
    disabled = _disabled(_table(data.get("check", {}), path, "check"), path)
    style, style_path = _style(_table(data.get("notetype", {}), path, "notetype"), path)
    decks: dict[str, DeckConfig] = {}
    for stem, settings in _table(data.get("decks", {}), path, "decks").items():
        settings = _table(settings, path, f"decks.{stem}")
        bad = set(settings) - _DECK_KEYS
        if bad:
            raise UsageError(
                f"{shown(path)}: unknown setting 'decks.{stem}.{sorted(bad)[0]}';"
                f" known: {', '.join(sorted(_DECK_KEYS))}"
            )
        for key, value in settings.items():
            where = f"{shown(path)}: 'decks.{shown(stem)}.{key}'"
            if key in _STRINGS and (not isinstance(value, str) or not value.strip()):
                raise UsageError(f"{where} must be a non-empty string")
            if key == "name" and has_control(value):
                raise UsageError(
                    f"{where} {value!r} holds a control character; write the name in plain"
                    " characters (terminals act on control characters)"
                )
            if key == "name" and (problem := empty_deck_part(value)):
                raise UsageError(f"{where}: {problem}; {EMPTY_DECK_PART_HINT}")
            if key in _SWITCHES and not isinstance(value, bool):
                raise UsageError(f"{where} must be true or false")
            if key == "tags" and (
                not isinstance(value, list)
                or not all(
                    isinstance(tag, str) and tag and not any(c.isspace() for c in tag)
                    for tag in value
                )
            ):
                raise UsageError(f"{where} must be a list of tags without spaces")
        if "tags" in settings:
            settings = {**settings, "tags": tuple(settings["tags"])}
        # File systems store names composed or decomposed; keys compare in one form.
        decks[unicodedata.normalize("NFC", stem)] = DeckConfig(**settings)
    return Config(decks=decks, path=path, disabled=disabled, style=style, style_path=style_path)


def _disabled(settings: dict[str, Any], path: Path) -> frozenset[str]:
    """The warnings ``[check] disable`` switches off; errors cannot be switched off."""
    from .cards.rules import RENAMED, RULES
    from .errors import Severity

    bad = set(settings) - {"disable"}
    if bad:
        raise UsageError(f"{shown(path)}: unknown setting 'check.{sorted(bad)[0]}'; known: disable")
    names = settings.get("disable", [])
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise UsageError(f"{shown(path)}: 'check.disable' must be a list of rule names")
    known = {rule.name: rule for rule in RULES}
    names = [RENAMED.get(name, name) for name in names]
    for name in names:
        if name not in known:
            raise UsageError(
                f"{shown(path)}: 'check.disable' names no rule {name!r};"
                " 'deck2anki check --rules' lists them"
            )
        if known[name].severity is Severity.ERROR:
            raise UsageError(
                f"{shown(path)}: {name!r} is an error and cannot be switched off;"
                " fix what it reports instead"
            )
    return frozenset(names)


CSS_LIMIT = 1 << 20
"""The largest CSS file ``[notetype] css`` may name: Anki keeps it in every student's
collection and puts it in front of every card it shows."""


def _style(settings: dict[str, Any], path: Path) -> tuple[Style, Path | None]:
    """The project's look: ``[notetype] css``, a file beside the configuration (or below)."""
    bad = set(settings) - {"css"}
    if bad:
        raise UsageError(f"{shown(path)}: unknown setting 'notetype.{sorted(bad)[0]}'; known: css")
    if "css" not in settings:
        return STOCK, None
    name = settings["css"]
    where = f"{shown(path)}: 'notetype.css'"
    if not isinstance(name, str) or not name.strip():
        raise UsageError(f"{where} must be the path of a CSS file, relative to {shown(path.name)}")
    # Inside the project, so that a clone builds the same look: no absolute path, no way out.
    folder = path.parent.resolve()
    css_path = path.parent / name
    if Path(name).is_absolute() or not css_path.resolve().is_relative_to(folder):
        raise UsageError(
            f"{where}: {name!r} is outside the project (or links out of it); put the file"
            f" beside {shown(path.name)}"
            " (or in a folder below it) and give its relative path"
        )
    try:
        data = files.read_small(css_path, CSS_LIMIT)
    except UsageError as error:
        raise UsageError(f"{where}: {error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{where}: {shown(css_path)}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset"
            f" {error.start}); save it as UTF-8"
        ) from None
    # One form of line ending: the same look checked out on Windows is the same note type.
    return Style(css=text.replace("\r\n", "\n")), css_path


def _table(value: Any, path: Path, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UsageError(f"{shown(path)}: '{key}' must be a table ([{key}])")
    return value
