"""What the command line prints: diagnostics in colour, progress bars, the build report, and
the failures that set its exit status (1: bad content, 2: bad usage)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

import click

from ..model import printable, shown

if TYPE_CHECKING:  # the library loads when a command runs, not for --help
    from ..errors import Diagnostic
    from ..project.build import BuildResult


class ContentFailure(click.ClickException):
    """Bad content (exit 1): printed as the library wrote it, diagnostics and summary."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        echo(self.message, err=True)


class UsageFailure(ContentFailure):
    """Bad usage (exit 2), told apart from bad content for scripts and CI."""

    exit_code = 2


@contextmanager
def reporting() -> Iterator[None]:
    """Turn the library's errors into messages and exit statuses."""
    from ..errors import Deck2AnkiError, SourceError, UsageError

    try:
        yield
    except SourceError as error:
        raise ContentFailure(str(error)) from None
    except UsageError as error:
        raise UsageFailure(f"error: {error}") from None
    except Deck2AnkiError as error:
        raise ContentFailure(f"error: {error}") from None


def echo(
    message: object = "",
    err: bool = False,
    color: bool | None = None,
    json: bool = False,
    nl: bool = True,
) -> None:
    """Print a line, every control character in it escaped but newlines and tabs: whatever
    the text holds (a file or deck name, a field of a package), the terminal only shows it.
    The one way the command line prints; names within a line are ``shown`` (no newline).
    With ``json`` the escapes are JSON's, for a document (whose own newlines are layout);
    without ``nl``, no newline ends it (a document printed in parts)."""
    click.echo(printable(str(message), "\n\t", json), err=err, color=color, nl=nl)


def colour() -> bool | None:
    """Colour only on a terminal (click's own test) and never with NO_COLOR set."""
    return False if os.environ.get("NO_COLOR") else None


def styled(text: str) -> str:
    """A message with its "error:" and "warning:" marks in colour (stripped off a terminal):
    its control characters escaped first, so that only these marks' own escapes remain."""
    text = printable(text, "\n\t")
    text = text.replace(": error: ", ": " + click.style("error:", fg="red", bold=True) + " ", 1)
    return text.replace(": warning: ", ": " + click.style("warning:", fg="yellow") + " ", 1)


def warn(warnings: Sequence[Diagnostic]) -> None:
    """Print each diagnostic on standard error, its mark in colour on a terminal."""
    for warning in warnings:
        click.echo(styled(str(warning)), err=True, color=colour())  # styled() escaped it


class ProgressBars:
    """A progress bar per large deck, on a terminal only; nothing anywhere else."""

    def __init__(self, verb: str) -> None:
        self.verb = verb
        self.bars: dict[str, Any] = {}
        self.done: dict[str, int] = {}

    def __call__(self, deck: str, done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        if deck not in self.bars:
            bar = click.progressbar(length=total, label=f"{self.verb} {deck}", file=sys.stderr)
            self.bars[deck] = bar.__enter__()
            self.done[deck] = 0
        self.bars[deck].update(done - self.done[deck])
        self.done[deck] = done
        if done >= total:
            self.bars.pop(deck).__exit__(None, None, None)


PROGRESS_FROM = 2000
"""Decks of this many notes or more show a progress bar while they build (on a terminal)."""


EXIT_CONTENT = 1
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


def report_build(result: BuildResult, verbose: bool) -> None:
    """One line per deck skipped, gone, renamed, re-linked, removed or built."""
    from ..project.carried import CARRIED_DAYS
    from ..project.previous import REMOVED_SUBDECK, REMOVED_TAG

    if result.merged:
        click.echo(
            "merged: the lock held both sides of a git merge; read both, rebuilt every deck:"
            " 'git add' the lock and build/ and commit to finish the merge"
        )
    for path in result.skipped:
        why = ": the lock has its very inputs and output" if verbose else ""
        echo(f"skipped {shown(path)}: up to date{why}")
    for old in result.gone:
        deleted = f"; deleted {shown(old.output)}" if old.output else ""
        echo(
            f"gone: the source of '{shown(old.key)}' no longer exists; its {old.notes} notes"
            f" stay in students' collections and in the lock, marked removed{deleted}"
        )
    for deck in result.built:
        if deck.renamed_from:
            echo(
                f"renamed: {shown(deck.source)} continues '{shown(deck.renamed_from)}' of the"
                " lock; its notes keep their identity"
            )
        if deck.recovered:
            click.echo(
                f"recovered: the lock has no entry for {deck.source}; its notes keep the"
                f" identity and times {deck.output} gave {deck.recovered} notes"
            )
        for moved in deck.moved:
            click.echo(
                f"moved to {deck.source} from '{moved.origin}': {moved.question!r} (same note,"
                " reviews kept); Anki does not move a card a student already has to another"
                f" deck on import: only students who import it for the first time get it in"
                f" '{deck.deck_name}'"
            )
        for relink in deck.relinked:
            echo(
                f"re-linked {relink.note.location}: {relink.old_question!r} is now"
                f" {relink.note.question!r} (same note, reviews kept)"
            )
        for gone in deck.removed:
            echo(
                f"removed from {shown(deck.source)}: {gone.question!r} (guid {shown(gone.guid)});"
                " Anki keeps it in collections that imported it, so the package carries it for"
                f" {CARRIED_DAYS} days tagged {REMOVED_TAG} (students find it with"
                f" tag:{REMOVED_TAG}) in the subdeck '{shown(deck.deck_name)}::{REMOVED_SUBDECK}'"
                " (new students can delete it)"
            )
        noun = "note" if deck.notes == 1 else "notes"
        why = f": {deck.reason}" if verbose else ""
        echo(
            f"built {shown(deck.output)} ({deck.notes} {noun}, deck '{shown(deck.deck_name)}')"
            f" from {shown(deck.source)}{why}"
        )
