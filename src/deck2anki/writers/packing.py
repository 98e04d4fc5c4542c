"""The zip around an Anki collection: fixed entry metadata, the collection deflated in chunks.

The collection is cut into chunks of ``CHUNK`` bytes, each deflated on its own and ended on a
byte boundary; the pieces join into one valid deflate stream (what ``pigz`` does). The chunks
were deflated side by side on a thread pool until issue 14's A/B (benchmarks/AB.md): the
pool never saved 15% of a cold build (at best 7%; up to 23% slower: the build writes the
lock's lines on the other core meanwhile), though the package writing alone was up to 41%
faster. They are deflated in turn now; the chunked stream stays, so packages keep the
bytes they had.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterable
from typing import IO

from .._compat import replace_compressor, set_compress_level

CHUNK = 1 << 20
"""Bytes of the collection deflated on their own (compression loses 0.4% to the restarts)."""
LEVEL = 1
"""zlib's fastest level: a quarter of the collection's size in a quarter of level 6's time."""

# Every entry carries this date: zip's own epoch, so nothing depends on when the build ran.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_UNIX = 3  # "made by" a Unix system, whatever system makes it, so the bytes do not vary
# An empty last block: what ends the joined stream (each chunk ends without one).
_LAST_BLOCK = zlib.compressobj(LEVEL, zlib.DEFLATED, -15).flush()


def _deflate(chunk: bytes) -> bytes:
    """One chunk as raw deflate, ended on a byte boundary, referring to nothing before it."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)


class _ChunkedDeflate:
    """zipfile's compressor interface (``compress``, ``flush``), deflating in chunks."""

    def __init__(self) -> None:
        self._pending = b""

    def compress(self, data: bytes) -> bytes:
        data = self._pending + data
        whole = len(data) - len(data) % CHUNK
        self._pending = data[whole:]
        return b"".join(_deflate(data[start : start + CHUNK]) for start in range(0, whole, CHUNK))

    def flush(self) -> bytes:
        tail = _deflate(self._pending) if self._pending else b""
        self._pending = b""
        return tail + _LAST_BLOCK


def info(name: str) -> zipfile.ZipInfo:
    """Zip entry metadata that does not depend on when or where the package was made."""
    entry = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    entry.compress_type = zipfile.ZIP_DEFLATED
    set_compress_level(entry, LEVEL)
    entry.create_system = _UNIX
    entry.external_attr = 0o644 << 16
    return entry


def write_zip(
    target: IO[bytes], collection: IO[bytes], name: str, others: Iterable[tuple[str, bytes]]
) -> None:
    """Write a zip to ``target``: the file ``collection`` as entry ``name``, then ``others``."""
    with zipfile.ZipFile(target, "w") as archive:
        with archive.open(info(name), "w") as out:
            replace_compressor(out, _ChunkedDeflate())
            while block := collection.read(CHUNK):
                out.write(block)
        for entry, data in others:
            archive.writestr(info(entry), data)
