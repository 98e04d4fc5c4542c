"""`deck2anki init`: a new deck repository, ready to build, check and publish.

The files come from the package's ``skeleton/`` folder: an example source in every format
deck2anki reads from ``sources/``, a configuration listing every setting, a ``.gitignore``
and a ``.gitattributes`` (the lock merges as text, packages as binary), a README, and CI
for GitHub Actions and GitLab CI that check on every push and publish the decks on a tag.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .. import files
from ..errors import UsageError
from ..version import __version__

# Where each skeleton file goes in the new repository (dotfiles and CI paths renamed).
LAYOUT: dict[str, str] = {
    "README.md": "README.md",
    "deck2anki.toml": "deck2anki.toml",
    "gitignore": ".gitignore",
    "gitattributes": ".gitattributes",
    "github-decks.yml": ".github/workflows/decks.yml",
    "gitlab-ci.yml": ".gitlab-ci.yml",
    "sources/example-lecture.txt": "sources/example-lecture.txt",
    "sources/example-markdown.md": "sources/example-markdown.md",
    "sources/example-table.csv": "sources/example-table.csv",
    "sources/example-vocabulary.tsv": "sources/example-vocabulary.tsv",
    "sources/example-script.json": "sources/example-script.json",
}


DEFAULT_INSTALL = f"deck2anki>={__version__}"
"""What the scaffold's README and CI install: a pip requirement, a path or a VCS URL."""


def init(
    folder: str | Path = ".", *, force: bool = False, install: str = DEFAULT_INSTALL
) -> list[Path]:
    """Write a new deck repository into ``folder``; returns the files written.

    ``install`` is what its README and CI ``pip install``: the package name by default, or
    wherever deck2anki comes from (``git+https://...``) while it is not on a package index.
    Nothing is overwritten unless ``force``: if any of the files exists, none is written.
    """
    folder = Path(folder)
    if not install.strip() or any(c in install for c in '"\n\\'):
        raise UsageError(f"--install {install!r}: give a pip requirement, path or URL")
    skeleton = resources.files("deck2anki").joinpath("skeleton")
    outputs = {
        folder / target: skeleton.joinpath(source)
        .read_bytes()
        .replace(b"INSTALL", install.encode())
        for source, target in LAYOUT.items()
    }
    existing = [path for path in outputs if path.exists()]
    if existing and not force:
        names = ", ".join(str(path) for path in existing)
        raise UsageError(f"already there: {names}; nothing was written (--force overwrites)")
    files.write_all(outputs)
    return list(outputs)
