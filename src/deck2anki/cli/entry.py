"""The ``deck2anki`` script's entry point: every failure becomes a message and an exit status,
never a traceback (unless --debug asks for one)."""

from __future__ import annotations

import os
import signal
import sys
from typing import NoReturn

import click

from .commands import cli
from .output import EXIT_INTERNAL, EXIT_INTERRUPTED, echo


def _terminated(number: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Run the command ``sys.argv`` names; on failure raise SystemExit with its status: no
    input ever gets a traceback. For a program that runs deck2anki's command line in its own
    process (a test, a wrapper): ``script`` is the ``deck2anki`` command itself."""
    status = run()
    if status:  # success returns, as it always has
        sys.exit(status)


def script() -> NoReturn:
    """The ``deck2anki`` command (and ``python -m deck2anki``): ``main``, ending the process."""
    leave(run())


def run() -> int:
    """Run the command the arguments name; its exit status."""
    debug = "--debug" in sys.argv[1:]
    # A terminated build cleans up like an interrupted one: no temporary files left behind.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        cli(prog_name="deck2anki", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as failure:
        failure.show()
        return failure.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        # click turns Ctrl-C into Abort; SIGTERM arrives as KeyboardInterrupt (_terminated).
        echo("interrupted; files are written whole or not at all", err=True)
        return EXIT_INTERRUPTED
    except SystemExit as done:  # a command that exits with a status of its own
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        echo(str(done.code), err=True)  # what Python's own exit prints of such a code
        return 1
    except Exception as error:
        if debug:
            raise
        echo(
            f"deck2anki: internal error ({type(error).__name__}: {error}). This is a bug in"
            " deck2anki, not in your files: please report it with the command you ran."
            " Run it again with --debug to see the traceback.",
            err=True,
        )
        return EXIT_INTERNAL
    return 0


# Tools that save what they gathered when Python exits: under one, it exits as usual.
_WATCHERS = ("coverage", "memray", "pyinstrument", "yappi", "line_profiler")


def leave(status: int) -> NoReturn:
    """End the process with ``status``, once what it printed is out, without Python's
    teardown: every file the command wrote is closed and renamed into place by then, and
    tearing down the modules a build imports took 19 ms, a tenth of a 1,000-card build
    (issue 17; benchmarks/AB.md). Under a tracer or a profiler (coverage, a debugger,
    cProfile, memray) Python exits as usual, so that it can save what it gathered; so it
    does when its output cannot be flushed (a closed pipe: Python's exit says so)."""
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: the descriptor was closed when Python started
                stream.flush()
    except (OSError, ValueError):
        sys.exit(status)
    watched = sys.gettrace() is not None or sys.getprofile() is not None
    if watched or any(name in sys.modules for name in _WATCHERS):
        sys.exit(status)
    os._exit(status)
