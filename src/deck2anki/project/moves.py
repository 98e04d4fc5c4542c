"""Cards moved from one source to another: the source that gained a note takes the GUID the
other lost, so students keep the note and its reviews (issue 15)."""

from __future__ import annotations

from dataclasses import replace

from ..config import Config
from ..errors import Report
from ..identity.lock import LockedDeck, LockedNoteType
from ..identity.relink import could_take
from .deck import Planned, Progress, plan


def take_moves(
    planned: list[Planned],
    vanished: dict[str, LockedDeck],
    reports: dict[str, Report],
    config: Config,
    state: LockedNoteType,
    code: str,
    now: int,
    progress: Progress | None,
) -> list[Planned]:
    """The decks planned again where they take over notes other sources lost (moved cards).

    The notes a source lost are known only once it is planned, so a deck that gained one
    may have been planned before: it is planned again, with them. The source that lost a
    note that moved no longer lists it (not removed: moved). Sources are taken in order:
    of two that gained one lost question, the first takes it.
    """
    pool = [(item.key, entry) for item in planned for entry in item.result.removed]
    pool += [(k, e) for k, deck in sorted(vanished.items()) for e in deck.notes if not e.removed]
    if not pool:  # the usual case: no note left any source
        return planned
    taken: dict[str, str] = {}  # GUID moved -> the key of the source it left
    result = list(planned)
    for index, item in enumerate(result):
        offered = tuple((k, e) for k, e in pool if k != item.key and e.guid not in taken)
        if item.job is None or not offered or not could_take(item.added, offered):
            continue
        again_report = Report()
        again = plan(item.job, {}, config, state, code, now, again_report, progress, offered)
        reports[item.key].diagnostics[:] = again_report.diagnostics
        item.package.discard()
        result[index] = again
        taken.update((moved.guid, moved.origin) for moved in again.result.moved)
    if not taken:
        return result
    for index, item in enumerate(result):
        lost = frozenset(guid for guid, origin in taken.items() if origin == item.key)
        if lost and item.job is not None:  # planned again: what moved is neither removed
            again_report = Report()  # nor carried in its package
            again = plan(item.job, {}, config, state, code, now, again_report, progress, (), lost)
            reports[item.key].diagnostics[:] = again_report.diagnostics
            item.package.discard()
            result[index] = again
    for key, deck in vanished.items():
        vanished[key] = replace(deck, notes=tuple(n for n in deck.notes if n.guid not in taken))
    return result
