"""Stable identities: note GUIDs, deck and note type ids that never depend on time or machine.

Anki matches an imported note to an existing one by GUID alone (ANKI-FACTS 1), so the GUID
must come from what a note *is* (its deck and question), never from its answer: editing an
answer must update the note in place, not add a second one.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from ..errors import Report
from ..model import Deck, Location, Note
from .lock import LockedNote

# Anki's own GUID alphabet (base 91 of printable ASCII, minus characters that trouble its
# text import and HTML); GUIDs in this alphabet look like the ones Anki makes itself.
_GUID_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
)
# Ids stay below 2**53 so that JavaScript (Anki's web views, AnkiDroid) holds them exactly.
_ID_BITS = 52


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()


def stable_id(*parts: str) -> int:
    """A positive id below 2**53 derived from ``parts`` alone: the same on every machine."""
    value = int.from_bytes(_digest(*parts)[:8], "big") >> (64 - _ID_BITS)
    # Keep clear of the small ids Anki gives its own defaults (deck 1, options group 1).
    return value | (1 << (_ID_BITS - 1))


def normalize_question(question: str) -> str:
    """The part of a question that identifies it: Unicode-normalised, white space folded."""
    if not question.isascii():  # ASCII is already normal; most questions are
        question = unicodedata.normalize("NFC", question)
    folded = " ".join(question.split())
    # Most questions are normal already: keep one string, not two (100,000 notes, 12 MB).
    return question if folded == question else folded


def note_guid(deck_key: str, question: str) -> str:
    """The GUID of a note with ``question`` in the deck identified by ``deck_key``."""
    return _guid(deck_key, normalize_question(question))


def note_derived(deck_key: str, question: str) -> tuple[str, str]:
    """A question's ``normalize_question``, and the GUID it gives in deck ``deck_key``."""
    normalized = normalize_question(question)
    return normalized, _guid(deck_key, normalized)


# Two digits at a time: half the divisions (this runs for every note of every deck).
_GUID_PAIRS = [high + low for high in _GUID_ALPHABET for low in _GUID_ALPHABET]


def _guid(deck_key: str, normalized: str) -> str:
    return _base91(int.from_bytes(_digest("note", deck_key, normalized)[:8], "big"))


def _base91(number: int) -> str:
    """``number`` (not negative) in Anki's GUID alphabet: most significant digit first, no
    leading zeros, "a" for zero."""
    pairs = len(_GUID_PAIRS)
    digits = []
    while number >= pairs:
        number, pair = divmod(number, pairs)
        digits.append(_GUID_PAIRS[pair])
    # What is left is the leading one or two digits (one "a", the zero, if all is zero).
    last = _GUID_PAIRS[number] if number >= len(_GUID_ALPHABET) else _GUID_ALPHABET[number]
    if number or not digits:
        digits.append(last)
    return "".join(reversed(digits))


def deck_id(deck_name: str) -> int:
    """The Anki deck id of the deck called ``deck_name``."""
    return stable_id("deck", deck_name)


_WORD = re.compile(r"\w+")
# ASCII punctuation becomes space before splitting into words: bytes.translate and
# bytes.split run in C, twice as fast as a regular expression over the text.
_ASCII_PUNCTUATION = b".,;:!?()[]{}\"'`*_/\\-<>=|~#$%&+@^"
_PUNCTUATION = bytes.maketrans(_ASCII_PUNCTUATION, b" " * len(_ASCII_PUNCTUATION))
SKETCH_SIZE = 8
"""How many word hashes a fingerprint keeps (a bottom-k MinHash sketch)."""
CLOSE_ANSWER = 0.6
"""Estimated word overlap (Jaccard) from which two answers count as "close". Measured on the
shipped lecture: one word changed in an answer of 30 to 60 words keeps 0.75 or more, three
words 0.5 to 1 (0.88 on average); the answers of two different cards share 0.375 at most."""
# Below this many words an answer alone cannot identify a card ("No.", "Paris")...
LONG_ANSWER_WORDS = 8
# ...and the question must be this similar (difflib's ratio) to count as a rewording.
CLOSE_QUESTION = 0.75


def content_hash(fields: Sequence[str], tags: Sequence[str], media: Sequence[str] = ()) -> str:
    """A hash of everything a note shows: its fields as written, its tags, its media's hashes.

    A changed image keeps its name, so its bytes must count: the note then moves forward and
    Anki takes the new file with it.
    """
    text = "\x1f".join(fields) + "\x1e" + " ".join(tags) + "\x1e" + " ".join(media)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def fingerprint(note: Note) -> str:
    """A similarity sketch of a note's answer and analogy: the smallest CRC-32s of its words.

    Two sketches estimate how many words two answers share, so a note whose question was
    reworded is recognised by its answer without keeping the answer in the lock. CRC-32 in
    C keeps it cheap enough for 100,000 notes.
    """
    words = f"{note.answer} {note.analogy}".lower().encode().translate(_PUNCTUATION).split()
    smallest = sorted(set(map(zlib.crc32, words)))[:SKETCH_SIZE]
    return struct.pack(f">{len(smallest)}I", *smallest).hex()


def similarity(first: str, second: str) -> float:
    """The share of words two fingerprints' answers have in common, estimated (0 to 1)."""
    a, b = _values(first), _values(second)
    union = sorted(a | b)[:SKETCH_SIZE]
    if not union:
        return 1.0
    return sum(1 for value in union if value in a and value in b) / len(union)


def _values(sketch: str) -> set[int]:
    return {int(sketch[i : i + 8], 16) for i in range(0, len(sketch), 8)}


@dataclass(frozen=True, slots=True)
class Relink:
    """A note whose question changed, matched to the note it was, so it keeps its GUID."""

    guid: str
    """The GUID it keeps."""

    old_question: str
    """The question as the lock had it."""

    note: Note
    """The note as the source has it now."""


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
    # The constructor, not dataclasses.replace: this runs once per note of every deck.
    notes = tuple(
        Note(n.question, n.answer, n.analogy, n.tags, guid, n.markup, n.location, n.cards)
        for n, guid in zip(assigned.notes, assigned.guids, strict=True)
    )
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
    _report_duplicates(deck.notes, settled, normalized, report)
    removed = tuple(replace(entry, removed=True) for entry in previous if entry.guid not in taken)
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


def _relinks(
    deck: Deck, pending: list[int], vanished: list[LockedNote], report: Report
) -> list[tuple[int, LockedNote]]:
    """Pairs (new note, vanished entry) whose answers are close, where each has one partner."""
    if not pending or not vanished:
        return []
    prints = {index: fingerprint(deck.notes[index]) for index in pending}
    close = {
        index: [e for e in vanished if _same_card(deck.notes[index], prints[index], e)]
        for index in pending
    }
    partners: dict[str, int] = {}
    for index in pending:
        for entry in close[index]:
            partners[entry.guid] = partners.get(entry.guid, 0) + 1
    pairs = []
    for index in pending:
        candidates = close[index]
        note = deck.notes[index]
        if len(candidates) == 1 and partners[candidates[0].guid] == 1:
            if _plausible(note, candidates[0]):
                pairs.append((index, candidates[0]))
        elif candidates:
            report.warning(
                note.location or Location("<deck>"),
                f"new question {note.question!r} could be a rewording of "
                + " or ".join(repr(e.question) for e in candidates)
                + "; it becomes a new note",
                "ambiguous-rewording",
                "change one question at a time and build in between, so each keeps its reviews",
            )
    return pairs


def could_take(added: Sequence[tuple[str, str]], offered: Sequence[tuple[str, LockedNote]]) -> bool:
    """Whether a note given a new GUID, as (question normalised, fingerprint), may be one of
    the ``offered`` notes (gone from another source): the same question, or a close answer.
    A quick test: ``assign_guids`` decides."""
    if not added:
        return False
    questions = {normalize_question(entry.question) for _, entry in offered}
    return any(
        question in questions
        or any(
            print_
            and (print_ == e.fingerprint or similarity(print_, e.fingerprint) >= CLOSE_ANSWER)
            for _, e in offered
        )
        for question, print_ in added
    )


def _same_card(note: Note, print_: str, entry: LockedNote) -> bool:
    """Whether a new note is the vanished ``entry`` with its question reworded.

    The answer must be close. A short answer ("No.", "Paris") says little about which card
    it belongs to, so then the question must be close too, unless the answer is the very
    same: then it is a candidate whatever the question, and ``_relinks`` takes it when it is
    the one vanished note with that answer and ``_plausible``. A short answer's sketch holds
    all its words, so equal sketches are the same words.
    """
    if print_ and print_ == entry.fingerprint:
        return True
    if similarity(print_, entry.fingerprint) < CLOSE_ANSWER:
        return False
    if len(_WORD.findall(f"{note.answer} {note.analogy}")) >= LONG_ANSWER_WORDS:
        return True
    old, new = normalize_question(entry.question).lower(), normalize_question(note.question).lower()
    matcher = SequenceMatcher(None, old, new)
    # The cheap upper bounds first: the full ratio is quadratic in the length of questions.
    return (
        matcher.real_quick_ratio() >= CLOSE_QUESTION
        and matcher.quick_ratio() >= CLOSE_QUESTION
        and matcher.ratio() >= CLOSE_QUESTION
    )


# Words every question may hold: sharing one says nothing of two questions' subject.
_QUESTION_WORDS = frozenset(
    [
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "does",
        "did",
        "the",
        "and",
        "for",
        "are",
        "was",
        "were",
        "its",
        "that",
        "this",
        "with",
        "from",
        "can",
        "not",
        "has",
        "have",
    ]
)


def _plausible(note: Note, entry: LockedNote) -> bool:
    """Whether the one vanished note with a new note's very answer is that note reworded.

    A long answer says so; a short one ("No.") only with questions of one subject: close,
    or sharing a word of it ("PCB"). Otherwise the new note is another card ("Is softmax
    linear?" after "Is ReLU differentiable at zero?" was deleted), and gets no one's reviews.
    """
    if len(_WORD.findall(f"{note.answer} {note.analogy}")) >= LONG_ANSWER_WORDS:
        return True
    old, new = normalize_question(entry.question).lower(), normalize_question(note.question).lower()
    if SequenceMatcher(None, old, new).ratio() >= CLOSE_QUESTION:
        return True
    return _share_a_word(note.question, entry.question)


def _share_a_word(first: str, second: str) -> bool:
    """Whether two questions share a word of their subject ("PCB"): with the very same short
    answer ("No."), a question that shares none is another card, not a rewording."""

    def words(text: str) -> set[str]:
        found = {w.lower() for w in _WORD.findall(normalize_question(text))}
        return {w for w in found if len(w) >= 3 and w not in _QUESTION_WORDS}

    return bool(words(first) & words(second))


def _report_duplicates(
    notes: Sequence[Note], guids: Sequence[str], normalized: Sequence[str], report: Report
) -> None:
    """Two notes with one GUID are one note to Anki: an error. So are two with one question
    when either takes its GUID from the question (ANKI-FACTS 1: Anki matches by GUID only);
    two notes that each pin their own GUID (a package's, an Anki export's) may share one."""
    if len(set(normalized)) == len(normalized) and len(set(guids)) == len(guids):
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
