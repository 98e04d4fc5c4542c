"""deck2anki's benchmark suite: prints a table of figures, each a median over repeated runs,
each ratio measured side by side in the same run. Run by hand, not by CI:

    python benchmarks/run.py            # the whole suite, about a minute and a half on 2 cores
    python benchmarks/run.py --quick    # 1,000 and 10,000 notes only

Baselines, both implemented here on the very notes deck2anki built (read back from its
package: the same rendered fields, the same GUIDs where given):
- raw genanki: a genanki.Note per note, Package.write_to_file, genanki deriving each GUID
  (what a genanki script does, and the cost issue 7 measured, "GUID hashing" included); a
  stricter second figure gives genanki our GUIDs, and each ratio is printed against both;
- the floor: the same rows in the same SQLite schema, one executemany, zipped at deflate 1.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import lecture_text, write_project

import deck2anki
from deck2anki.cards import notetype

ROWS: list[tuple[str, str, str]] = []
RSS: dict[int, float] = {}
"""Peak memory of a cold build (whole process), in MB, by deck size."""


def median_time(
    action: Callable[[], object], runs: int, setup: Callable[[], object] = lambda: None
) -> float:
    """The median wall time of ``action`` over ``runs`` runs, ``setup`` untimed before each."""
    times = []
    for _ in range(runs):
        setup()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def row(name: str, value: str, target: str = "") -> None:
    ROWS.append((name, value, target))
    print(f"  {name:<62} {value:>14}  {target}", flush=True)


def packaged(project: Path) -> tuple[str, list[tuple[str, list[str]]]]:
    """The deck's notes as deck2anki's build wrote them: (guid, fields), in order.

    The baselines write these very notes: the same GUIDs and the same rendered fields.
    """
    (source,) = (project / "sources").iterdir()
    name = deck2anki.read(source).name
    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(project / "build" / "deck.apkg") as archive:
            database = archive.extract("collection.anki2", folder)
        connection = sqlite3.connect(database)
        rows = connection.execute("SELECT guid, flds FROM notes ORDER BY id").fetchall()
        connection.close()
    return name, [(guid, flds.split("\x1f")) for guid, flds in rows]


def raw_genanki(
    name: str, notes: list[tuple[str, list[str]]], out: Path, our_guids: bool = False
) -> None:
    """genanki writing ``notes`` as a genanki script does: genanki derives each GUID from the
    fields (the issue's measure: "GUID hashing" is part of its cost); or, stricter, given the
    GUIDs deck2anki gave them (``our_guids``)."""
    import genanki

    model = notetype.genanki_model()
    deck = genanki.Deck(deck2anki.identity.guids.deck_id(name), name)
    for guid, fields in notes:
        note = genanki.Note(model=model, fields=fields, guid=guid if our_guids else None)
        deck.add_note(note)
    genanki.Package(deck).write_to_file(str(out), timestamp=1_700_000_000)


def floor(name: str, notes: list[tuple[str, list[str]]], out: Path) -> None:
    """The same rows, the same schema, one executemany each for notes and cards, deflate 1."""
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "collection.anki2"
        connection = sqlite3.connect(database)
        connection.executescript(APKG_SCHEMA)
        connection.executescript(APKG_COL)
        ids = itertools.count(1_700_000_000_000)
        note_rows, card_rows = [], []
        for guid, fields in notes:
            note_id = next(ids)
            note_rows.append(
                (
                    note_id,
                    guid,
                    1,
                    1_700_000_000,
                    -1,
                    "  ",
                    "\x1f".join(fields),
                    fields[0],
                    0,
                    0,
                    "",
                )
            )
            card_rows.append(
                (next(ids), note_id, 1, 0, 1_700_000_000, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "")
            )
        connection.executemany(f"INSERT INTO notes VALUES ({','.join('?' * 11)})", note_rows)
        connection.executemany(f"INSERT INTO cards VALUES ({','.join('?' * 18)})", card_rows)
        connection.commit()
        connection.close()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.write(database, "collection.anki2")
            archive.writestr("media", "{}")


def clean(project: Path) -> None:
    """Remove what a build wrote: the next build is a cold one."""
    shutil.rmtree(project / "build", ignore_errors=True)
    (project / "deck2anki.lock").unlink(missing_ok=True)


def build(project: Path) -> None:
    """deck2anki's library path, as `deck2anki build` takes it."""
    deck2anki.build(project / "sources", project / "build", lock_path=project / "deck2anki.lock")


def process_time(command: list[str], cwd: Path, runs: int) -> float:
    return median_time(
        lambda: subprocess.run(command, cwd=cwd, check=True, capture_output=True), runs
    )


def peak_rss_mb(command: list[str], cwd: Path) -> float:
    """Peak resident memory of a whole process, in MB (measured by a fresh parent)."""
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True,"
        " capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *command], cwd=cwd, check=True, capture_output=True, text=True
    )
    return int(out.stdout) / 1024


def measure_cold(size: int, work: Path, warm_too: bool) -> float:
    """Cold build of one deck of ``size`` notes against the baselines; returns seconds/note."""
    runs = 5 if size < 100_000 else 3
    project = write_project(work / f"cold{size}", {"deck": size})
    ours = median_time(lambda: build(project), runs, lambda: clean(project))
    name, notes = packaged(project)
    genanki_time = median_time(lambda: raw_genanki(name, notes, work / "g.apkg"), runs)
    given_guids = median_time(lambda: raw_genanki(name, notes, work / "o.apkg", True), runs)
    floor_time = median_time(lambda: floor(name, notes, work / "f.apkg"), runs)
    row(f"cold build, {size:,} notes", f"{ours:.2f} s")
    row("  raw genanki, same notes pre-rendered", f"{genanki_time:.2f} s")
    row("  raw genanki given our GUIDs (no hashing: stricter)", f"{given_guids:.2f} s")
    row("  floor: executemany + zip (deflate 1)", f"{floor_time:.2f} s")
    row("  ratio to raw genanki", f"{ours / genanki_time:.2f}x", "target <= 1.5x")
    row("  ratio to raw genanki given our GUIDs", f"{ours / given_guids:.2f}x", "(stricter)")
    row("  ratio to the floor", f"{ours / floor_time:.2f}x", "target <= 4x")
    ours_size = (project / "build" / "deck.apkg").stat().st_size
    genanki_size = (work / "g.apkg").stat().st_size
    row(
        f"  .apkg size, ours / genanki's ({ours_size / 1e6:.1f} / {genanki_size / 1e6:.1f} MB)",
        f"{ours_size / genanki_size:.2f}x",
        "target <= 0.35x",
    )
    if warm_too:
        measure_warm(project, runs, ours)
    clean(project)
    RSS[size] = peak_rss_mb([sys.executable, "-m", "deck2anki", "build"], project)
    if warm_too:
        row(f"peak RSS, cold build of {size:,} notes", f"{RSS[size]:.0f} MB", "target <= 300 MB")
    if warm_too and size > 10_000:
        # The interpreter and its libraries take the same at any size: growth is what
        # tells whether memory keeps pace with the deck.
        growth = (RSS[size] - RSS[1_000]) / (RSS[10_000] - RSS[1_000])
        notes = (size - 1_000) / (10_000 - 1_000)
        row(
            f"  growth from 1,000 notes: to 10,000 {RSS[10_000] - RSS[1_000]:.0f} MB,"
            f" to {size:,} {RSS[size] - RSS[1_000]:.0f} MB",
            f"{growth / notes:.2f}x",
            "per note, second / first; <= 1 grows no faster than the deck",
        )
    return ours / size


def measure_warm(project: Path, runs: int, cold: float) -> None:
    """A rebuild after one edited note, judged against the cold build of the same deck (the
    earlier target of half raw genanki's time is withdrawn, issue 14)."""
    source = project / "sources" / "deck.txt"
    lines = source.read_text(encoding="utf-8").split("\n")
    edits = itertools.count()

    def edit_one() -> None:
        changed = list(lines)
        changed[6] = f"{changed[6]} Edited {next(edits)}."
        source.write_text("\n".join(changed), encoding="utf-8")

    build(project)
    warm = median_time(lambda: build(project), runs, edit_one)
    row("warm rebuild, one note changed", f"{warm:.2f} s")
    row("  ratio to the cold build", f"{warm / cold:.2f}x")


def measure_project(work: Path) -> None:
    command = [sys.executable, "-m", "deck2anki", "build"]
    many = write_project(work / "many", {f"week{index:03d}": 50 for index in range(200)})
    subprocess.run(command, cwd=many, check=True, capture_output=True)
    noop = process_time(command, many, 7)
    row("no-op build, 200 sources of 50 notes (whole process)", f"{noop:.2f} s", "target < 0.5 s")
    (many / "sources" / "week100.txt").write_text(lecture_text(50, seed=1000), "utf-8")
    started = time.perf_counter()
    result = subprocess.run(command, cwd=many, check=True, capture_output=True, text=True)
    one_changed = time.perf_counter() - started
    rebuilt = sum(1 for line in result.stdout.splitlines() if line.startswith("built "))
    row("  the same, one source changed", f"{one_changed:.2f} s", f"rebuilt {rebuilt} deck(s)")


def measure_startup(work: Path) -> None:
    click_time = process_time([sys.executable, "-c", "import click"], work, 11)
    help_time = process_time([sys.executable, "-m", "deck2anki", "--help"], work, 11)
    up_to_date = process_time([sys.executable, "-m", "deck2anki", "build"], work / "cold1000", 11)
    row("python -c 'import click' (whole process)", f"{click_time:.3f} s")
    row("deck2anki --help", f"{help_time:.3f} s", f"{help_time / click_time:.2f}x; target <= 1.5x")
    row(
        "deck2anki build, up to date (1,000 notes)",
        f"{up_to_date:.3f} s",
        f"{up_to_date / click_time:.2f}x import click",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only 1,000 and 10,000 notes")
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    work = Path(tempfile.mkdtemp(prefix="deck2anki-bench-"))
    try:
        print(f"deck2anki {deck2anki.__version__} on {os.cpu_count()} cores; medians")
        per_note = {size: measure_cold(size, work, size == sizes[-1]) for size in sizes}
        largest = sizes[-1]
        row(
            f"scaling: per-note cost at {largest:,} / at 10,000",
            f"{per_note[largest] / per_note[10_000]:.2f}x",
            "target <= 1.3x",
        )
        measure_project(work)
        measure_startup(work)
        latest = Path(__file__).resolve().parent / "latest.json"
        latest.write_text(json.dumps(ROWS, indent=1) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
