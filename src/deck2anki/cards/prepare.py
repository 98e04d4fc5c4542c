"""A note as read, made ready for a card: Markdown where package HTML allows, invisible
characters gone, the analogy split off, the note rules applied.

Each note is prepared on its own; a build does this together with the rest of each note's
work.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from ..errors import Diagnostic, Report, Severity
from ..model import Deck, Markup, Note
from .rules import MAX_FIELD, lint_note
from .split import split_note

Changed = tuple[str, str, str, Markup | None]
"""A prepared note's question, answer and analogy, and its markup if that changed."""


def note_changes(note: Note, path: str) -> tuple[Changed | None, list[Diagnostic]]:
    """One note read from ``path``, made ready: its text if that changed, and what the note
    rules find in it (every rule on).

    Only what changed comes back; ``prepared`` makes the note of it.
    """
    # Package HTML that Markdown can say exactly becomes Markdown: editable, and splittable.
    # Not a field over the limit, which the rules refuse anyway: converting a megabyte of HTML
    # only to refuse it costs seconds (issue 13).
    if note.markup is Markup.HTML:
        from .unrender import as_markdown  # here: only package HTML needs the HTML parser

        fits = max(len(note.question), len(note.answer), len(note.analogy)) <= MAX_FIELD
        ready = (as_markdown(note) or note) if fits else note
    else:
        ready = _visible(note)
    ready = split_note(ready)
    findings = lint_note(ready, path)
    if ready is note:
        return None, findings
    # The markup only when it changed.
    markup = ready.markup if ready.markup is not note.markup else None
    return (ready.question, ready.answer, ready.analogy, markup), findings


def with_changes(note: Note, changed: Changed | None, tags: tuple[str, ...] | None = None) -> Note:
    """``note`` with the text ``note_changes`` gave it (and, if given, other ``tags``)."""
    if changed is None:
        return note if tags is None else note.but(tags=tags)
    question, answer, analogy, markup = changed
    return note.but(question, answer, analogy, tags=tags, markup=markup)


def reported(findings: list[Diagnostic], disabled: Collection[str]) -> list[Diagnostic]:
    """The findings to report: every error, and the warnings not switched off."""
    return [d for d in findings if d.rule not in disabled or d.severity is Severity.ERROR]


def prepare_deck(deck: Deck, path: str, report: Report, disabled: Collection[str]) -> Deck:
    """Every note of ``deck`` (read from ``path``) prepared; findings go to ``report``."""
    notes = []
    for note in deck.notes:
        changed, findings = note_changes(note, path)
        notes.append(with_changes(note, changed))
        report.diagnostics += reported(findings, disabled)
    return replace(deck, notes=tuple(notes))


# Invisible characters with no job in card text are dropped: a zero-width space or a stray
# byte-order mark would split words for search and for the type-in comparison. Zero-width
# (non-)joiners stay (Persian, Hindi, emoji need them), and so do non-breaking spaces.
_INVISIBLE = str.maketrans({"\u200b": None, "\ufeff": None})


def _visible(note: Note) -> Note:
    fields = (note.question, note.answer, note.analogy)
    joined = "".join(fields)  # one search of each character, not one a field
    if "\u200b" not in joined and "\ufeff" not in joined:
        return note
    question, answer, analogy = (value.translate(_INVISIBLE) for value in fields)
    return note.but(question, answer, analogy)
