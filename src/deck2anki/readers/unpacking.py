"""An Anki package's members unpacked within one budget for the whole package (zip bombs),
zstd frames decompressed (Anki's newer exports), and its media read by the media map.
"""

from __future__ import annotations

import io
import json
import posixpath
import zipfile
from collections.abc import Iterator

from ..model import Media
from . import ankidb
from .notetypes import varints

_CHUNK = 1024**2
"""Bytes decompressed at a time: large enough to cost nothing, small enough to stop early."""


class Damaged(Exception):
    """What is wrong with a package's zip or its members."""


class Budget:
    """How many more bytes this package may unpack to, across all its members."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def take(self, data: bytes) -> bytes:
        if len(data) > self.left:
            raise Damaged(f"it unpacks to more than the {self.limit:,} bytes deck2anki accepts")
        self.left -= len(data)
        return data


def read_member(archive: zipfile.ZipFile, member: str, budget: Budget) -> bytes:
    """A member's bytes, read no further than the budget whatever its header declares."""
    with archive.open(member) as stream:
        return budget.take(stream.read(budget.left + 1))


def unpack(data: bytes, compressed: bool, budget: Budget, member: str) -> bytes:
    """A member's bytes, zstd frames decompressed, within the budget."""
    if not compressed:
        return data
    return b"".join(zstd_chunks(data, budget, member))


def collection_bytes(
    archive: zipfile.ZipFile, member: str, compressed: bool, budget: Budget
) -> bytearray:
    """The collection's bytes (zstd frames decompressed) in one buffer, a chunk at a time.

    ``ZipFile.read`` (and zlib under it), like a list of chunks joined, holds the whole
    twice while it joins it: a 100,000-note collection (81 MB) peaked at 185 MB more.
    """
    whole = bytearray()
    if compressed:
        for chunk in zstd_chunks(read_member(archive, member, budget), budget, member):
            whole += chunk
        return whole
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            whole += budget.take(chunk)
    return whole


def zstd_chunks(data: bytes, budget: Budget, member: str) -> Iterator[bytes]:
    """zstd frames decompressed, a chunk at a time, each within the budget."""
    import zstandard

    # Anki writes frames without a content size, so decompress as a stream, a chunk at a time:
    # the budget is spent as the data arrives, and no buffer of the whole budget is asked for.
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
    try:
        while chunk := reader.read(_CHUNK):
            yield budget.take(chunk)
    except zstandard.ZstdError as error:
        raise Damaged(f"{member} is not zstd data, or damaged zstd data ({error})") from None


def package_media(
    archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], compressed: bool, budget: Budget
) -> tuple[Media, ...]:
    if "media" not in infos:
        return ()
    raw = unpack(read_member(archive, "media", budget), compressed, budget, "media")
    if len(raw) > ankidb.MAX_VALUE_BYTES:
        raise Damaged(
            f"the media map is larger than the {ankidb.MAX_VALUE_BYTES:,} bytes deck2anki reads"
        )
    if compressed:
        names = {str(index): name for index, name in enumerate(media_entries(raw))}
    else:
        try:
            mapping = json.loads(raw.decode("utf-8") or "{}")
        except RecursionError:
            raise Damaged("the media map is JSON nested too deeply") from None
        if not isinstance(mapping, dict):
            raise Damaged("the media map is not a JSON object")
        names = {str(k): str(v) for k, v in mapping.items()}
    files = []
    for member, name in names.items():
        # A media name is a flat file name; one that climbs or is absolute is refused.
        if not name or name != posixpath.basename(name) or name in (".", "..") or "\\" in name:
            raise Damaged(f"media file name {name!r} is not a plain file name")
        if member in infos:
            data = unpack(read_member(archive, member, budget), compressed, budget, member)
            files.append(Media(name, data))
    return tuple(sorted(files, key=lambda media: media.name))


def media_entries(data: bytes) -> list[str]:
    """Names from Anki's MediaEntries message: repeated MediaEntry (name = field 1) = 1."""
    names = []
    for number, _, entry in varints(data):
        if number == 1 and isinstance(entry, bytes):
            name = next((v for n, _, v in varints(entry) if n == 1 and isinstance(v, bytes)), b"")
            names.append(name.decode("utf-8"))
    return names
