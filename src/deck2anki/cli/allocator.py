"""Keeping the C library's malloc from holding on to memory a large build has freed.

glibc's malloc serves a block of 128 KiB or more from a memory map of its own and gives it
back when freed, until such a block is freed: then it raises that limit to the block's size
(up to 32 MiB) and keeps up to twice as much freed memory for later. A rebuild of 100,000
notes frees many such blocks (the lock file's text, the previous package's pieces), and
the later blocks then came from the heap, where one live object above them keeps the freed
memory in the process: its peak RSS was 310 MB for 233 MB of live objects (issue 17).
Setting both limits fixes them: blocks of 256 KiB or more are mapped and given back, and
at most 2 MiB of freed memory is kept at the heap's top. The A/B (benchmarks/AB.md, issue
17's fourth round): a CSV rebuild's peak 310 MB down to 282 MB, the time the same.

Only the command line does this, and only for a project with a large lock: the process is
the command's own, while a program using the library keeps its allocator as it set it.
"""

from __future__ import annotations

import sys
from pathlib import Path

LARGE_LOCK = 4 << 20
"""A lock of this many bytes or more (about 14,000 notes) makes a build settle the allocator;
below it the build's memory is small and importing ctypes (2 ms) would be most of the gain."""

_M_TRIM_THRESHOLD = -1  # glibc's malloc.h
_M_MMAP_THRESHOLD = -3
MAPPED_FROM = 256 << 10
"""Blocks this large or larger are mapped and given back when freed."""
KEPT_AT_MOST = 2 << 20
"""Freed memory at the top of the heap beyond this is given back."""


def settle_allocator() -> bool:
    """Fix glibc malloc's two limits (above); whether it was done (False off glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes  # a Python built without libffi has none: then nothing is changed

        libc = ctypes.CDLL(None)  # the symbols the process has loaded: its C library
    except (ImportError, OSError):
        return False
    # The parameters' numbers are glibc's: musl's mallopt does nothing, others differ.
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
        return False
    mapped: int = libc.mallopt(_M_MMAP_THRESHOLD, MAPPED_FROM)
    kept: int = libc.mallopt(_M_TRIM_THRESHOLD, KEPT_AT_MOST)
    return mapped == 1 and kept == 1  # mallopt's 1: done


def settle_for_lock(lock: Path) -> bool:
    """``settle_allocator`` if ``lock`` is a large lock file; whether it was done."""
    try:
        large = lock.stat().st_size >= LARGE_LOCK
    except OSError:  # no lock yet (a first build), or none readable: the build says so
        return False
    return large and settle_allocator()
