"""``python -m deck2anki``: the same as the ``deck2anki`` command."""

from .cli.entry import script

script()
