"""Every use of another library's private API, in one place (pip-tools keeps its pip internals
in ``_compat/``): when a library changes, this module and ``tests/test_compat.py`` fail
first and loudly, not a build half-way through.
"""

from __future__ import annotations

import zipfile
from typing import IO, Any, Protocol


class Compressor(Protocol):
    """What zipfile asks of the compressor behind an entry it writes."""

    def compress(self, data: bytes, /) -> bytes: ...

    def flush(self) -> bytes: ...


def card_requirements(model: Any) -> list[tuple[int, str, list[int]]]:
    """genanki's rule for which filled fields make each card template give a card:
    ``(ord, "any" or "all", field indexes)`` per template, what Anki computes from the front
    templates. genanki keeps it as the private ``Model._req``."""
    requirements: list[tuple[int, str, list[int]]] = model._req
    return requirements


def set_compress_level(entry: zipfile.ZipInfo, level: int) -> None:
    """Give a zip entry its own deflate level: ``ZipFile.writestr`` takes one per call, but
    ``ZipFile.open(entry, "w")`` only the entry's private ``_compresslevel``."""
    entry._compresslevel = level  # type: ignore[attr-defined]


def replace_compressor(stream: IO[bytes], compressor: Compressor) -> None:
    """Swap the compressor of a zip entry opened for writing, before anything is written:
    zipfile keeps the CRC and sizes, the deflating is ours. Its writer has no public hook."""
    if not hasattr(stream, "_compressor"):
        raise RuntimeError("this Python's zipfile has no _compressor to replace")
    stream._compressor = compressor
