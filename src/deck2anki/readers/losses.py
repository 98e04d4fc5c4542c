"""What a package holds that a deck2anki note has no place for, said once per kind and
note type with a count (issue 16): fields, cloze deletions, cards of later templates, a
student's scheduling. Nothing is dropped without a word."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..cards.generated import card_ords
from ..errors import Report
from ..model import Deck, Location, Note, NoteKind
from . import ankidb
from .notetypes import SWITCHES

SHOWN_FIELDS = 4
"""The most field names a warning lists; past it, the first few and how many more."""


@dataclass
class Losses:
    """What a deck2anki note has no place for, per note type (by name)."""

    fields: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per note type, each field some note loses, with its place in the note type."""
    fields_notes: Counter[str] = field(default_factory=Counter)
    """Per note type, how many notes lose at least one field."""
    clozes: Counter[str] = field(default_factory=Counter)
    """Per note type, how many notes with cloze deletions become deck2anki cloze notes."""
    cards: Counter[str] = field(default_factory=Counter)
    """Per note type, how many cards of its second and later templates are not kept."""

    def count_fields(
        self, kind: str, names: Sequence[str], values: Sequence[str], kept: set[str]
    ) -> None:
        """Count the fields of one note of note type ``kind`` that are not among ``kept``
        (its question, answer and analogy); the Add Reverse / Add Type-in switches are cards,
        not fields, and count elsewhere."""
        lost = None
        for place, (name, value) in enumerate(zip(names, values, strict=False)):
            if value and value not in kept and name.lower() not in SWITCHES:
                lost = lost if lost is not None else self.fields.setdefault(kind, {})
                lost.setdefault(name, place)
        if lost is not None:
            self.fields_notes[kind] += 1


def say(where: Location, report: Report, losses: Losses, scheduling: list[str]) -> None:
    """One warning per note type and kind of loss, each with its count."""
    for kind, places in sorted(losses.fields.items()):
        count = losses.fields_notes[kind]
        names = sorted(places, key=places.__getitem__)  # the note type's own order
        report.warning(
            where,
            f"note type {kind!r}: {'field' if len(names) == 1 else 'fields'}"
            f" {_listed(names)} of {count} {_notes(count)}"
            f" {'has' if len(names) == 1 else 'have'} no place in a deck2anki note and"
            f" {'is' if len(names) == 1 else 'are'} not kept",
            "lossy-conversion",
            "a field named Analogy, Extra or Back Extra in Anki is kept as the analogy",
        )
    for kind, count in sorted(losses.clozes.items()):
        report.warning(
            where,
            f"note type {kind!r}: {count} {_notes(count)} with cloze deletions"
            f" {'is' if count == 1 else 'are'} read as {'a note' if count == 1 else 'notes'}"
            " of deck2anki's cloze note type (Text, Back Extra, Analogy), not of this one",
            "lossy-conversion",
        )
    for kind, count in sorted(losses.cards.items()):
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


def _listed(names: list[str]) -> str:
    """'A', 'A' and 'B', 'A', 'B', 'C' and 'D'; past SHOWN_FIELDS: 'A', 'B', 'C' and 27 more,
    so that a note type of many fields still gives a line one can read."""
    quoted = [repr(name) for name in names]
    if len(quoted) > SHOWN_FIELDS:
        return f"{', '.join(quoted[: SHOWN_FIELDS - 1])} and {len(quoted) - SHOWN_FIELDS + 1} more"
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def say_unkept(deck: Deck, where: Location, report: Report) -> None:
    """Say what an output without note types (CSV, TSV, lecture text) drops of the notes of
    ``deck`` that keep a note type of their own (read from JSON or Markdown, which keep
    them whatever the output)."""
    lost = Losses()
    for note in deck.notes:
        if note.notetype is not None:
            tally(note, lost)
    say(where, report, lost, [])


def tally(note: Note, lost: Losses) -> None:
    """What a deck2anki note drops of ``note``, counted as the package reader counts it."""
    notetype = note.notetype
    assert notetype is not None
    kind = notetype.name
    kept = {note.question, note.answer, note.analogy}
    lost.count_fields(kind, notetype.field_names, note.fields, kept)
    if notetype.kind is not NoteKind.STANDARD:
        lost.clozes[kind] += 1
    else:
        # A reverse card its Add Reverse field asks for is deck2anki's Reverse card: kept.
        later = len(card_ords(notetype, note.fields)) - 1 - ("Reverse" in note.cards)
        if later > 0:
            lost.cards[kind] += later


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
