"""Recognising a note whose question was reworded, or that moved to another source, so that
it keeps its GUID (and students their reviews): its answer's fingerprint, how close two are,
and the rules that pair a new note with the one that vanished.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from ..errors import Report
from ..model import Deck, Location, Note
from .guids import normalize_question
from .lock import LockedNote

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
    # Sorted as they come, then the first SKETCH_SIZE distinct ones taken: a set of every
    # word's CRC first (what ``sorted(set(...))[:SKETCH_SIZE]`` makes) costs more than the
    # few repeats skipped here; the values are the same.
    values = list(map(zlib.crc32, words))
    values.sort()
    smallest: list[int] = []
    last = -1  # no CRC-32
    for value in values:
        if value != last:
            smallest.append(value)
            last = value
            if len(smallest) == SKETCH_SIZE:
                break
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
