"""The private APIs of other libraries deck2anki relies on (all in `deck2anki._compat`): when a
new genanki or Python changes them, these tests fail first and say which, not a build."""

from __future__ import annotations

import io
import zipfile
import zlib

from deck2anki import _compat
from deck2anki.cards import notetype


def test_genanki_still_says_which_fields_make_each_card() -> None:
    """Model._req: per template, its ord, "any" or "all", and the field indexes it needs."""
    requirements = _compat.card_requirements(notetype.genanki_model())
    # Forward needs the question; Reverse needs the answer and its switch; Type-in its switch.
    assert [(o, kind) for o, kind, _ in requirements] == [(0, "all"), (1, "all"), (2, "all")]
    assert [sorted(fields) for _, _, fields in requirements] == [[0], [1, 3], [0, 4]]


class _Stored:
    """A compressor that stores data as it is (zipfile's stored blocks are raw deflate too)."""

    def __init__(self) -> None:
        self._inner = zlib.compressobj(0, zlib.DEFLATED, -15)

    def compress(self, data: bytes) -> bytes:
        return self._inner.compress(data)

    def flush(self) -> bytes:
        return self._inner.flush()


def test_zipfile_still_takes_an_entrys_level_and_a_compressor_of_ours() -> None:
    entry = zipfile.ZipInfo("x", date_time=(1980, 1, 1, 0, 0, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED
    _compat.set_compress_level(entry, 1)
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive, archive.open(entry, "w") as out:
        _compat.replace_compressor(out, _Stored())
        out.write(b"deck2anki " * 1000)
    with zipfile.ZipFile(io.BytesIO(target.getvalue())) as archive:
        assert archive.testzip() is None
        assert archive.read("x") == b"deck2anki " * 1000
        # Level 0 (stored blocks) was ours: zipfile's own level-1 stream would be far smaller.
        assert archive.getinfo("x").compress_size > 10_000


def test_zipfile_still_deflates_an_entry_at_the_level_it_carries() -> None:
    text = bytes(range(256)) * 64 + b"deck2anki " * 4000

    def size(level: int) -> int:
        entry = zipfile.ZipInfo("x", date_time=(1980, 1, 1, 0, 0, 0))
        entry.compress_type = zipfile.ZIP_DEFLATED
        _compat.set_compress_level(entry, level)
        target = io.BytesIO()
        with zipfile.ZipFile(target, "w") as archive, archive.open(entry, "w") as out:
            out.write(text)
        with zipfile.ZipFile(io.BytesIO(target.getvalue())) as archive:
            return archive.getinfo("x").compress_size

    assert size(0) > size(1) >= size(9)
    assert size(0) > len(text)  # level 0: stored blocks, so the level did reach zlib
