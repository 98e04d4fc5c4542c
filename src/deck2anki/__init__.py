"""deck2anki: flashcard text in, Anki decks out, updates in place on every rebuild."""

from .build import BuildResult, build
from .convert import convert, read, read_text, write
from .errors import Deck2AnkiError, SourceError, UsageError
from .model import Deck, Location, Markup, Media, Note
from .readers import ReadOptions
from .version import __version__

__all__ = [
    "BuildResult",
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
    "convert",
    "read",
    "read_text",
    "write",
]
