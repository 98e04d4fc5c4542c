"""The one place deck2anki opens files: reading sources, writing outputs atomically."""

from __future__ import annotations

import codecs
import errno
import filecmp
import glob
import hashlib
import io
import os
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import Report, UsageError
from .model import Location, shown

BLOCK = 1 << 20
"""Bytes read at a time where a whole file need not be in memory."""


READ_LIMIT = 1 << 30
"""The most bytes deck2anki reads from one file (a source, a package, an image, the lock)."""


class NotRegular(OSError):
    """The path is a FIFO, a device, a socket: reading it could block forever or never end."""


class TooLarge(OSError):
    """The file holds more than the bytes it may."""


def _open_regular(path: Path) -> int:
    """A descriptor open for reading on ``path``, which must be a regular file.

    O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer, and the
    type is checked on the open descriptor (fstat), not the name, so a file swapped for a
    FIFO or a device between a check and the open is still refused.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    handle = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise NotRegular(errno.EINVAL, "not a regular file (a FIFO, a device or a socket)")
        if flags & getattr(os, "O_NONBLOCK", 0):  # reads of a regular file never block anyway
            os.set_blocking(handle, True)
    except BaseException:
        os.close(handle)
        raise
    return handle


@contextmanager
def open_regular(path: Path) -> Iterator[io.BufferedReader]:
    """``path`` open for reading in binary, if it is a regular file (else ``NotRegular``)."""
    with io.open(_open_regular(path), "rb") as stream:  # noqa: UP020 (typed as buffered)
        yield stream


def read_regular(path: Path, limit: int = READ_LIMIT) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them (else ``TooLarge``:
    a file that grows while it is read is not followed forever)."""
    with open_regular(path) as stream:
        # As much as the file holds now, and one byte more to see whether it grew: a read
        # of ``limit + 1`` bytes allocates them all first (1 GiB for every file read).
        size = os.fstat(stream.fileno()).st_size
        data = stream.read(min(size, limit) + 1)
        if len(data) > size:  # it grew while read: the rest too, up to the limit
            data += stream.read(limit + 1 - len(data))
    if len(data) > limit:
        raise TooLarge(errno.EFBIG, f"larger than the {limit:,} bytes deck2anki reads")
    return data


def read_bytes(path: Path, limit: int = READ_LIMIT) -> bytes:
    """The bytes of ``path``, or a UsageError that names it."""
    try:
        return read_regular(path, limit)
    except FileNotFoundError:
        raise UsageError(f"{shown(path)}: no such file; check the path") from None
    except IsADirectoryError:
        raise UsageError(f"{shown(path)}: is a folder, not a file") from None
    except NotRegular:
        raise UsageError(
            f"{shown(path)}: not a regular file (a FIFO, a device or a socket);"
            " deck2anki reads only files"
        ) from None
    except TooLarge as error:
        raise UsageError(f"{shown(path)}: {error.strerror}; split it") from None
    except OSError as error:
        raise UsageError(f"{shown(path)}: cannot read it: {error.strerror}") from None


def read_small(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes (a setting's file:
    a FIFO, a device or a huge file is refused, not read), or a UsageError that names it."""
    try:
        # Non-blocking: opening a FIFO would otherwise wait for a writer (for a regular
        # file, the flag changes nothing).
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(handle, "rb") as stream:
            mode = os.fstat(stream.fileno()).st_mode
            if not stat.S_ISREG(mode):
                kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
                raise UsageError(f"{shown(path)}: is {kind}; give a file")
            data = stream.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(f"{shown(path)}: no such file; check the path") from None
    except IsADirectoryError:
        raise UsageError(f"{shown(path)}: is a folder; give a file") from None
    except OSError as error:
        raise UsageError(f"{shown(path)}: cannot read it: {error.strerror}") from None
    if len(data) > limit:
        size = f"{limit >> 20} MiB" if limit % (1 << 20) == 0 else f"{limit:,} bytes"
        raise UsageError(f"{shown(path)}: larger than {size}; give a smaller file")
    return data


Contents = bytes | bytearray | Sequence[bytes | bytearray]
"""A file's bytes, whole or in parts to be written one after another (a large lock file)."""


Pieces = Iterator[bytes]
"""A file's bytes as they are made, written one after another as they come: a large output
(a deck's JSON) is never held whole. Nothing is renamed into place unless every piece came."""


def _parts(data: Contents | Pieces) -> Iterable[bytes | bytearray]:
    return (data,) if isinstance(data, bytes | bytearray) else data


def has_contents(path: Path, data: Contents) -> bool:
    """Whether the file at ``path`` holds exactly ``data`` (read a block at a time: a large
    lock file is not held twice to compare it)."""
    try:
        with open_regular(path) as stream:
            for part in _parts(data):
                view = memoryview(part)
                for start in range(0, len(part), BLOCK):
                    piece = view[start : start + BLOCK]
                    if stream.read(len(piece)) != piece:
                        return False
            return stream.read(1) == b""
    except OSError:
        return False


def same(path: Path, other: Path) -> bool:
    """Whether the file at ``path`` exists and holds the bytes of ``other`` (compared a block
    at a time)."""
    return path.is_file() and filecmp.cmp(path, other, shallow=False)


def decode(data: bytes | bytearray, path: str, report: Report, encoding: str | None = None) -> str:
    """Source bytes as text: UTF-8 (byte-order mark or not), UTF-16 with its byte-order mark,
    or ``encoding`` when one is named. Binary data and undecodable bytes are errors that say
    where, and what to do.
    """
    if encoding is None:
        for mark, codec in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
            if data.startswith(mark):
                encoding = codec
        if encoding is None and b"\x00" in data[:8192]:
            report.error(
                Location(path, 1, 1),
                "binary data, not text (an image or a package?)",
                "encoding",
                "give a text file, or name its format with --from",
            )
            return ""
    try:
        return data.decode(encoding or "utf-8-sig")
    except LookupError:
        raise UsageError(
            f"unknown text encoding {encoding!r}; try utf-8, cp1252 or latin-1"
        ) from None
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        report.error(
            Location(path, line, column),
            f"not {encoding or 'UTF-8'} text:"
            f" byte 0x{data[error.start]:02x} at offset {error.start}",
            "encoding",
            "save it as UTF-8, or name its encoding: --encoding cp1252 (Windows), latin-1",
        )
        return ""


TEMPORARY_SUFFIX = ".deck2anki-tmp"
"""Ends the name of every file deck2anki writes before renaming it into place."""


@dataclass(frozen=True, slots=True)
class Staged:
    """A file written ahead to a temporary file, for ``write_all`` to rename into place: a
    large package is then never held in memory."""

    path: Path
    """The temporary file."""

    def discard(self) -> None:
        """Delete the temporary file (it is not needed after all)."""
        self.path.unlink(missing_ok=True)


def stage(path: Path, write: Callable[[IO[bytes]], None], folder: Path | None = None) -> Staged:
    """Have ``write`` write the new ``path`` into a temporary file beside it (or in ``folder``,
    when it is only to be compared); ``write_all`` renames it into place later."""
    if path.is_dir():
        raise IsADirectoryError(21, "it is a folder")
    folder = path.parent if folder is None else folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(
            dir=folder, prefix=f".{path.name}.{os.getpid()}.", suffix=TEMPORARY_SUFFIX
        )
    except OSError as error:  # a folder this user may not write to, a full disk
        raise _cannot_write(path, error) from None
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the output from other users
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _cannot_write(path, error) from None
        raise
    return Staged(temporary)


def _cannot_write(path: Path | None, error: OSError) -> UsageError:
    """The error that says ``path`` could not be written, and why."""
    return UsageError(f"{shown(str(path))}: cannot write it: {error.strerror or error}")


HASH_DIGITS = 16
"""The hashes the lock records of files are 64 bits of SHA-256, in hex."""


def short_hash(data: bytes) -> str:
    """The hash the lock records of a file's bytes."""
    return hashlib.sha256(data).hexdigest()[:HASH_DIGITS]


def digest(path: Path) -> str:
    """``short_hash`` of the file at ``path``, read a block at a time (a large package is not
    held in memory to be hashed)."""
    with open_regular(path) as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()[:HASH_DIGITS]


def _stage(path: Path, data: Contents | Pieces | Staged) -> Path:
    """Write ``data`` to a new temporary file beside ``path``; returns the temporary file."""
    if isinstance(data, Staged):
        return data.path

    def write(stream: IO[bytes]) -> None:
        for part in _parts(data):
            stream.write(part)

    return stage(path, write).path


def write_all(
    outputs: Mapping[Path, Contents | Pieces | Staged], removals: Sequence[Path] = ()
) -> None:
    """Write several files as one change: every one is written to a temporary file first, and
    only when all of them are complete are they renamed into place (then ``removals`` go).
    Pieces are made as they are written, into the temporary file: a writer that fails
    part-way leaves no file changed.

    A failure or an interrupt at any point leaves every old file as it was and no temporary
    file behind: files renamed before a failed rename are put back from hard-linked backups,
    and Ctrl-C waits until the renames are done or undone. Readers only see whole files.
    """
    staged: list[tuple[Path, Path]] = []
    backups: list[tuple[Path, Path]] = []
    created: list[Path] = []  # targets that did not exist: undone by deleting them
    current: Path | None = None
    try:
        for current in outputs:
            staged.append((_stage(current, outputs[current]), current))
        with _uninterrupted():
            try:
                for temporary, target in staged:
                    current = target
                    if target.exists():
                        backup = temporary.with_name(temporary.name + ".old")
                        os.link(target, backup)
                        backups.append((backup, target))
                    else:
                        created.append(target)
                    os.replace(temporary, target)
                for current in removals:
                    current.unlink(missing_ok=True)
            except BaseException:
                # Renaming a hard link onto its twin does nothing, so an untouched target
                # keeps its backup link; ``finally`` removes every backup left.
                for backup, target in reversed(backups):
                    os.replace(backup, target)
                for target in created:
                    target.unlink(missing_ok=True)
                raise
    except BaseException as error:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        for data in outputs.values():  # staged ahead, and not reached
            if isinstance(data, Staged):
                data.discard()
        if isinstance(error, OSError):
            raise _cannot_write(current, error) from None
        raise
    finally:
        for backup, _ in backups:
            backup.unlink(missing_ok=True)


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM back while the block runs, then deliver them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {
        number: signal.signal(number, lambda number, frame: received.append(number))
        for number in held
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if received:
        raise KeyboardInterrupt


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half of one."""
    write_all({path: data})


def sweep(folder: Path, name: str | None = None) -> None:
    """Delete temporary files a killed run of deck2anki left in ``folder`` (of the file
    ``name`` only, when given: the lock's, in a project's root).

    A temporary file's name carries its writer's process id: one whose writer still runs
    belongs to a build going on beside this one, and stays. Names from before (no id) go.
    """
    if not folder.is_dir():
        return
    name = "*" if name is None else glob.escape(name)
    for pattern in (f".{name}.*{TEMPORARY_SUFFIX}", f".{name}.*{TEMPORARY_SUFFIX}.old"):
        for leftover in folder.glob(pattern):
            if not _writer_runs(leftover):
                leftover.unlink(missing_ok=True)


def _writer_runs(leftover: Path) -> bool:
    """Whether the process that named this temporary file (``.NAME.PID.RANDOM.deck2anki-tmp``)
    still runs."""
    parts = leftover.name.removesuffix(".old").removesuffix(TEMPORARY_SUFFIX).rsplit(".", 2)
    if len(parts) < 3 or not parts[1].isdigit() or not parts[1].isascii():
        return False  # named before names carried a process id
    pid = int(parts[1])
    if pid == os.getpid():
        return True  # another thread's build, or (rarely) a run before with this same id
    if os.name == "nt":  # os.kill would end the process there, not test for it: by age
        try:
            return time.time() - leftover.stat().st_mtime < STALE_AFTER
        except OSError:
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # another user's process (EPERM), a number past pid_t
        return True
    return True


STALE_AFTER = 24 * 3600
"""Where a process id cannot be tested (Windows): seconds after which a temporary file is
taken for a killed run's."""
