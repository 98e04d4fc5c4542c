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
from ..model import Deck, Location, Markup, Note
from . import ReadOptions

_COUNTER = re.compile(r"(\d+)\s*/\s*(\d+)")
# One cell of the page's table separator, white space stripped: "---", ":---:", "" ...
_SEPARATOR_CELL = re.compile(r":?-*:?")
_STATUS = re.compile(
    r"(no study sessions yet|\d+ study sessions?\b.*|last studied\b.*|not studied yet)\.?", re.I
)
_DESCRIPTION = re.compile(r"flashcards\b", re.I)
# How far past a description candidate the page's table or status line may start.
_PREAMBLE_LOOKAHEAD = 3


def _is_table_row(line: str) -> bool:
    """The page's table header: three or more short, non-empty cells between pipes."""
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return len(cells) >= 3 and all(
        cell and len(cell.split()) <= 4 and not cell.endswith("?") for cell in cells
    )


def _is_table_separator(line: str) -> bool:
    """``|---|:--:|``: cells of dashes, the first of three or more, an optional pipe at each end.

    Cell by cell, not one pattern for the line: a pattern whose repeated cells may each be
    empty or white space backtracks exponentially on a line of many ``| `` (issue 13).
    """
    cells = line.removeprefix("|").split("|")
    first = cells[0].strip()
    return (
        first.strip(":").startswith("---")
        and _SEPARATOR_CELL.fullmatch(first) is not None
        and all(_SEPARATOR_CELL.fullmatch(cell.strip()) for cell in cells[1:])
    )


def _is_chrome(line: str) -> bool:
    """The page's table header or separator: what tells a description from a first question."""
    return _is_table_row(line) or _is_table_separator(line)


def _is_marker(line: str) -> bool:
    """A line only the page's chrome has: its table header, separator or status line."""
    return _is_chrome(line) or _STATUS.fullmatch(line) is not None


def _looks_like_question(line: str) -> bool:
    return line.rstrip().endswith("?")


def parse(text: str, path: str, report: Report, options: ReadOptions | None = None) -> Deck:
    """Read lecture page text into a Deck of unsplit notes; problems go to ``report``."""
    text = text.removeprefix("\ufeff")
    # (line number, text) of every non-blank line; blank lines only separate runs of cards.
    runs: list[list[tuple[int, str]]] = [[]]
    if "\r" in text:  # only then: each replace copies the whole text
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines_of_text = text.split("\n")
    for number, raw in enumerate(lines_of_text, start=1):
        line = raw.strip()
        if line:
            runs[-1].append((number, line))
        elif runs[-1]:
            runs.append([])
    lines = [entry for run in runs for entry in run]

    declared, description, preamble = _preamble([line for _, line in lines])
    # The preamble is the first lines read: drop them from the front of the runs.
    left = preamble
    for index, run in enumerate(runs):
        if not left:
            break
        taken = min(left, len(run))
        runs[index] = run[taken:]
        left -= taken

    # Blank lines usually separate cards, but some copies put them between a question and its
    # answer too. Pair both ways and keep the more plausible reading; a tie keeps the cards
    # the blank lines draw.
    by_run = [_pair(run) for run in runs]
    run_cost = sum(cost for cost, _, _ in by_run)
    # Ignoring blank lines reads a single run the same way, and nothing beats a reading that
    # costs nothing: only several runs read at a cost need a second look.
    all_cost, all_pairs, all_orphans = (
        _pair([entry for run in runs for entry in run])
        if len(runs) > 1 and run_cost > 0
        else by_run[0]
    )
    if all_cost < run_cost:
        pairs, orphans = all_pairs, all_orphans
    else:
        pairs = [pair for _, run_pairs, _ in by_run for pair in run_pairs]
        orphans = [orphan for _, _, run_orphans in by_run for orphan in run_orphans]
    for number, line in orphans:
        _report_orphan(number, line, path, report)
    notes = [
        Note(question, answer, markup=Markup.TEXT, location=Location(path, number, 1))
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


def reads_as_description(line: str) -> bool:
    """Whether ``line``, written between a counter and the table separator, reads back as the
    deck's description (a line that asks, or looks like page chrome, does not)."""
    return _preamble(["1/1", line, "|---|"])[1] == line


def _preamble(lines: Sequence[str]) -> tuple[int | None, str, int]:
    """Find the page's preamble: (declared count, description, number of lines it takes)."""
    position = 0
    declared: int | None = None
    description = ""
    if lines and (counter := _COUNTER.fullmatch(lines[0])):
        declared = int(counter.group(2))
        position = 1
    if position < len(lines) and not _is_marker(lines[position]):
        candidate = lines[position]
        ahead = lines[position + 1 : position + 1 + _PREAMBLE_LOOKAHEAD]
        # A description is recognised by its wording or by the page's table right after it;
        # anything else, and anything asking a question, is the first card.
        if not _looks_like_question(candidate) and (
            _DESCRIPTION.match(candidate) or any(_is_chrome(line) for line in ahead)
        ):
            description = lines[position]
            position += 1
    while position < len(lines) and _is_marker(lines[position]):
        position += 1
    return declared, description, position


Line = tuple[int, str]

# What a reading costs: a line left over is an error the user sees and fixes, so it costs
# less than a pair that would silently make a wrong card: an "answer" that asks a question,
# or a "question" that reads like an answer's last sentence.
_ORPHAN = 2
_ANSWER_ASKS = 4
_QUESTION_STATES = 3


def _pair_cost(question: str, answer: str) -> int:
    cost = _ANSWER_ASKS if _looks_like_question(answer) else 0
    if question.endswith((".", "!")) and not _looks_like_question(question):
        cost += _QUESTION_STATES
    return cost


def _pair(run: Sequence[Line]) -> tuple[int, list[tuple[Line, Line]], list[Line]]:
    """The cheapest reading of ``run`` as (question, answer) pairs and lines left over.

    A small dynamic program: each line either starts a pair with the next one or is left
    over; ties prefer pairs, so a well-formed file is read as strictly alternating lines.
    """
    size = len(run)
    # A well-formed file pairs strictly with no cost at all: no search needed (the usual case).
    if size % 2 == 0 and not any(_pair_cost(run[i][1], run[i + 1][1]) for i in range(0, size, 2)):
        return 0, [(run[i], run[i + 1]) for i in range(0, size, 2)], []
    best: list[tuple[int, int]] = [(0, 0)] * (size + 2)  # (cost, step) from position i on
    for index in range(size - 1, -1, -1):
        options = [(_ORPHAN + best[index + 1][0], 1)]
        if index + 1 < size:
            cost = _pair_cost(run[index][1], run[index + 1][1]) + best[index + 2][0]
            options.insert(0, (cost, 2))
        best[index] = min(options, key=lambda option: option[0])
    pairs: list[tuple[Line, Line]] = []
    orphans: list[Line] = []
    index = 0
    while index < size:
        if best[index][1] == 2:
            pairs.append((run[index], run[index + 1]))
            index += 2
        else:
            orphans.append(run[index])
            index += 1
    return best[0][0] if size else 0, pairs, orphans


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
