"""Per-note work of a large deck shared with a second process: the same results, in order.

Splitting, checking, rendering and hashing a note take tens of microseconds each, so a
100,000-note deck keeps one core busy for seconds; a forked process takes the second half of
the notes. Fork, because the child then already holds the notes and the function: nothing is
sent to it, and only its results come back. Where fork is not the safe default (macOS,
Windows), or the deck is small, or other threads run, or ``DECK2ANKI_WORKERS=1``, the work
runs in this process.
The results never depend on how the work was shared.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ParamSpec, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Params = ParamSpec("Params")

MIN_ITEMS = 5000
"""Below this many items a second process costs more than it saves."""

# What the forked child works on: set just before the fork, cleared after.
_TASK: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


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
    this process's share, scaled to the whole (the shares are equal), and once when all the
    shares are done.
    """
    count = min(workers(), max(1, len(items) // (MIN_ITEMS // 2)))
    if count < 2 or len(items) < MIN_ITEMS or sys.platform != "linux" or not _alone():
        return _mapped(function, items, 0, len(items), progress, 1)
    global _TASK
    size = -(-len(items) // count)
    bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _TASK = (function, items)
    # Objects the child only reads stay shared: without this, its garbage collector would
    # touch (and so copy) every page of the parent's heap. And no collections while the
    # results pile up: they are hundreds of thousands of new objects and no garbage.
    collecting = gc.isenabled()
    gc.freeze()
    gc.disable()
    pool: ProcessPoolExecutor | None = None
    try:
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(len(bounds) - 1, mp_context=context)
        try:
            # One piece per child: results that came back in pieces would be unpickled
            # while this process works, and the two would fight over the interpreter lock.
            futures: list[Future[list[Any]] | None] = [
                pool.submit(_run, start, stop) for start, stop in bounds[1:]
            ]
        except OSError:  # no second process to be had (a limit on processes): all here
            futures = [None] * (len(bounds) - 1)
        start, stop = bounds[0]
        results = _mapped(function, items, start, stop, progress, len(bounds))
        for (start, stop), future in zip(bounds[1:], futures, strict=True):
            share = None
            if future is not None:
                with contextlib.suppress(BrokenProcessPool):  # the child died (killed, OOM)
                    share = future.result()
            # A share no child worked on is worked on here.
            results += (
                share if share is not None else _mapped(function, items, start, stop, None, 1)
            )
        if progress is not None:
            progress(len(items), len(items))
    finally:
        if pool is not None:
            pool.shutdown()
        _TASK = None
        gc.unfreeze()
        if collecting:
            gc.enable()
    return results


def _alone() -> bool:
    """Whether this process runs one thread only: one with others running is not forked, as
    a lock one of them holds would stay locked forever in the child. Linux lists every
    thread, those of native libraries too (``deck2anki watch``'s file watcher)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return threading.active_count() == 1


def _mapped(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    start: int,
    stop: int,
    progress: Callable[[int, int], None] | None,
    shares: int,
) -> list[Result]:
    if progress is None:
        return [function(item) for item in items[start:stop]]
    results = []
    # With other shares, short of the end until it is reached: they may still be at work.
    most = len(items) if shares == 1 else len(items) - 1
    for done, item in enumerate(items[start:stop], 1):
        results.append(function(item))
        if done % PROGRESS_STEP == 0:
            progress(min(done * shares, most), len(items))
    if shares == 1 and len(items) % PROGRESS_STEP:
        progress(len(items), len(items))
    return results


def _run(start: int, stop: int) -> list[Any]:
    """In the child: the task's function over its share of the items."""
    assert _TASK is not None, "map_notes sets the task before it forks"
    function, items = _TASK
    return [function(item) for item in items[start:stop]]


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
