"""The ``deck2anki`` command: thin click commands over the library, clean messages."""

from __future__ import annotations

import itertools
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from ..formats import FORMATS
from ..model import shown
from ..version import __version__
from .output import (
    EXIT_CONTENT,
    ContentFailure,
    ProgressBars,
    colour,
    echo,
    report_build,
    reporting,
    styled,
    warn,
)

# The library loads when a command runs (inside it), not for --help.

_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Configuration file [default: ./deck2anki.toml if present].",
)


def _folder_options(command: Any) -> Any:
    """--sources, --out and --wait, as build and watch take them."""
    command = click.option(
        "--wait",
        default=120.0,
        show_default=True,
        type=click.FloatRange(min=0),
        metavar="SECONDS",
        help="How long to wait for another build of this project (0: exit 2 at once).",
    )(command)
    command = click.option(
        "--out",
        default="build",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder the .apkg files are written to.",
    )(command)
    return click.option(
        "--sources",
        default="sources",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder of source files, one deck each.",
    )(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="deck2anki")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
@click.pass_context
def cli(context: click.Context, debug: bool) -> None:
    """Turn flashcard text into Anki decks that update in place when rebuilt."""
    context.obj = {"debug": debug}


@cli.command()
@_folder_options
@_config_option
@click.option(
    "--lock",
    "lock_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Lock file [default: deck2anki.lock beside the configuration].",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if build/ or the lock is stale.")
@click.option("--force", is_flag=True, help="Rebuild every deck, even those up to date.")
@click.option(
    "--keep-going", is_flag=True, help="Write the good decks even when others have errors."
)
@click.option("-q", "--quiet", is_flag=True, help="Print problems only: no progress, no summary.")
@click.option("-v", "--verbose", is_flag=True, help="Say why each deck was rebuilt or skipped.")
@click.option(
    "--allow-notetype-change",
    is_flag=True,
    help="Accept a new note type for students: a change of its fields or templates, or a"
    " project moving off the shared 'deck2anki (v1)' to a note type (and style) of its own.",
)
def build(
    sources: Path,
    out: Path,
    wait: float,
    config_path: Path | None,
    lock_path: Path | None,
    check: bool,
    force: bool,
    keep_going: bool,
    quiet: bool,
    verbose: bool,
    allow_notetype_change: bool,
) -> None:
    """Build every source in SOURCES into one .apkg per source in OUT.

    Every source is checked first; if any has an error, nothing is written. Decks whose
    inputs did not change since the lock was written are skipped.
    """
    from ..config import load_config
    from ..project.build import build as build_decks
    from ..project.locking import lock_file
    from .allocator import settle_for_lock

    with reporting():
        config = load_config(config_path)
        lock_path = lock_file(config, lock_path)
        settle_for_lock(lock_path)  # a large rebuild's peak memory (cli/allocator.py)
        result = build_decks(
            sources,
            out,
            config=config,
            lock_path=lock_path,
            check=check,
            force=force,
            allow_notetype_change=allow_notetype_change,
            keep_going=keep_going,
            progress=None if quiet or not sys.stderr.isatty() else ProgressBars("building"),
            wait=wait,
            waiting=_waiting,
        )
    warn(result.warnings)
    warn(result.errors)
    if check:
        for line in result.stale:
            echo(f"stale: {line}", err=True)
        if result.stale:
            raise ContentFailure(f"error: {len(result.stale)} stale; nothing was written")
        echo(f"up to date: {len(result.skipped) + len(result.built)} deck(s)")
        return
    if not quiet:
        report_build(result, verbose)
    if result.failed:
        names = ", ".join(shown(path) for path in result.failed)
        raise ContentFailure(f"error: not built, with errors: {names}")


@cli.command()
@click.argument("source")
@click.argument("target")
@click.option("--deck", "deck_name", help="Name of the deck [default: from the source].")
@click.option(
    "--from",
    "from_format",
    type=click.Choice([f.name for f in FORMATS if f.readable]),
    help="Format of SOURCE [default: from its suffix, else its content].",
)
@click.option(
    "--to",
    "to_format",
    type=click.Choice([f.name for f in FORMATS if f.writer is not None]),
    help="Format of TARGET [default: from its suffix].",
)
@click.option(
    "--field-sep",
    help="Quizlet text: between term and definition: tab, comma, or any string [default: tab].",
)
@click.option(
    "--card-sep",
    help="Quizlet text: between cards: newline, semicolon, or any string [default: newline].",
)
@click.option("--encoding", help="Text encoding of SOURCE when it is not UTF-8 (cp1252, ...).")
def convert(
    source: str,
    target: str,
    deck_name: str | None,
    from_format: str | None,
    to_format: str | None,
    field_sep: str | None,
    card_sep: str | None,
    encoding: str | None,
) -> None:
    """Convert SOURCE into TARGET ('-' for standard input or output).

    The output format follows TARGET's suffix; what it cannot hold is reported, one line per
    kind of loss.
    """
    from ..conversion import STDIO
    from ..conversion import convert as convert_file
    from ..errors import Report
    from ..readers import ReadOptions
    from ..writers import WriteOptions

    if (field_sep or card_sep) and from_format is None:
        from_format = "quizlet"
    report = Report()
    with reporting():
        deck = convert_file(
            source,
            target,
            from_format=from_format,
            to_format=to_format,
            deck_name=deck_name,
            report=report,
            read_options=ReadOptions(field_sep=field_sep, card_sep=card_sep, encoding=encoding),
            write_options=WriteOptions(
                0, progress=ProgressBars("writing") if sys.stderr.isatty() else None
            ),
        )
    warn(report.warnings)
    noun = "note" if len(deck.notes) == 1 else "notes"
    echo(
        f"wrote {shown(target)} ({len(deck.notes)} {noun}, deck '{shown(deck.name)}')",
        err=target == STDIO,
    )


@cli.command()
@click.argument("package", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def inspect(package: Path, as_json: bool) -> None:
    """List the notes of an .apkg: question, answer, analogy and tags."""
    from .. import inspection

    with reporting():
        deck = inspection.inspect_package(package)
    if as_json:
        # In parts as it is made: a 100,000-note deck's JSON is not held whole, nor twice.
        for part in inspection.json_parts(deck):
            echo(part, json=True, nl=False)
        echo()
    else:
        echo(inspection.as_table(deck, shutil.get_terminal_size().columns))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the problems.",
)
@_config_option
@click.option("--rules", is_flag=True, help="List the rules and exit.")
def check(
    paths: tuple[Path, ...], strict: bool, output: str, config_path: Path | None, rules: bool
) -> None:
    """Check sources (default: the sources folder) and report every problem; write nothing.

    Exit 1 on any error, and on warnings with --strict.
    """
    from ..cards.rules import RULES
    from ..config import load_config
    from ..project import check as checking

    if rules:
        for rule in RULES:
            echo(f"{rule.name:<20} {rule.severity.value:<8} {rule.summary}")
        return
    with reporting():
        result = checking.check(paths or (Path("sources"),), config=load_config(config_path))
    failing = result.errors > 0 or (strict and result.warnings > 0)
    if output == "json":
        echo(checking.as_json(result), json=True)
    else:
        for diagnostic in result.diagnostics:
            click.echo(styled(str(diagnostic)), color=colour())  # styled() escaped it
        echo(
            f"checked {result.files} file{'s' if result.files != 1 else ''}:"
            f" {result.errors} error{'s' if result.errors != 1 else ''},"
            f" {result.warnings} warning{'s' if result.warnings != 1 else ''}"
        )
    if failing:
        sys.exit(EXIT_CONTENT)


@cli.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default="preview.html",
    show_default=True,
    help="The page to write.",
)
@click.option("--open", "open_page", is_flag=True, help="Open the page in the default browser.")
@_config_option
def preview(source: Path, output: Path, open_page: bool, config_path: Path | None) -> None:
    """Write one HTML page showing every card of SOURCE (a source or an .apkg), front and back,
    with light/dark and phone-width toggles.
    """
    from .. import files
    from ..config import load_config
    from .preview import preview as preview_page

    with reporting():
        page = preview_page(source, config=load_config(config_path))
        files.write_atomic(output, page.encode("utf-8"))
    echo(f"wrote {output}")
    if open_page:
        import webbrowser

        webbrowser.open(output.resolve().as_uri())


@cli.command()
@click.argument("folder", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that are already there.")
@click.option(
    "--install",
    metavar="SPEC",
    help="What the README and CI pip install [default: deck2anki>=VERSION]; a path or a"
    " git+https:// URL while deck2anki is not on a package index.",
)
def init(folder: Path, force: bool, install: str | None) -> None:
    """Start a deck repository in FOLDER: example sources, configuration, README, CI."""
    from .scaffold import DEFAULT_INSTALL
    from .scaffold import init as scaffold

    with reporting():
        written = scaffold(folder, force=force, install=install or DEFAULT_INSTALL)
    for path in written:
        echo(f"wrote {path}")
    echo(f"next: cd {folder} && deck2anki build")


@cli.command()
@_folder_options
@_config_option
@click.option(
    "--preview",
    "with_preview",
    is_flag=True,
    help="Also write preview/NAME.html for every deck rebuilt.",
)
def watch(
    sources: Path, out: Path, wait: float, config_path: Path | None, with_preview: bool
) -> None:
    """Build, then rebuild whenever a source or the configuration changes; Ctrl-C stops."""
    from .. import files
    from .preview import preview as preview_page
    from .watch import watch as watch_builds

    try:
        with reporting():
            builds = watch_builds(
                sources, out, config_path=config_path, wait=wait, waiting=_waiting
            )
            first = next(builds)
        echo(f"watching {sources} (Ctrl-C stops)")
        for rebuild in itertools.chain([first], builds):
            if rebuild.problem is not None:
                echo(str(rebuild.problem), err=True)
                echo("not rebuilt: fix the problems above; still watching", err=True)
                continue
            assert rebuild.result is not None
            warn(rebuild.result.warnings)
            for deck in rebuild.result.built:
                echo(f"built {shown(deck.output)} ({deck.notes} notes) from {shown(deck.source)}")
                if with_preview:
                    page = Path("preview") / f"{deck.output.stem}.html"
                    files.write_atomic(page, preview_page(deck.source).encode("utf-8"))
                    echo(f"wrote {page}")
            if not rebuild.result.built:
                echo("up to date")
    except KeyboardInterrupt:
        pass
    echo("stopped watching")


@cli.command()
def formats() -> None:
    """List the formats deck2anki reads and writes."""
    for fmt in FORMATS:
        modes = "read" if fmt.readable else ""
        if fmt.writer is not None:
            modes = f"{modes}/write" if modes else "write"
        echo(f"{fmt.name:<10} {' '.join(fmt.suffixes):<16} {modes:<11} {fmt.description}")


def _waiting(message: str) -> None:
    """Say, on standard error, that this build waits for another one of the project."""
    click.echo(f"{message}...", err=True)
