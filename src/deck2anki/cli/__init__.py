"""The ``deck2anki`` command: thin click commands over the library, and their output."""

from .commands import cli
from .entry import main, script

__all__ = ["cli", "main", "script"]
