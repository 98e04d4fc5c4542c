"""`deck2anki watch`: rebuild a deck whenever its source or the configuration changes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

from ..config import CONFIG_NAME, load_config
from ..errors import Deck2AnkiError, UsageError
from ..project.build import BuildResult, build
from ..project.locking import WAIT

DEBOUNCE_MS = 300
"""Changes closer together than this are one rebuild (an editor saves in several steps)."""


@dataclass(frozen=True, slots=True)
class Rebuild:
    """What one rebuild did: its result, or the problem that stopped it."""

    result: BuildResult | None
    """The build's result; None when it failed."""

    problem: Deck2AnkiError | None = None
    """Why it failed, with every diagnostic; None when it built."""


def rebuild(
    sources: Path,
    out: Path,
    config_path: Path | None,
    wait: float = WAIT,
    waiting: Callable[[str], None] | None = None,
) -> Rebuild:
    """One incremental build, its failure returned instead of raised: watching goes on.

    Like any build, it holds the project lock while it runs (``project.locking``): a
    ``deck2anki build`` run meanwhile waits for it, and it waits for one.
    """
    try:
        config = load_config(config_path)
        return Rebuild(build(sources, out, config=config, wait=wait, waiting=waiting))
    except Deck2AnkiError as problem:
        return Rebuild(None, problem)


def watch(
    sources: str | Path = "sources",
    out: str | Path = "build",
    *,
    config_path: str | Path | None = None,
    stop: threading.Event | None = None,
    wait: float = WAIT,
    waiting: Callable[[str], None] | None = None,
) -> Generator[Rebuild, None, None]:
    """Build now, then again after every change to ``sources`` or the configuration.

    A generator: each rebuild is yielded as it finishes. The build is incremental, so only
    the decks whose inputs changed are rebuilt. ``stop`` is an event for tests (see
    ``watchfiles.watch``); Ctrl-C raises KeyboardInterrupt here, as anywhere (quietly: not
    through watchfiles' log).
    """
    import watchfiles

    sources, out = Path(sources), Path(out)
    if not sources.is_dir():
        raise UsageError(f"{sources}: no such folder; create it or pass --sources DIR")
    config = Path(config_path) if config_path else Path(CONFIG_NAME)
    chosen = Path(config_path) if config_path else None
    yield rebuild(sources, out, chosen, wait, waiting)
    watched = [sources, config] if config.exists() else [sources]
    try:  # the project's CSS file too (its look), as the configuration named it at the start
        style = load_config(Path(config_path) if config_path else None).style_path
    except Deck2AnkiError:  # the first rebuild said what is wrong
        style = None
    if style is not None:
        watched.append(style)
    for _ in watchfiles.watch(
        *watched, debounce=DEBOUNCE_MS, stop_event=stop, raise_interrupt=True
    ):
        yield rebuild(sources, out, chosen, wait, waiting)
