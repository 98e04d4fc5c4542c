"""What a package holds that a deck2anki note has no place for, said once per kind and
note type with a count (issue 16): fields, cloze deletions, cards of later templates, a
student's scheduling. Nothing is dropped without a word."""

from __future__ import annotations

from collections import Counter

from ..errors import Report
from ..model import Location, Note
from . import ankidb


def say(
    where: Location,
    report: Report,
    dropped: Counter[tuple[str, str]],
    clozes: Counter[str],
    cards_dropped: Counter[str],
    scheduling: list[str],
) -> None:
    """One warning per note type and kind of loss, each with its count."""
    for (kind, name), count in sorted(dropped.items()):
        report.warning(
            where,
            f"note type {kind!r}: field {name!r} of {count} {_notes(count)} has no place in a"
            " deck2anki note and is not kept",
            "lossy-conversion",
            "a field named Analogy, Extra or Back Extra in Anki is kept as the analogy",
        )
    for kind, count in sorted(clozes.items()):
        report.warning(
            where,
            f"note type {kind!r}: {count} {_notes(count)} with cloze deletions"
            f" {'is' if count == 1 else 'are'} read as {'a note' if count == 1 else 'notes'}"
            " of deck2anki's cloze note type (Text, Back Extra, Analogy), not of this one",
            "lossy-conversion",
        )
    for kind, count in sorted(cards_dropped.items()):
        if count:
            report.warning(
                where,
                f"note type {kind!r}: {count} {'card' if count == 1 else 'cards'} of its second"
                " and later templates (a reverse card, say)"
                f" {'is' if count == 1 else 'are'} not kept",
                "lossy-conversion",
                "reverse and type-in cards are deck settings in deck2anki.toml",
            )
    if scheduling:
        report.warning(
            where,
            f"scheduling is not kept: {', '.join(scheduling)}; the cards arrive as new cards",
            "lossy-conversion",
            "a collection that imports the result keeps the scheduling it has",
        )


def count(value: object) -> int:
    """A count SQLite summed: an int, or None (no rows), or whatever a damaged table holds."""
    return value if isinstance(value, int) and value > 0 else 0


def _notes(count: int) -> str:
    return "note" if count == 1 else "notes"


def beyond(later: tuple[int, int, int], note: Note, field_names: list[str]) -> int:
    """How many of a note's cards after its first a deck2anki note does not give again: for
    our own note type, the Reverse (2nd) and Type-in (3rd) cards its switches ask for are kept."""
    second, third, rest = later
    ours = {"question", "answer"} <= {name.lower() for name in field_names}
    if ours:
        second = 0 if "Reverse" in note.cards else second
        third = 0 if "Type-in" in note.cards else third
    return second + third + rest


def scheduling(database: ankidb.Collection) -> list[str]:
    """What a package holds of a student's study, as "3 reviews", "1 suspended card"..."""
    found = []
    if "revlog" in database.tables() and (reviews := database.count("revlog")):
        found.append(f"{reviews} {'review' if reviews == 1 else 'reviews'}")
    query = "SELECT SUM(type != 0), SUM(queue = -1), SUM((flags & 7) != 0) FROM cards"
    row = next(database.rows("cards", query), (0, 0, 0))
    for summed, what in zip(row, ("studied", "suspended", "flagged"), strict=True):
        if number := count(summed):
            found.append(f"{number} {what} {'card' if number == 1 else 'cards'}")
    return found
