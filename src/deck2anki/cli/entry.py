"""The ``deck2anki`` script's entry point: every failure becomes a message and an exit status,
never a traceback (unless --debug asks for one)."""

from __future__ import annotations

import signal
import sys

import click

from .commands import cli
from .output import EXIT_INTERNAL, EXIT_INTERRUPTED, echo


def _terminated(number: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of the ``deck2anki`` script: no input ever gets a traceback."""
    debug = "--debug" in sys.argv[1:]
    # A terminated build cleans up like an interrupted one: no temporary files left behind.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        cli(prog_name="deck2anki", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as failure:
        failure.show()
        sys.exit(failure.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        # click turns Ctrl-C into Abort; SIGTERM arrives as KeyboardInterrupt (_terminated).
        echo("interrupted; files are written whole or not at all", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as error:
        if debug:
            raise
        echo(
            f"deck2anki: internal error ({type(error).__name__}: {error}). This is a bug in"
            " deck2anki, not in your files: please report it with the command you ran."
            " Run it again with --debug to see the traceback.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
