"""The identity rule: every note of a deck gets its GUID, from the lock where the lock knows
it (the question as it was, re-linked or moved: ``relink``), else derived anew (``guids``);
and each note's modification time, which moves only when its content does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..errors import Report
from ..model import Deck, Location, Note
from .guids import _guid, normalize_question, note_derived
from .lock import LockedNote
from .relink import Relink, _relinks


@dataclass(frozen=True, slots=True)
class Identified:
    """A deck whose every note has its GUID, and what that took."""

    deck: Deck
    """The deck, every note with a GUID."""

    relinked: tuple[Relink, ...] = ()
    """Notes whose reworded question was matched to their old GUID."""

    removed: tuple[LockedNote, ...] = ()
    """Notes of the lock that are no longer in the source, marked removed."""

    newly_removed: tuple[LockedNote, ...] = ()
    """Of ``removed``, those that were still present at the previous build."""


@dataclass(frozen=True, slots=True)
class Assigned:
    """Every note's GUID, in the deck's order, and what that took (``assign_guids``)."""

    guids: tuple[str, ...]
    """The GUID of each note of the deck, in order."""

    relinked: tuple[Relink, ...] = ()
    """Notes whose reworded question was matched to their old GUID."""

    removed: tuple[LockedNote, ...] = ()
    """Notes of the lock that are no longer in the source, marked removed."""

    newly_removed: tuple[LockedNote, ...] = ()
    """Of ``removed``, those that were still present at the previous build."""

    notes: tuple[Note, ...] = ()
    """The deck's notes as identified: those ``prepared_at`` gave anew where it did, without
    GUIDs."""

    adopted: tuple[LockedNote, ...] = ()
    """Of the ``adoptable`` notes (gone from another source), those this deck took over."""

    added: tuple[int, ...] = ()
    """The indexes of the notes given a new GUID: new to the deck as far as it can tell."""


def identify(
    deck: Deck,
    previous: Sequence[LockedNote],
    report: Report,
    derived: Sequence[tuple[str, str]] | None = None,
    prepared_at: Callable[[int], Note] | None = None,
) -> Identified:
    """The deck with every note given its GUID (``assign_guids``, which says how)."""
    assigned = assign_guids(deck, previous, report, derived, prepared_at)
    notes = tuple(n.but(guid=g) for n, g in zip(assigned.notes, assigned.guids, strict=True))
    return Identified(
        replace(deck, notes=notes), assigned.relinked, assigned.removed, assigned.newly_removed
    )


def assign_guids(
    deck: Deck,
    previous: Sequence[LockedNote],
    report: Report,
    derived: Sequence[tuple[str, str]] | None = None,
    prepared_at: Callable[[int], Note] | None = None,
    seed: str | None = None,
    adoptable: Sequence[LockedNote] = (),
) -> Assigned:
    """Every note's GUID: pinned by the source, remembered by the lock, or derived.

    A note keeps the GUID the lock has for its question. A note whose question is new is
    matched to a note that disappeared when its answer is close (or the same, however short)
    and the match is unambiguous (a reworded question). ``adoptable`` are notes that left
    another source of the project in this build: a note with one of their questions (or
    re-linked to one) takes its GUID, the card moved. Otherwise the GUID is derived from
    ``seed`` (default: the deck's name; a project build gives the source's key, which no
    setting changes) and the question.
    ``derived`` may give, per note, its ``normalize_question`` and ``note_guid`` already
    worked out (a build does that with the rest of each note's work; "" for a GUID not
    worked out). ``prepared_at`` may give the note at an index as it must be compared with
    vanished notes (a build takes unchanged notes from its previous build without splitting
    them again; the rare one that needs a new GUID is split then).
    """
    by_question: dict[str, LockedNote] = {}
    for entry in previous:
        by_question.setdefault(normalize_question(entry.question), entry)
    seed = deck.name if seed is None else seed
    if derived is None:
        derived = [note_derived(seed, note.question) for note in deck.notes]
    normalized = [question for question, _ in derived]
    guids: list[str | None] = []
    taken: set[str] = set()
    for note, question in zip(deck.notes, normalized, strict=True):
        guid = note.guid
        if guid is None:
            known = by_question.get(question)
            guid = known.guid if known is not None and known.guid not in taken else None
        guids.append(guid)
        if guid is not None:
            taken.add(guid)
    del by_question  # not needed again: 100,000 notes, 4 MB at a rebuild's peak

    vanished = [entry for entry in previous if entry.guid not in taken and not entry.removed]
    pending = [index for index, guid in enumerate(guids) if guid is None]
    adopted: list[LockedNote] = []
    if adoptable and pending:  # a card moved here from another source keeps its note
        elsewhere: dict[str, list[LockedNote]] = {}
        for entry in adoptable:
            if entry.guid not in taken:
                elsewhere.setdefault(normalize_question(entry.question), []).append(entry)
        for index in pending:
            found = elsewhere.get(normalized[index], [])
            if len(found) == 1 and found[0].guid not in taken:
                guids[index] = found[0].guid
                taken.add(found[0].guid)
                adopted.append(found[0])
        pending = [index for index in pending if guids[index] is None]
        others = {entry.guid for entry in previous}
        vanished += [e for e in adoptable if e.guid not in taken and e.guid not in others]
    if prepared_at is not None and pending:
        whole = list(deck.notes)
        for index in pending:
            whole[index] = prepared_at(index)
        deck = replace(deck, notes=tuple(whole))
    relinked = []
    moving = {entry.guid for entry in adoptable}
    for index, entry in _relinks(deck, pending, vanished, report):
        guids[index] = entry.guid
        taken.add(entry.guid)
        relinked.append(Relink(entry.guid, entry.question, deck.notes[index]))
        if entry.guid in moving:
            adopted.append(entry)
    added = []
    # The last salt each question took: the n-th copy of one question starts from there, not
    # from 1, or n copies cost n**2 / 2 hashes (issue 13). A salt skipped is taken for good.
    salts: dict[str, int] = {}
    for index in pending:
        if guids[index] is None:
            guid = derived[index][1] or _guid(seed, normalized[index])
            salt = salts.get(normalized[index], 0)
            while guid in taken:  # only when two questions normalise alike: duplicates
                salt += 1
                guid = _guid(seed, f"{normalized[index]}\x00{salt}")
            salts[normalized[index]] = salt
            guids[index] = guid
            taken.add(guid)
            added.append(index)

    settled = tuple(guid for guid in guids if guid is not None)
    assert len(settled) == len(guids), "every note has its GUID by now"
    # ``taken`` holds every GUID given, each once: the GUIDs are distinct when it holds as
    # many as there are notes. It and the list go before the check of the questions makes
    # a set of them (a 100,000-note rebuild peaked there: 4 MB each).
    distinct = len(taken) == len(settled)
    removed = tuple(replace(entry, removed=True) for entry in previous if entry.guid not in taken)
    del taken, guids
    _report_duplicates(deck.notes, settled, normalized, report, distinct)
    was_present = {entry.guid for entry in vanished}
    newly_removed = tuple(entry for entry in removed if entry.guid in was_present)
    return Assigned(
        settled,
        tuple(relinked),
        removed,
        newly_removed,
        deck.notes,
        tuple(adopted),
        tuple(added),
    )


def _report_duplicates(
    notes: Sequence[Note],
    guids: Sequence[str],
    normalized: Sequence[str],
    report: Report,
    distinct: bool,
) -> None:
    """Two notes with one GUID are one note to Anki: an error. So are two with one question
    when either takes its GUID from the question (ANKI-FACTS 1: Anki matches by GUID only);
    two notes that each pin their own GUID (a package's, an Anki export's) may share one.
    ``distinct``: whether the ``guids`` are."""
    if distinct and len(set(normalized)) == len(normalized):
        return  # none (the usual case): the notes need no dictionary to be told apart
    questions: dict[str, Note] = {}
    derived: dict[str, Note] = {}  # the first note of each question whose GUID is not pinned
    by_guid: dict[str, Note] = {}
    for note, guid, question in zip(notes, guids, normalized, strict=True):
        earlier = (derived if note.guid is not None else questions).get(question, note)
        questions.setdefault(question, note)
        if note.guid is None:
            derived.setdefault(question, note)
        what = "this question is already in the deck"
        hint = "Anki would take both cards for one note: reword one question or merge them"
        if earlier is note:
            earlier = by_guid.setdefault(guid, note)
            what = f"this note's id {guid!r} is already used"
            hint = "Anki would take both for one note: remove one, or give it another id"
        if earlier is not note:
            where = earlier.location
            if where and where.line:
                what += f" (line {where.line})"
            elif note.location is None or note.location.line is None:
                # No line to point at (a package's notes): the questions tell them apart.
                what += f": {_short(note.question)} and {_short(earlier.question)}"
            report.error(note.location or Location("<deck>"), what, "duplicate-question", hint)


def _short(text: str) -> str:
    """A question as a message quotes it: its first 60 characters."""
    return repr(text[:60] + ("..." if len(text) > 60 else ""))


def next_mod(previous: LockedNote | None, content: str, now: int) -> int:
    """A note's ``mod``: unchanged while its content is, else later than any it had before.

    Anki updates a note only when the incoming ``mod`` is strictly newer (ANKI-FACTS 2), so a
    change always moves it forward, even within one second of the previous build.
    """
    if previous is None:
        return now
    if previous.content == content:
        return previous.mod
    return max(now, previous.mod + 1)
