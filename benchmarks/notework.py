"""The per-note cost of a build, in one process: reading a source and working on its notes.

    python benchmarks/notework.py                 # CSV, lecture text and Markdown, 10,000 notes
    python benchmarks/notework.py --notes 1000 --runs 9

Seeded decks (benchmarks/generate.py) are read (``read_source``) and their notes worked on
(``work_on``: split, check, render, hash, fingerprint, GUID) as a build does, a number of
times; the best CPU time of each step is printed in microseconds a note. The process's own
CPU time is steadier than a whole build's wall time on a shared machine: to compare two
versions of the code (issue 17's A/B, benchmarks/AB.md), run it from each, turn about.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import csv_text, lecture_text, markdown_text

from deck2anki.config import load_config
from deck2anki.errors import Report
from deck2anki.project.notework import work_on
from deck2anki.project.sources import Source, deck_tags, read_source


def per_note(name: str, text: str, notes: int, runs: int) -> tuple[float, float]:
    """The best CPU time of reading ``text`` (a source called ``name``) and of working on its
    notes, in microseconds a note."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        config = load_config(None)
        source = Source(path, path.stem)
        settings = config.deck(source.key)
        tags = deck_tags(source.key, settings)
        reading = working = float("inf")
        for _ in range(runs):
            started = time.process_time()
            deck = read_source(source, config, Report(), as_read=True)
            read = time.process_time()
            read_notes = list(deck.notes)
            work_on(
                deck, read_notes, str(path), settings, tags, config.disabled, {}, seed=source.key
            )
            done = time.process_time()
            reading, working = min(reading, read - started), min(working, done - read)
    return reading / notes * 1e6, working / notes * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    gc.disable()  # as a build runs (project.build.without_collections)
    for label, name, text in [
        ("CSV", "deck.csv", csv_text(args.notes)),
        ("lecture", "deck.txt", lecture_text(args.notes)),
        ("Markdown", "deck.md", markdown_text(args.notes)),
    ]:
        reading, working = per_note(name, text, args.notes, args.runs)
        print(f"{label:8} read {reading:5.1f} us a note, note work {working:5.1f} us a note")


if __name__ == "__main__":
    main()
