"""Every deck name a deck holds, checked once after it is read, whatever read it: its own,
its tree's (Markdown's ``decks:``, JSON's, a package's) and each card's (Anki's text deck
column, a package's cards). Readers that know a name's line say it there first."""

from __future__ import annotations

from ..errors import Report
from ..model import EMPTY_DECK_PART_HINT, Deck, Location, empty_deck_part, has_control


def check_deck_names(deck: Deck, path: str, report: Report) -> None:
    """An error for each deck name of ``deck`` (read from ``path``) that Anki would not keep as
    written: one with a control character, or with an empty part between ``::`` (Anki would
    make a deck "blank" of it). Each name once, where it first appears."""
    where: dict[str, Location] = {}
    for note in deck.notes:
        for _, name in note.decks:
            if name not in where:
                where[name] = note.location or Location(path)
    where.setdefault(deck.name, Location(path))
    # The parents a reader made of a name ('a::' of 'a::::b') are not said again.
    parents = {name[:end] for name in where for end in _separators(name)}
    for name, _ in deck.tree:
        if name not in parents:
            where.setdefault(name, Location(path))
    for name, location in where.items():
        if has_control(name):  # a terminal would act on it
            report.error(
                location,
                f"the deck name {name!r} holds a control character",
                "control-character",
                "give the deck a plain name (in the source, with --deck or the configuration's"
                " 'name'), or rename the file it is named after",
            )
        elif problem := empty_deck_part(name):
            report.error(location, problem, "bad-deck-name", EMPTY_DECK_PART_HINT)


def _separators(name: str) -> list[int]:
    """Where each ``::`` of ``name`` starts."""
    found, start = [], name.find("::")
    while start >= 0:
        found.append(start)
        start = name.find("::", start + 1)
    return found
