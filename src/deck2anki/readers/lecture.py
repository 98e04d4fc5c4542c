"""Lecture page text: flashcards copied from a flashcard web page, one line per question and answer.

The shape, all of the preamble optional::

    1/19                                   <- position counter (untrusted)
    Flashcards based on Deep Learning ...  <- the set's description
    Name | Mastery | Learn | Test |        <- the page's table header
    |---|                                  <- and its separator
    No study sessions yet.                 <- a status line
    What is ...?                           <- question
    ... Analogy: ...                       <- answer
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import Report
from ..model import Deck, Location, Note
from . import ReadOptions

_COUNTER = re.compile(r"(\d+)\s*/\s*(\d+)")
_TABLE_SEPARATOR = re.compile(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-*:?\s*)*\|?")
_STATUS = re.compile(
    r"(no study sessions yet|\d+ study sessions?\b.*|last studied\b.*|not studied yet)\.?", re.I
)
_DESCRIPTION = re.compile(r"flashcards\b", re.I)
# How far past a description candidate the page's table or status line may start.
_PREAMBLE_LOOKAHEAD = 3
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _is_marker(line: str) -> bool:
    """A line only the page's chrome has: its table header, separator or status line."""
    return (
        line.count("|") >= 2
        or _TABLE_SEPARATOR.fullmatch(line) is not None
        or _STATUS.fullmatch(line) is not None
    )


def _looks_like_question(line: str) -> bool:
    return line.rstrip().endswith("?")


def parse(text: str, path: str, report: Report, options: ReadOptions | None = None) -> Deck:
    """Read lecture page text into a Deck of unsplit notes; problems go to ``report``."""
    text = text.removeprefix("\ufeff")
    # (line number, text) of every non-blank line; blank lines only separate runs of cards.
    runs: list[list[tuple[int, str]]] = [[]]
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        line = raw.strip()
        if line:
            runs[-1].append((number, line))
        elif runs[-1]:
            runs.append([])
    lines = [entry for run in runs for entry in run]

    declared, description, preamble = _preamble([line for _, line in lines])
    consumed = {number for number, _ in lines[:preamble]}
    runs = [[e for e in run if e[0] not in consumed] for run in runs]

    # Blank lines usually separate cards, but some copies put them between a question and its
    # answer too. Pair both ways; the blank lines are taken as noise only when ignoring them
    # gives a flawless reading and heeding them does not.
    by_run = [_pair(run) for run in runs]
    run_pairs = [pair for pairs, _ in by_run for pair in pairs]
    run_orphans = [orphan for _, orphans in by_run for orphan in orphans]
    all_pairs, all_orphans = _pair([entry for run in runs for entry in run])
    if _doubt(all_pairs, all_orphans) == 0 < _doubt(run_pairs, run_orphans):
        pairs, orphans = all_pairs, all_orphans
    else:
        pairs, orphans = run_pairs, run_orphans
    for number, line in orphans:
        _report_orphan(number, line, path, report)
    notes = [
        Note(question=question, answer=answer, location=Location(path, number, 1))
        for (number, question), (_, answer) in pairs
    ]
    if not notes and not report.has_errors:
        report.error(
            Location(path, 1 if not lines else lines[0][0], 1),
            "no cards found",
            "no-cards",
            "write each card as a question line followed by its answer line",
        )
    if declared is not None and notes and declared != len(notes):
        report.warning(
            Location(path, lines[0][0], 1),
            f"the page counter says {declared} cards, the file holds {len(notes)}; all"
            f" {len(notes)} are kept",
            "counter-mismatch",
            "the counter is copied from the page and is often stale; delete it to silence this",
        )
    return Deck(name="", notes=tuple(notes), description=description, declared_count=declared)


def _preamble(lines: Sequence[str]) -> tuple[int | None, str, int]:
    """Find the page's preamble: (declared count, description, number of lines it takes)."""
    position = 0
    declared: int | None = None
    description = ""
    if lines and (counter := _COUNTER.fullmatch(lines[0])):
        declared = int(counter.group(2))
        position = 1
    if position < len(lines) and not _is_marker(lines[position]):
        ahead = lines[position + 1 : position + 1 + _PREAMBLE_LOOKAHEAD]
        # A description is recognised by its wording or by the page chrome right after it;
        # anything else is the first question.
        if _DESCRIPTION.match(lines[position]) or any(_is_marker(line) for line in ahead):
            description = lines[position]
            position += 1
    while position < len(lines) and _is_marker(lines[position]):
        position += 1
    return declared, description, position


Line = tuple[int, str]


def _pair(run: Sequence[Line]) -> tuple[list[tuple[Line, Line]], list[Line]]:
    """Pair lines into (question, answer); returns the pairs and the lines left without one."""
    pairs: list[tuple[Line, Line]] = []
    orphans: list[Line] = []
    index = 0
    while index < len(run):
        remaining = len(run) - index
        # In an odd run one line has no partner. A question in the answer's place marks it;
        # an even run is paired strictly, so an answer that ends in "?" is never misread.
        if remaining == 1 or (remaining % 2 == 1 and _looks_like_question(run[index + 1][1])):
            orphans.append(run[index])
            index += 1
            continue
        pairs.append((run[index], run[index + 1]))
        index += 2
    return pairs, orphans


def _doubt(pairs: Sequence[tuple[Line, Line]], orphans: Sequence[Line]) -> int:
    """How implausible a reading is: lines left over, and answers that read as questions."""
    misread = sum(1 for _, (_, answer) in pairs if _looks_like_question(answer))
    return len(orphans) + misread


def _report_orphan(number: int, line: str, path: str, report: Report) -> None:
    location = Location(path, number, 1)
    if _looks_like_question(line):
        report.error(
            location,
            "question without an answer",
            "unpaired-question",
            "put the answer on the line after the question",
        )
    else:
        report.error(
            location,
            "line without a partner: a question without its answer, or an answer without its"
            " question",
            "unpaired-line",
            "every card is a question line followed by its answer line",
        )
