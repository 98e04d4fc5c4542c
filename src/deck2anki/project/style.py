"""A project's own note type: its id and the name students see, settled at its first build.

Every project gets one, so that two projects imported into one collection each keep their
own look: a style given to one never restyles the other's cards. The id and name are worked
out once, at the first build, and the lock records them; every later build, on any machine
or clone, takes them from the lock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from .. import files
from ..config import Config
from ..conversion import deck_name_from_path
from ..identity.guids import stable_id
from .sources import Source


def own_notetype(found: Sequence[Source], config: Config, now: int) -> tuple[int, str]:
    """The id and label of the project's own note type (``notetype.own_name`` names it).

    The label is what students know the project by: the top of its decks' names when they
    share one ("Biology" for "Biology::Week 1" and "Biology::Week 2"), else the project
    folder's name. The id comes from the time of the first build and from the sources as
    they were then, so that two projects differ (and the same inputs give the same bytes).
    """
    folder = (config.path.parent if config.path else Path()).resolve()
    names = [config.deck(s.key).name or deck_name_from_path(s.path) for s in found]
    tops = Counter(name.split("::")[0].strip() for name in names)
    label = tops.most_common(1)[0][0] if len(tops) == 1 else ""
    label = label or folder.name or "deck2anki"
    parts = [label, str(now)]
    for source in found:
        parts += [source.key, files.digest(source.path)]
    return stable_id("deck2anki project note type", *parts), label
