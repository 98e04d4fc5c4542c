"""Per-note work of a large deck shared with a second process: the same results, in order.

Splitting, checking, rendering and hashing a note take tens of microseconds each, so a
100,000-note deck keeps one core busy for seconds; a forked process takes the second half of
the notes. Fork, because the child then already holds the notes and the function: nothing is
sent to it, and only its results come back, through a temporary file. Where fork is not the
safe default (macOS, Windows), or the deck is small, or other threads run, or
``DECK2ANKI_WORKERS=1``, the work runs in this process.
The results never depend on how the work was shared.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any, NoReturn, ParamSpec, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Params = ParamSpec("Params")

MIN_ITEMS = 5000
"""Below this many items a second process costs more than it saves."""

_STOPPING = {signal.SIGINT, signal.SIGTERM}
"""The signals that stop a build (cli.py turns SIGTERM into KeyboardInterrupt)."""

PIECE = 5000
"""Items a child pickles at a time: what it holds of its results before they go to the file."""


def workers() -> int:
    """How many processes share per-note work: ``DECK2ANKI_WORKERS``, else up to two."""
    value = os.environ.get("DECK2ANKI_WORKERS", "")
    if value.isdigit() and int(value) >= 1:
        return int(value)
    return min(2, os.cpu_count() or 1)


PROGRESS_STEP = 1000
"""Items between two progress calls."""


def map_notes(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    progress: Callable[[int, int], None] | None = None,
) -> list[Result]:
    """``[function(item) for item in items]``, shared between processes when it pays.

    ``progress`` is called as (items done, items in all) every ``PROGRESS_STEP`` items of
    this process's share, scaled to the whole, and once when all the shares are done.
    """
    count = min(workers(), max(1, len(items) // (MIN_ITEMS // 2)))
    if count < 2 or len(items) < MIN_ITEMS or sys.platform != "linux" or not _alone():
        return _mapped(function, items, 0, len(items), progress, 1)
    own = len(items) // count
    size = -(-(len(items) - own) // (count - 1))
    bounds = [(start, min(start + size, len(items))) for start in range(own, len(items), size)]
    # Objects the child only reads stay shared: without this, its garbage collector would
    # touch (and so copy) every page of the parent's heap. And no collections while the
    # results pile up: they are hundreds of thousands of new objects and no garbage.
    collecting = gc.isenabled()
    gc.freeze()
    gc.disable()
    children: list[_Child] = []
    try:
        for start, stop in bounds:
            # Ctrl-C and SIGTERM wait until the child is on the list (here) or has dropped
            # this process's handlers (in the child): neither side runs the other's cleanup.
            held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
            try:
                children.append(_fork(function, items, start, stop, held))
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
        results = _mapped(function, items, 0, own, progress, len(items) / own)
        for child in children:
            share = child.results()
            # A share no child worked on (no process to be had, or it died) is done here.
            results += (
                share
                if share is not None
                else _mapped(function, items, child.start, child.stop, None, 1)
            )
        if progress is not None:
            progress(len(items), len(items))
    finally:
        for child in children:
            child.end()
        gc.unfreeze()
        if collecting:
            gc.enable()
    return results


@dataclass
class _Child:
    """A forked process working on ``items[start:stop]``, its results pickled to ``file``."""

    pid: int | None
    """None once it is waited for, or when there was no process to be had."""

    file: IO[bytes] | None
    start: int
    stop: int

    def results(self) -> list[Any] | None:
        """Its results, once it has finished; None if it did not finish its work."""
        if self.pid is None or self.file is None:
            return None
        # Its exit status is not needed, and may be lost (SIGCHLD ignored by whoever
        # started this process: the kernel reaps the child itself): the file tells.
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.pid = None
        self.file.seek(0)
        results: list[Any] = []
        try:
            while isinstance(piece := pickle.load(self.file), list):
                results += piece
        except Exception:  # cut short (killed while writing, disk full): not finished
            return None
        # The child ends its file with the number of results: all there, or none taken.
        return results if piece == len(results) == self.stop - self.start else None

    def end(self) -> None:
        """Stop it if it still runs (this process was interrupted), and drop its file."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = None
        if self.file is not None:
            self.file.close()


def _fork(
    function: Callable[[Any], Any],
    items: Sequence[Any],
    start: int,
    stop: int,
    mask: set[int | signal.Signals],
) -> _Child:
    """A child process working on ``items[start:stop]``.

    Its results go to an unnamed temporary file, a piece at a time, and not down a pipe: a
    pipe fills, and the child would then wait for this process to read, which it does only
    between its own notes.
    """
    file = None
    try:
        file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _Child.end, in map_notes)
        pid = os.fork()
    except OSError:  # no second process to be had (a limit on processes): all here
        return _Child(None, file, start, stop)
    if pid == 0:
        # Interrupted, the child just ends (this process cleans up): the default handlers.
        for number in _STOPPING:
            signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        _work_and_exit(function, items, start, stop, file)
    return _Child(pid, file, start, stop)


def _work_and_exit(
    function: Callable[[Any], Any], items: Sequence[Any], start: int, stop: int, file: IO[bytes]
) -> NoReturn:
    """In the child: the function over its share, pickled to ``file``; then the child ends,
    without running anything the parent registered for its own exit."""
    status = 1
    try:
        with open(file.fileno(), "wb", closefd=False) as out:
            for first in range(start, stop, PIECE):
                piece = _run(first, min(first + PIECE, stop), function, items)
                pickle.dump(piece, out, pickle.HIGHEST_PROTOCOL)
            pickle.dump(stop - start, out)  # the end: every result is in the file
        status = 0
    finally:
        os._exit(status)


def _run(start: int, stop: int, function: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """In the child: the function over ``items[start:stop]``."""
    return [function(item) for item in items[start:stop]]


def _alone() -> bool:
    """Whether this process runs one thread only: one with others running is not forked, as
    a lock one of them holds would stay locked forever in the child. Linux lists every
    thread, those of native libraries too (``deck2anki watch``'s file watcher)."""
    try:
        for _ in range(9):
            if len(os.listdir("/proc/self/task")) == 1:
                return True
            if threading.active_count() > 1:
                return False
            # A thread that was just joined (a build's package writer) may be listed for a
            # moment more while the system ends it.
            time.sleep(0.0005)
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return threading.active_count() == 1


def _mapped(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    start: int,
    stop: int,
    progress: Callable[[int, int], None] | None,
    scale: float,
) -> list[Result]:
    """``function`` over ``items[start:stop]``; progress counts each item as ``scale`` items
    (1 when this is all the work, more when other processes share it)."""
    if progress is None:
        return [function(item) for item in items[start:stop]]
    results = []
    alone = stop - start == len(items)
    # With other shares, short of the end until it is reached: they may still be at work.
    most = len(items) if alone else len(items) - 1
    for done, item in enumerate(items[start:stop], 1):
        results.append(function(item))
        if done % PROGRESS_STEP == 0:
            progress(min(int(done * scale), most), len(items))
    if alone and len(items) % PROGRESS_STEP:
        progress(len(items), len(items))
    return results


def without_collections(function: Callable[Params, Result]) -> Callable[Params, Result]:
    """Run ``function`` with Python's cycle collector paused, then restore it.

    A build makes a few objects per note and keeps them to the end, so every collection
    walks a heap that only grows: a seventh of a 100,000-note build went to collections
    that found nothing. The build makes no reference cycles worth collecting on the way.
    """

    @functools.wraps(function)
    def paused(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if collecting:
                gc.enable()

    return paused
