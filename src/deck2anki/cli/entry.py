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
    """Run the command ``sys.argv`` names, then raise SystemExit with its status: no input
    ever gets a traceback. For a program that runs deck2anki's command line in its own
    process (a test, a wrapper): ``script`` is the ``deck2anki`` command itself."""
    sys.exit(run())


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
        return done.code if isinstance(done.code, int) else 0 if done.code is None else 1
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


def leave(status: int) -> NoReturn:
    """End the process with ``status``, once what it printed is out, without Python's
    teardown: every file the command wrote is closed and renamed into place by then, and
    tearing down the modules a build imports took 19 ms, a tenth of a 1,000-card build
    (issue 17; benchmarks/AB.md). Under a tracer (coverage, a debugger) Python exits as
    usual, so that it can save what it gathered."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: Python's own exit says so, and how
        sys.exit(status)
    if sys.gettrace() is not None or "coverage" in sys.modules:
        sys.exit(status)
    os._exit(status)
