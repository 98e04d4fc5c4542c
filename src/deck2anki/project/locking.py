"""One writer at a time per project: the project lock every build and rebuild takes.

Two builds of one project at once would each stage files in ``build/`` and sweep away what
looks left over from a killed build, which is the other's staging. So a build holds an
exclusive lock (``fcntl.flock``) on a file beside ``deck2anki.lock`` from before it reads the
lock until it has written everything; a second build waits for it, a bounded time, then exits
with a message. Readers (``build --check``) take the lock shared: they run side by side and
never exclude one another, but never see one build's lock file beside another's packages.

The lock file goes when its last holder lets go; one who locked it just as it went sees that
it is no longer the file there, and locks the new one. A build that is killed leaves it (the
operating system drops the lock however its holder exits), so ``deck2anki init`` lists it in
``.gitignore``; the next build removes it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ..config import Config
from ..errors import UsageError
from ..identity.lock import LOCK_NAME
from ..model import shown

BUILD_LOCK_NAME = ".deck2anki.build-lock"
"""The project lock's file, beside ``deck2anki.lock``."""

WAIT = 120.0
"""Seconds a build waits for another one of the same project before giving up: long enough
for a large deck's build, short enough that a stuck build is noticed."""

BUSY = "another deck2anki build is running in this project"
"""What a build says when it could not get the project lock in time (exit status 2)."""

WAITING = "waiting for another deck2anki build of this project"
"""What a build says, once, when it starts waiting for another one."""

_POLL = 0.1
"""Seconds between two attempts while waiting: a non-blocking attempt can be given up on."""


@contextmanager
def project_lock(
    lock_path: Path,
    *,
    shared: bool = False,
    wait: float = WAIT,
    waiting: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the lock of the project whose lock file is ``lock_path`` while the block runs.

    ``shared`` is for readers, which write nothing. A holder of the other kind makes this
    wait up to ``wait`` seconds (``waiting`` is told once, with a sentence to show), then
    raise a UsageError saying another build is running. A reader in a project this user cannot
    create the lock file in (a read-only checkout) goes unlocked: no build can write there.
    """
    path = lock_path.parent / BUILD_LOCK_NAME
    deadline = time.monotonic() + max(0.0, wait)
    told = False
    while True:
        try:
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            if not shared:
                raise UsageError(
                    f"{shown(path)}: cannot create the project lock: {error.strerror or error}"
                ) from None
            yield
            return
        try:
            while not _try_lock(handle, shared):
                if time.monotonic() >= deadline:
                    raise UsageError(
                        f"{BUSY} ({shown(path)} is locked); wait for it to finish, or stop it"
                        " ('deck2anki watch' included), then run this again"
                    )
                if not told and waiting is not None:
                    waiting(f"{WAITING} (up to {wait:g} s)")
                    told = True
                time.sleep(_POLL)
            if _same_file(handle, path):
                break
            # The holder before removed the file as it let go: lock the one there now.
        except BaseException:
            os.close(handle)
            raise
        os.close(handle)
    try:
        yield
    finally:
        try:
            # No file is left behind: removed by whoever holds it alone (a reader tries),
            # before letting go, so that nobody can lock a file no longer there.
            if not shared or _try_lock(handle, False):
                with suppress(OSError):  # Windows removes no open file: it stays, harmless
                    path.unlink(missing_ok=True)
        finally:
            os.close(handle)  # closing lets go of the lock


def _same_file(handle: int, path: Path) -> bool:
    """Whether the locked ``handle`` is still the file at ``path`` (not removed meanwhile)."""
    try:
        there = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(handle)
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


if sys.platform == "win32":  # pragma: no cover - no shared locks there: readers take turns
    import msvcrt

    def _try_lock(handle: int, shared: bool) -> bool:
        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(handle: int, shared: bool) -> bool:
        try:
            fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def lock_file(config: Config, lock_path: str | Path | None = None) -> Path:
    """The lock file a build of ``config``'s project uses: ``lock_path`` if given, else
    ``deck2anki.lock`` beside the configuration."""
    if lock_path is None:
        return (config.path.parent if config.path else Path()) / LOCK_NAME
    return Path(lock_path)
