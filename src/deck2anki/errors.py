"""One exception tree, rooted at Deck2AnkiError, and the diagnostics it carries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from .model import Location


class Severity(Enum):
    """How bad a diagnostic is: errors stop a build, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a source, with where it is and what to do about it."""

    location: Location
    """Where the problem is."""

    message: str
    """What is wrong."""

    rule: str
    """A short, stable name for the kind of problem (``unpaired-question``)."""

    hint: str = ""
    """What to do about it; "" when the message says it all."""

    severity: Severity = Severity.ERROR
    """Whether the problem stops a build."""

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity.value}: {self.message} [{self.rule}]"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class Deck2AnkiError(Exception):
    """Anything deck2anki reports to a user as a clean message instead of a traceback."""


class UsageError(Deck2AnkiError):
    """The request itself is wrong: an unknown format, a missing file, a bad option."""


class SourceError(Deck2AnkiError):
    """One or more sources hold content deck2anki cannot turn into cards."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        errors = [d for d in self.diagnostics if d.severity is Severity.ERROR]
        files = {d.location.path for d in errors}
        lines = [str(d) for d in self.diagnostics]
        noun = "problem" if len(errors) == 1 else "problems"
        lines.append(
            f"error: {len(errors)} {noun} in {len(files)} file{'s' if len(files) != 1 else ''};"
            " nothing was written"
        )
        super().__init__("\n".join(lines))


class Report:
    """Collects every diagnostic of a run, so one run shows every problem at once."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def error(self, location: Location, message: str, rule: str, hint: str = "") -> None:
        """Record a problem that stops the build."""
        self.diagnostics.append(Diagnostic(location, message, rule, hint, Severity.ERROR))

    def warning(self, location: Location, message: str, rule: str, hint: str = "") -> None:
        """Record a problem worth telling the user that does not stop the build."""
        self.diagnostics.append(Diagnostic(location, message, rule, hint, Severity.WARNING))

    @property
    def has_errors(self) -> bool:
        """True once any error was recorded."""
        return any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> list[Diagnostic]:
        """The warnings recorded so far."""
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    def raise_if_errors(self) -> None:
        """Fail once, with every diagnostic, if any error was recorded."""
        if self.has_errors:
            raise SourceError(self.diagnostics)
