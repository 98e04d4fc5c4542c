"""The version of deck2anki: its one source of truth."""

__version__ = "0.1.0"
