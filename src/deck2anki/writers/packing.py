"""The zip around an Anki collection: fixed entry metadata, the collection deflated in chunks.

A 100,000-note collection is about 80 MB of SQLite, and deflating it in one stream takes a
core for most of a second. Here it is cut into chunks of ``CHUNK`` bytes, each deflated on its
own and all of them side by side (zlib lets other threads run while it compresses); the
pieces, each ended on a byte boundary, join into one valid deflate stream (what ``pigz``
does). The chunk size is fixed, so the bytes never depend on how many cores did the work.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import IO

from .._compat import replace_compressor, set_compress_level

CHUNK = 1 << 20
"""Bytes of the collection deflated on their own: big enough that compression loses
almost nothing to the restarts (0.4% at 1 MiB), small enough that two cores share the work."""
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
    """zipfile's compressor interface (``compress``, ``flush``), deflating in parallel chunks."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self._pool = pool
        self._pending = b""

    def compress(self, data: bytes) -> bytes:
        data = self._pending + data
        whole = len(data) - len(data) % CHUNK
        self._pending = data[whole:]
        chunks = (data[start : start + CHUNK] for start in range(0, whole, CHUNK))
        return b"".join(self._pool.map(_deflate, chunks))

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
    workers = min(4, os.cpu_count() or 1)
    with zipfile.ZipFile(target, "w") as archive:
        with ThreadPoolExecutor(workers) as pool, archive.open(info(name), "w") as out:
            replace_compressor(out, _ChunkedDeflate(pool))
            # A chunk per thread at a time: more would only hold more of the file in memory.
            while block := collection.read(CHUNK * workers):
                out.write(block)
        for entry, data in others:
            archive.writestr(info(entry), data)
