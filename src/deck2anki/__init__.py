"""deck2anki: flashcard text in, Anki decks out, updates in place on every rebuild.

The names below load on first use (PEP 562): ``deck2anki --help`` must not pay for the
whole library, genanki and markdown-it-py.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .conversion import convert, read, read_text, write
    from .errors import Deck2AnkiError, SourceError, UsageError
    from .model import Deck, Location, Markup, Media, Note
    from .project.build import BuildResult, build
    from .project.check import CheckResult, check
    from .readers import ReadOptions

_WHERE = {
    "BuildResult": "project.build",
    "build": "project.build",
    "CheckResult": "project.check",
    "check": "project.check",
    "convert": "conversion",
    "read": "conversion",
    "read_text": "conversion",
    "write": "conversion",
    "Deck2AnkiError": "errors",
    "SourceError": "errors",
    "UsageError": "errors",
    "Deck": "model",
    "Location": "model",
    "Markup": "model",
    "Media": "model",
    "Note": "model",
    "ReadOptions": "readers",
}

__all__ = [
    "BuildResult",
    "CheckResult",
    "Deck",
    "Deck2AnkiError",
    "Location",
    "Markup",
    "Media",
    "Note",
    "ReadOptions",
    "SourceError",
    "UsageError",
    "__version__",
    "build",
    "check",
    "convert",
    "read",
    "read_text",
    "write",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(f"deck2anki.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'deck2anki' has no attribute {name!r}")
