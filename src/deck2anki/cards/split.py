"""Answer / analogy splitting: the only place the rule lives.

An answer often ends with an analogy. The rules, tried in order on an answer that has no
analogy yet; the first that matches splits it:

======================  ===============================================================
rule                    what it matches
======================  ===============================================================
labelled                ``... last sentence. Analogy: a mill turned by a stream.``
                        everything after the first label is the analogy, label dropped
self-naming sentence    a sentence, not the first, that names the analogy itself:
                        ``To keep with our dog analogy, ...``; it and what follows move
======================  ===============================================================

Sentences that open with an example marker ("For example", "For instance") are examples,
not analogies: they stay in the answer, and a self-naming sentence is never one of them.
"""

from __future__ import annotations

import re

from ..model import Markup, Note

LABELS: tuple[str, ...] = ("Analogy",)
"""Labels that introduce an analogy, each followed by a colon."""

SELF_NAMING_WORDS: tuple[str, ...] = ("analogy",)
"""Words by which a sentence names itself an analogy."""

EXAMPLE_MARKERS: tuple[str, ...] = ("For example", "For instance", "E.g.", "e.g.")
"""Openings of sentences that are examples and stay in the answer."""

_KEYS = tuple(dict.fromkeys(word.lower() for word in (*LABELS, *SELF_NAMING_WORDS)))
_LABEL_WORDS = tuple(label.lower() for label in LABELS)
_COLON = re.compile(r"\s*:\s*")
_SELF_NAMING = re.compile(r"\b(?:" + "|".join(map(re.escape, SELF_NAMING_WORDS)) + r")\b", re.I)
# A sentence ends at . ! or ? followed by space and a capital letter or an opening quote;
# "e.g. keras", ".map() method" and "0.5" therefore never end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]’”]?\s+(?=[A-Z\"'“‘(])")


_FENCE_LINE = re.compile(r" {0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")


def code_span_ranges(text: str) -> list[tuple[int, int]]:
    """Where Markdown code spans are, as CommonMark finds them, in one pass.

    A run of n backticks opens a span that the next run of exactly n closes; a run with no
    closer is plain text. (A regular expression with a back-reference takes quadratic time
    on runs of decreasing length; this stays linear.)
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    closer: list[int | None] = [None] * len(runs)
    seen: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        closer[index] = seen.get(length)
        seen[length] = index
    spans = []
    index = 0
    while index < len(runs):
        match = closer[index]
        if match is None:
            index += 1
            continue
        spans.append((runs[index][0], runs[match][1]))
        index = match + 1
    return spans


def mask_code(text: str) -> str:
    """``text`` with its Markdown code blanked out, same length: code never holds an analogy."""
    masked = list(text)
    position = 0
    fence = ""
    for line in text.split("\n"):
        opening = _FENCE_LINE.match(line)
        if fence or opening:
            masked[position : position + len(line)] = " " * len(line)
            if (
                fence
                and opening
                and opening.group(1)[0] == fence[0]
                and len(opening.group(1)) >= len(fence)
            ):
                fence = ""
            elif not fence and opening:
                fence = opening.group(1)
        position += len(line) + 1
    for start, end in code_span_ranges("".join(masked)):
        masked[start:end] = (" " if c != "\n" else c for c in masked[start:end])
    return "".join(masked)


def split_answer(answer: str, markdown: bool = False) -> tuple[str, str]:
    """Split an answer into (answer, analogy); the analogy is "" when there is none.

    In Markdown, code blocks and code spans are left out of the search.
    """
    lowered = answer.lower()
    # Neither a label nor a self-naming word: nothing to split (most answers; no regex runs).
    for key in _KEYS:  # a loop, not any() over a generator: this runs for every note
        if key in lowered:
            break
    else:
        return answer, ""
    searched = mask_code(answer) if markdown else answer
    label = _find_label(searched, lowered)
    if label is not None and answer[: label[0]].strip():
        return answer[: label[0]].rstrip(), answer[label[1] :].strip()
    # Positions, not slices: a copy of the rest of the answer per sentence is quadratic in an
    # answer of many short sentences (issue 13).
    ends = list(_SENTENCE_END.finditer(searched))
    for number, end in enumerate(ends):
        start = end.end()
        if searched.startswith(EXAMPLE_MARKERS, start):
            continue
        # The sentence runs to the character after its closing mark (as it always did).
        following = ends[number + 1].start() + 1 if number + 1 < len(ends) else len(searched)
        if _SELF_NAMING.search(searched, start, following):
            return answer[:start].rstrip(), answer[start:].strip()
    return answer, ""


def _find_label(text: str, lowered: str) -> tuple[int, int] | None:
    """Where the first label (a whole word, then a colon) starts, and where its text starts.

    ``str.find`` walks the text in C; the regular expression only confirms a candidate.
    """
    found: tuple[int, int] | None = None
    for word in _LABEL_WORDS:
        start = lowered.find(word)
        while start >= 0 and (found is None or start < found[0]):
            after = _COLON.match(text, start + len(word))
            if after and (start == 0 or text[start - 1].isspace()):
                found = (start, after.end())
                break
            start = lowered.find(word, start + 1)
    return found


def split_note(note: Note) -> Note:
    """The note with its analogy moved out of the answer, unless it already has one."""
    if note.analogy or note.markup is Markup.HTML:
        return note
    answer, analogy = split_answer(note.answer, markdown=note.markup is Markup.MARKDOWN)
    if not analogy:
        return note
    return note.but(answer=answer, analogy=analogy)
