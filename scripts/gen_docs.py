"""Regenerates the parts of docs/ that come from the code, so that they cannot drift from it.

    python scripts/gen_docs.py           # rewrite them
    python scripts/gen_docs.py --check   # exit 1, naming the stale pages, if any is not current

A page marks each generated part with `<!-- generated: WHAT -->` ... `<!-- end generated -->`;
everything between the two comments is replaced. WHAT is one of:

- `help COMMAND`: `deck2anki COMMAND --help` (`help` alone: `deck2anki --help`), as a console
  example, so that the example tests run it too;
- `formats`: the table of `deck2anki formats`;
- `rules`: the table of `deck2anki check --rules`;
- `benchmarks`: the table of benchmarks/latest.json, which `python benchmarks/run.py` writes.

It calls the command line, as a user would, with 80 columns (click wraps help to the terminal).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REGION = re.compile(r"(<!-- generated: ([^>]*?) -->\n)(.*?)(<!-- end generated -->)", re.S)


def deck2anki(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "deck2anki", *args],
        env={**os.environ, "COLUMNS": "80", "LC_ALL": "C.UTF-8", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def commands() -> list[str]:
    """The commands `deck2anki --help` lists."""
    listing = deck2anki("--help").partition("Commands:")[2]
    return re.findall(r"^  ([a-z]+)  ", listing, re.M)


def help_text(command: str) -> str:
    args = [command, "--help"] if command else ["--help"]
    shown = " ".join(["deck2anki", *args])
    return f"```console\n$ {shown}\n{deck2anki(*args).rstrip()}\n```\n"


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def formats() -> str:
    rows = [
        "| format | suffixes | reads | writes | what it is |",
        "| --- | --- | --- | --- | --- |",
    ]
    for line in deck2anki("formats").splitlines():
        name, *rest = line.split()
        # The suffixes lead; a description may hold a word that starts with a dot (".txt").
        suffixes = list(itertools.takewhile(lambda word: word.startswith("."), rest))
        modes = rest[len(suffixes)]
        description = line.split(f" {modes} ", 1)[1].strip()
        reads = "yes" if "read" in modes else ""
        writes = "yes" if "write" in modes else ""
        shown = " ".join(f"`{suffix}`" for suffix in suffixes)
        rows.append(f"| `{name}` | {shown} | {reads} | {writes} | {cell(description)} |")
    return "\n".join(rows) + "\n"


def rules() -> str:
    rows = ["| rule | severity | finds |", "| --- | --- | --- |"]
    for line in deck2anki("check", "--rules").splitlines():
        name, severity, summary = line.split(None, 2)
        rows.append(f"| `{name}` | {severity} | {cell(summary)} |")
    return "\n".join(rows) + "\n"


def benchmarks() -> str:
    """The latest run's rows: measure, figure, target; a sub-measure (indented in the file)
    is shown under the measure it belongs to."""
    latest = json.loads((ROOT / "benchmarks" / "latest.json").read_text(encoding="utf-8"))
    rows = ["| measure | figure | target |", "| --- | --- | --- |"]
    for measure, figure, target in latest:
        shown = measure.strip()
        if measure.startswith(" "):
            shown = f"&nbsp;&nbsp;{shown}"
        rows.append(f"| {cell(shown)} | {cell(figure)} | {cell(target)} |")
    return "\n".join(rows) + "\n"


def generate(what: str) -> str:
    kind, _, argument = what.partition(" ")
    makers: dict[str, Callable[[], str]] = {
        "formats": formats,
        "rules": rules,
        "benchmarks": benchmarks,
    }
    if kind == "help":
        if argument and argument not in commands():
            raise SystemExit(f"docs: `deck2anki {argument}` is no command; remove its section")
        return help_text(argument)
    if kind not in makers:
        raise SystemExit(f"docs: unknown generated part {what!r}")
    return makers[kind]()


def regenerate(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    return REGION.sub(lambda m: m[1] + generate(m[2]) + m[4], text)


def main() -> int:
    check = "--check" in sys.argv[1:]
    pages = sorted(page for page in DOCS.rglob("*.md") if REGION.search(page.read_text("utf-8")))
    helped = {
        match[2].partition(" ")[2]
        for page in pages
        for match in REGION.finditer(page.read_text("utf-8"))
        if match[2].startswith("help")
    }
    missing = set(commands()) - helped
    if missing:
        print(f"docs: no `help COMMAND` part for: {', '.join(sorted(missing))}", file=sys.stderr)
        return 1
    stale = []
    for page in pages:
        text = regenerate(page)
        if text != page.read_text(encoding="utf-8"):
            stale.append(page.relative_to(ROOT))
            if not check:
                page.write_text(text, encoding="utf-8")
    for name in stale:
        print(f"{'stale' if check else 'wrote'}: {name}")
    if check and stale:
        print("docs: run 'python scripts/gen_docs.py' and commit the result", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
