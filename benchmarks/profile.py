"""Where a cold build's time goes, per source format and size: the fixed cost apart (issue 17).

    python benchmarks/profile.py                  # Markdown, CSV, lecture: 1,000 to 100,000 cards
    python benchmarks/profile.py --sizes 2 1000   # quicker

For each seeded deck (benchmarks/generate.py) a whole ``deck2anki build`` process is timed
(cold: no lock, no build/), and then the same build in a process of its own, with each stage
timed from the inside: starting Python, importing what a build imports, reading the source,
the note work (split, checks, HTML, hashes, fingerprint, GUID), identity (GUIDs against the
lock), the package (its rows in the main thread's turn; SQLite's indexes and the deflate
in a thread of their own, while the main thread makes the lock's lines), the lock's lines,
writing the files, the rest (the note type, the plan of each note's lock entry and time),
and the process's exit (the command ends without Python's teardown). Each figure
is the median of ``--runs`` runs. A 2-card deck gives the fixed cost; the cost a note is
(stage at N cards - stage at 2 cards) / N.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from subprocess import DEVNULL

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import csv_text, lecture_text, markdown_text

import deck2anki

FORMATS = {"Markdown": ("deck.md", markdown_text), "CSV": ("deck.csv", csv_text)}
FORMATS["lecture"] = ("deck.txt", lecture_text)
STAGES = ["python", "imports", "read", "note work", "identity", "package rows", "lock lines"]
STAGES += ["package wait", "write", "rest", "exit"]
# What a build imports before it reads a note (the modules it imports on the way are in
# the stage that imports them otherwise, and a 1,000-card build is half imports).
BUILD_IMPORTS = [
    "deck2anki.cli.entry",
    "deck2anki.project.build",
    "deck2anki.readers.delimited",
    "deck2anki.readers.lecture",
    "deck2anki.readers.markdown",
    "deck2anki.writers.apkg",
    "genanki",
    "pygments.formatters",
]

CHILD = r"""
import sys, time, json
start = time.perf_counter()
for name in sys.argv[2:]:
    __import__(name)
imported = time.perf_counter()
from deck2anki.project import deck
from deck2anki import files
import deck2anki.writers.apkg as apkg
spent, marks = {}, {}
def timed(module, name, stage):
    original = getattr(module, name)
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        marks.setdefault(stage + " start", began)
        try:
            return original(*args, **kwargs)
        finally:
            marks[stage + " end"] = time.perf_counter()
            spent[stage] = spent.get(stage, 0.0) + marks[stage + " end"] - began
    setattr(module, name, wrapper)
timed(deck, "read_source", "read")
timed(deck, "work_on", "note work")
timed(deck, "assign_guids", "identity")
timed(deck, "write_package_to", "package")  # in the pool's thread
timed(apkg, "_insert_notes", "rows")  # the package's rows, in that thread too
timed(deck, "notes_block", "lock lines")
timed(deck, "seal", "seal")  # after the package is made: not in "lock lines"
timed(files, "digest", "write")  # the package's hash, for the lock
timed(files, "write_all", "write")
from deck2anki.cli.entry import leave, run
sys.argv = ["deck2anki", "build"]
status = run()
spent["in process"] = time.perf_counter() - start
spent["imports"] = imported - start
# The main thread waits for the package's rows (the schema, then the rows), makes the
# lock's lines while SQLite builds the indexes and zlib deflates, then waits for the rest.
if "package start" in marks:
    spent["package rows"] = marks["rows end"] - marks["package start"]
    spent["package wait"] = max(0.0, marks["package end"] - marks["lock lines end"])
print(json.dumps(spent))
leave(status)  # as the command ends: without Python's teardown
"""


def clean(project: Path) -> None:
    shutil.rmtree(project / "build", ignore_errors=True)
    (project / "deck2anki.lock").unlink(missing_ok=True)


def whole(project: Path) -> float:
    """The wall time of a cold ``deck2anki build`` process."""
    clean(project)
    command = [str(Path(sys.executable).with_name("deck2anki")), "build"]
    began = time.perf_counter()
    subprocess.run(command, cwd=project, check=True, stdout=DEVNULL, stderr=DEVNULL)
    return time.perf_counter() - began


def staged(project: Path) -> dict[str, float]:
    """A cold build's stages, timed inside its process (see CHILD)."""
    clean(project)
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "", *BUILD_IMPORTS],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
    )
    total = time.perf_counter() - began
    spent: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    spent["total"] = total
    return spent


def python_start() -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - began


def profile(project: Path, runs: int) -> dict[str, float]:
    """Medians over ``runs``: the whole process and each stage, in seconds."""
    wholes, starts, stages = [], [], []
    for _ in range(runs):
        wholes.append(whole(project))
        starts.append(python_start())
        stages.append(staged(project))
    spent = {key: statistics.median(s.get(key, 0.0) for s in stages) for key in stages[0]}
    result = {"whole": statistics.median(wholes), "python": statistics.median(starts)}
    result.update({stage: spent.get(stage, 0.0) for stage in STAGES[1:-2]})
    # What the process spends after the build: letting go of its objects, and Python's exit.
    total = statistics.median(s["total"] for s in stages)
    result["exit"] = max(0.0, total - result["python"] - spent["in process"])
    result["rest"] = max(0.0, total - sum(result[stage] for stage in STAGES if stage != "rest"))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[2, 1000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", nargs="*", default=list(FORMATS))
    args = parser.parse_args()
    package = Path(deck2anki.__file__ or ".").parent
    # Compiled first, as an installed wheel is: an editable install compiles on each run.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    results: dict[tuple[str, int], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="deck2anki-profile-") as folder:
        for label in args.formats:
            name, make = FORMATS[label]
            for size in args.sizes:
                project = Path(folder) / f"{label}{size}"
                (project / "sources").mkdir(parents=True)
                (project / "sources" / name).write_text(make(size), encoding="utf-8")
                runs = args.runs if size < 100_000 else max(1, args.runs // 2 + 1)
                results[label, size] = profile(project, runs)
                shutil.rmtree(project)
    print(f"load average {os.getloadavg()[0]:.1f}; seconds, medians; per note in µs")
    shown = ["whole", *STAGES]
    print("| format | cards | " + " | ".join(shown) + " |")
    print("|---|---|" + "---|" * len(shown))
    for (label, size), result in results.items():
        cells = [f"{result[key]:.3f}" for key in shown]
        print(f"| {label} | {size:,} | " + " | ".join(cells) + " |")
    print()
    print("| format | cards | " + " | ".join(f"{key} µs/note" for key in shown[3:]) + " |")
    print("|---|---|" + "---|" * len(shown[3:]))
    for (label, size), result in results.items():
        base = results.get((label, min(args.sizes)))
        if base is None or size == min(args.sizes):
            continue
        cells = [f"{(result[k] - base[k]) / size * 1e6:.1f}" for k in shown[3:]]
        print(f"| {label} | {size:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
