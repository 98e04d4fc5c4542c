"""The one place deck2anki opens files: reading sources, writing outputs atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import Report, UsageError
from .model import Location


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``, or a UsageError that names it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder, not a file") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read it: {error.strerror}") from None


def decode(data: bytes, path: str, report: Report) -> str:
    """Source bytes as text: UTF-8, with or without a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        report.error(
            Location(path, line, column),
            f"not UTF-8 text: byte 0x{data[error.start]:02x} at offset {error.start}",
            "encoding",
            "save the file as UTF-8",
        )
        return ""


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half of one."""
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "it is a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise UsageError(f"{path}: cannot write it: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the output from other users
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise UsageError(f"{path}: cannot write it: {error.strerror or error}") from None
        raise


def remove(path: Path) -> None:
    """Delete a file deck2anki wrote; one already gone is fine."""
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise UsageError(f"{path}: cannot delete it: {error.strerror or error}") from None
