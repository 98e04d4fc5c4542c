"""The rules ``deck2anki check`` (and every build) applies to a deck after it is read.

Readers report what makes a file unreadable (a question without an answer). These rules look
at the notes themselves: what Anki would not survive, and splits that look wrong. Warnings
can be switched off by name in ``deck2anki.toml`` (``[check] disable = ["rule", ...]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import Diagnostic, Report, Severity
from ..model import Location, Markup, Note, is_cloze
from . import cloze
from .split import LABELS


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: its name, how bad a finding is, and what it looks for."""

    name: str
    """The name messages end with, in brackets, and the config switches off."""

    severity: Severity
    """Errors stop a build; warnings do not (unless ``check --strict``)."""

    summary: str
    """One line for the README and ``deck2anki check --rules``."""


RULES: tuple[Rule, ...] = (
    Rule("unpaired-question", Severity.ERROR, "a question line without an answer"),
    Rule("unpaired-line", Severity.ERROR, "a line without a partner (question or answer)"),
    Rule("empty-question", Severity.ERROR, "a card with an empty question"),
    Rule("empty-answer", Severity.ERROR, "a card with an empty answer"),
    Rule("no-cards", Severity.ERROR, "a source without any card"),
    Rule("duplicate-question", Severity.ERROR, "two cards with one question (one note to Anki)"),
    Rule("control-character", Severity.ERROR, "a control character Anki cannot store"),
    Rule("bad-deck-name", Severity.ERROR, "a deck name with an empty part (Anki: 'blank')"),
    Rule("field-too-long", Severity.ERROR, "a field over 100,000 characters"),
    Rule("missing-media", Severity.ERROR, "an image that is not there"),
    Rule("media-outside", Severity.ERROR, "an image path leading out of the project"),
    Rule("encoding", Severity.ERROR, "a file that is not text in the expected encoding"),
    Rule("bad-tag", Severity.ERROR, "a tag with a space or a control character"),
    Rule("empty-field", Severity.ERROR, "an Anki text row without a question or an answer"),
    Rule("several-decks", Severity.ERROR, "rows of one delimited file naming several decks"),
    Rule("front-matter", Severity.ERROR, "Markdown front matter that cannot be read"),
    Rule("bad-note-block", Severity.ERROR, "an anki-note block that is not valid"),
    Rule("bad-notetype", Severity.ERROR, "a note type's files beside a Markdown deck, not valid"),
    Rule("unknown-notetype", Severity.ERROR, "a Markdown note of a note type not beside it"),
    Rule("unknown-field", Severity.ERROR, "a Markdown section naming no field of its note type"),
    Rule("bad-csv", Severity.ERROR, "CSV or Anki text that is not valid"),
    Rule("bad-json", Severity.ERROR, "JSON that is not a deck2anki deck"),
    Rule("not-a-package", Severity.ERROR, "a file that is not an Anki package"),
    Rule("damaged-package", Severity.ERROR, "an Anki package that is damaged"),
    Rule("package-too-large", Severity.ERROR, "a package past a limit (size, value, notes, cards)"),
    Rule(
        "notetype-clash",
        Severity.ERROR,
        "notes of deck2anki's note type beside one changed in Anki under its id",
    ),
    Rule("counter-mismatch", Severity.WARNING, "the page counter disagrees with the cards"),
    Rule("double-analogy", Severity.WARNING, "two Analogy: labels in one answer"),
    Rule("empty-analogy", Severity.WARNING, "an Analogy: label with nothing after it"),
    Rule("long-analogy", Severity.WARNING, "an analogy longer than its answer"),
    Rule("dollar-math", Severity.WARNING, "$...$ in plain text, which Anki does not read as math"),
    Rule("unbalanced-math", Severity.WARNING, "\\( without \\) or \\[ without \\]"),
    Rule(
        "active-html",
        Severity.WARNING,
        "HTML that runs or loads code: <script>, on...= handlers, javascript: links, <iframe>,"
        " <object>, <embed>",
    ),
    Rule(
        "missing-anki-media",
        Severity.WARNING,
        "a media file notes from Anki (their id pinned) refer to, not exported with them",
    ),
    Rule("media-renamed", Severity.WARNING, "two images with one file name; one is renamed"),
    Rule("notes-removed", Severity.WARNING, "notes the lock has that the source no longer has"),
    Rule("notetype-fork", Severity.WARNING, "a change that would fork the note type"),
    Rule("unknown-source", Severity.WARNING, "a file or folder in sources/ that is no source"),
    Rule("ambiguous-rewording", Severity.WARNING, "a new question that may reword several"),
    Rule("front-matter-key", Severity.WARNING, "a front matter key deck2anki does not know"),
    Rule("unknown-column", Severity.WARNING, "delimited columns that map to no field"),
    Rule("unused-config", Severity.WARNING, "a [decks.NAME] section that names no source"),
    Rule("updates-every-note", Severity.WARNING, "a build that updates every note of a deck"),
    Rule("renamed-deck", Severity.WARNING, "a deck renamed: students keep it under the old name"),
    Rule("format-guess", Severity.WARNING, "a format guessed from the content, not the name"),
    Rule("lossy-conversion", Severity.WARNING, "what the output format cannot hold"),
    Rule("cloze-past-limit", Severity.WARNING, "a cloze number past c500, which no card asks"),
)
"""Every rule deck2anki has, errors first."""

RENAMED = {"script-in-html": "active-html"}
"""Former rule names, which ``[check] disable`` still takes, and the rule each is now."""

MAX_FIELD = 100_000
"""Characters a field may hold."""

_LABEL = re.compile(r"(?:^|(?<=\s))(?:" + "|".join(map(re.escape, LABELS)) + r")\s*:", re.I)
_LABEL_WORDS = tuple(label.lower() for label in LABELS)
_DANGLING_LABEL = re.compile(_LABEL.pattern + r"\s*$", re.I)
_DOLLAR_MATH = re.compile(r"(?<![\\$])\$(?=\S)[^$\n]+(?<=\S)\$(?!\d)")
# HTML that runs or loads code on the card. Each pattern is linear: a literal or a tag's
# "<" starts it, and no two quantifiers can share a character (issue 13).
_ACTIVE_TAG = re.compile(r"<\s*(?:[a-z][\w-]*:)?(script|iframe|frame|object|embed)\b", re.I)
# A start tag with its attributes, quoted values whole (they may hold ">"); everything after
# "<name" is optional, so the pattern never backtracks.
_START_TAG = re.compile(
    r"""<[a-z][^\s/>]*(?:[\s/]+[^\s/>=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?)*""", re.I
)
_HANDLER = re.compile(r"[\s/\"'](on[a-z]+)\s*=", re.I)
# Browsers ignore white space inside a URL's scheme: "java script:" runs too.
_JAVASCRIPT = re.compile(r"\s*".join("javascript:"), re.I)
# C0 controls and DEL, but tab and line breaks: "\x1f" would even split Anki's fields apart.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def rule(name: str) -> Rule:
    """The rule called ``name``."""
    for candidate in RULES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def lint_note(note: Note, path: str) -> list[Diagnostic]:
    """What the note rules find in one note read from ``path``, every rule on."""
    question, answer, analogy = note.question, note.answer, note.analogy
    # Every rule needs one of these to find anything; most notes have none of them, and
    # this runs for every note of every deck.
    if (
        not note.tags
        and note.markup is not Markup.HTML
        and len(question) + len(answer) + len(analogy) <= MAX_FIELD
        and not _suspect(question + answer + analogy)  # one look at the three, not three
        and "{{c" not in question  # a cloze note: its numbers are checked
    ):
        if len(analogy) <= len(answer) and not _has_label(analogy or answer):
            return []
        # No control character, tag, long field, "$" or "\\": only the analogy's rules can
        # find anything (a long analogy, on a fifth of some decks' notes).
        findings = Report()
        _lint_analogy(note, note.location or Location(path), findings)
        return findings.diagnostics
    findings = Report()
    _lint_note(note, note.location or Location(path), findings)
    return findings.diagnostics


def _lint_note(note: Note, where: Location, report: Report) -> None:
    fields = {"question": note.question, "answer": note.answer, "analogy": note.analogy}
    tags = " ".join(note.tags)
    # Cheap tests first, over everything at once: the detailed checks run on a finding only
    # (this runs for every note of every deck).
    if _CONTROL.search("\n".join((note.question, note.answer, note.analogy, tags))):
        for name, value in [*fields.items(), ("tags", tags)]:
            control = _CONTROL.search(value)
            if control:
                report.error(
                    where,
                    f"control character U+{ord(control.group()):04X} in the {name}",
                    "control-character",
                    "remove it; Anki cannot store it",
                )
    for tag in note.tags:
        if not tag or any(c.isspace() for c in tag):
            report.error(
                where,
                f"tag {tag!r} is empty or has a space",
                "bad-tag",
                "Anki tags are single words; use '_' or '::' instead",
            )
    for name, value in fields.items():
        if len(value) > MAX_FIELD:
            report.error(
                where,
                f"the {name} has {len(value):,} characters, more than {MAX_FIELD:,}",
                "field-too-long",
                "split it over several cards",
            )
    if "{{c" in note.question and note.notetype is None and is_cloze(note.question):
        # Anki makes at most MAX_NUMBER cards of a cloze note; a deletion numbered past it
        # is on no card, and would be lost without a word. (Notes of Anki's own note types
        # are said per note type by the writer, writers/clozes.py.)
        top = cloze.past_limit("\x1f".join(fields.values()))
        if top:
            report.warning(
                where,
                f"cloze number c{top} is past c{cloze.MAX_NUMBER}: no card of this note asks it",
                "cloze-past-limit",
                f"number the cloze deletions of a note from c1 to c{cloze.MAX_NUMBER}",
            )
    if note.markup is Markup.HTML:
        found = dict.fromkeys(what for value in fields.values() for what in active_html(value))
        if found:
            report.warning(
                where,
                f"a field holds {' and '.join(found)}, which Anki runs or loads on the card",
                "active-html",
                "remove it unless you wrote it on purpose",
            )
        return
    _lint_analogy(note, where, report)
    for name, value in fields.items():
        if "$" in value and note.markup is Markup.TEXT and _DOLLAR_MATH.search(value):
            report.warning(
                where,
                f"$...$ in the {name} is not math in Anki",
                "dollar-math",
                "write \\(...\\) for math, or use a Markdown source",
            )
        if "\\" in value and (
            value.count("\\(") != value.count("\\)") or value.count("\\[") != value.count("\\]")
        ):
            report.warning(
                where,
                f"unbalanced math delimiters in the {name}",
                "unbalanced-math",
                "close every \\( with \\) and every \\[ with \\]",
            )


def active_html(html: str) -> list[str]:
    """What in ``html`` runs or loads code on a card, each kind once, in the order found:
    ``a <script>``, ``an <iframe>``, ``an onerror= handler``, ``a javascript: link``."""
    if "<" not in html and ":" not in html:
        return []
    found: dict[str, None] = {}
    for tag in _ACTIVE_TAG.finditer(html):
        name = tag.group(1).lower()
        found[f"{'an' if name[0] in 'aeiou' else 'a'} <{name}>"] = None
    position = html.find("<")
    while position >= 0:
        start = _START_TAG.match(html, position)
        end = start.end() if start else position + 1
        if start:
            for handler in _HANDLER.finditer(html, position, end):
                found[f"an {handler.group(1).lower()}= handler"] = None
        position = html.find("<", end)
    if _JAVASCRIPT.search(html):
        found["a javascript: link"] = None
    return list(found)


def _lint_analogy(note: Note, where: Location, report: Report) -> None:
    """Splits that look wrong: a second label, a label with nothing after it, a long analogy."""
    if note.analogy:
        if _has_label(note.analogy) and _LABEL.search(note.analogy):
            report.warning(
                where,
                "two Analogy: labels in one answer; the second stays in the analogy",
                "double-analogy",
                "keep one label per card",
            )
        # A cloze card needs no answer (Back Extra): its analogy alone is no wrong split.
        if len(note.analogy) > len(note.answer) and (note.answer or not is_cloze(note.question)):
            report.warning(
                where,
                "the analogy is longer than its answer: is the split right?",
                "long-analogy",
                "check where the answer ends and the analogy begins",
            )
    elif _has_label(note.answer) and _DANGLING_LABEL.search(note.answer):
        report.warning(
            where,
            "an Analogy: label with nothing after it",
            "empty-analogy",
            "write the analogy after the label, or remove the label",
        )


def _suspect(text: str) -> bool:
    """Whether a rule on text could find something in ``text``: $, \\ or a control character
    (printable text has none: ``str.isprintable`` answers in C, before any regex runs)."""
    return "$" in text or "\\" in text or (not text.isprintable() and bool(_CONTROL.search(text)))


def _has_label(text: str) -> bool:
    lowered = text.lower()
    return any(label in lowered for label in _LABEL_WORDS)
