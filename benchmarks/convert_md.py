"""``.apkg -> .md`` against ``.apkg -> .json`` on an ordinary deck made by Anki (issue 16).

    python benchmarks/convert_md.py              # 20,000 notes, 3 runs of each, medians
    python benchmarks/convert_md.py --notes 2000 --runs 1

The deck is made with the ``anki`` package (Anki's own backend) from Basic notes whose
fields hold the everyday HTML Anki's editor writes (``ordinary_fields``), and exported as
Anki exports it. Each figure is a whole ``deck2anki convert`` process (wall time and peak
memory, from ``/usr/bin/time`` where there is one); the ratio is md over json, target <= 2.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000105ab2c2d5a0000000049454e44ae426082"
)
"""A 1x1 PNG: the image every image note shows."""

MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00"
"""The start of an MP3 file: the sound every sound note plays (its bytes are never played)."""


def ordinary_fields(index: int) -> tuple[str, str]:
    """Front and back of note ``index`` as Anki's editor writes them: one kind of HTML in
    each of fourteen notes, plain text with the odd ``&nbsp;`` in the rest."""
    n = index
    kinds = [
        (f"What does <b>ATP</b> stand for ({n})?", "<b>Adenosine</b> <i>triphosphate</i>"),
        (f"Underlined term {n}", "The <u>mitochondrion</u> makes ATP."),
        (f"Two lines {n}", "First line<br>second line"),
        (f"Lines in divs {n}", "First line<div>second line</div><div>third line</div>"),
        (f"List the stages ({n})", "<ul><li>prophase</li><li>metaphase</li></ul>"),
        (f"Ordered steps {n}", "<ol><li>read</li><li>recall</li><li>review</li></ol>"),
        (f"Where to read more ({n})?", '<a href="https://example.com/cells">the cell page</a>'),
        (f"Show the cell ({n})", 'A cell: <img src="cell.png">'),
        (f"Say it ({n})", "Mitochondrion [sound:say.mp3]"),
        (f"Water and squares ({n})", "H<sub>2</sub>O and x<sup>2</sup>"),
        (
            f"Compare the organelles ({n})",
            "<table><tbody><tr><td>nucleus</td><td>DNA</td></tr>"
            "<tr><td>ribosome</td><td>protein</td></tr></tbody></table>",
        ),
        (f"The square of x ({n})", r"It is \(x^2\), and \[\sum_i x_i\] sums."),
        (f"A loop in Python ({n})", "<pre><code>for x in xs:<br>    print(x)</code></pre>"),
        (f"Non-breaking ({n})", "10&nbsp;km &amp; more"),
    ]
    if index % 2 == 0:
        return kinds[(index // 2) % len(kinds)]
    return f"What is fact number {n}?", f"It is the answer to fact {n}, in plain words."


def ordinary_collection(col: Any, notes: int, deck: str = "Ordinary") -> int:
    """Fill ``col`` (an ``anki.collection.Collection``) with ``notes`` ordinary Basic notes
    in ``deck``, and the media they show; returns the deck's id."""
    col.media.write_data("cell.png", PNG)
    col.media.write_data("say.mp3", MP3)
    deck_id = int(col.decks.id(deck))
    basic = col.models.by_name("Basic")
    for index in range(notes):
        note = col.new_note(basic)
        note["Front"], note["Back"] = ordinary_fields(index)
        col.add_note(note, deck_id)
    return deck_id


def export(col: Any, deck_id: int, out: Path) -> None:
    """The deck as Anki's current export writes it (``collection.anki21b``, media in)."""
    from anki.collection import DeckIdLimit, ExportAnkiPackageOptions

    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(
            legacy=False, with_scheduling=False, with_media=True, with_deck_configs=False
        ),
        limit=DeckIdLimit(deck_id),
    )


def make_package(notes: int, out: Path) -> None:
    from anki.collection import Collection

    with tempfile.TemporaryDirectory() as folder:
        col = Collection(str(Path(folder) / "collection.anki2"))
        try:
            export(col, ordinary_collection(col, notes), out)
        finally:
            col.close()


def measure(package: Path, suffix: str, runs: int, folder: Path) -> tuple[float, float]:
    """Median seconds and peak MB of ``runs`` conversions to ``suffix``, in a fresh process
    (so the peak memory is this kind's own)."""
    script = (
        "import sys, resource, subprocess, time, statistics\n"
        "times = []\n"
        f"for run in range({runs}):\n"
        "    started = time.perf_counter()\n"
        f"    subprocess.run([sys.executable, '-m', 'deck2anki', 'convert', {str(package)!r},"
        f" {str(folder)!r} + f'/out{{run}}.{suffix}'], check=True, capture_output=True)\n"
        "    times.append(time.perf_counter() - started)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(statistics.median(times), peak)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    seconds, peak = out.stdout.split()
    return float(seconds), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        package = Path(folder) / "ordinary.apkg"
        make_package(args.notes, package)
        figures = {}
        for suffix in ("json", "md"):
            (Path(folder) / suffix).mkdir()
            figures[suffix] = measure(package, suffix, args.runs, Path(folder) / suffix)
            seconds, peak = figures[suffix]
            print(f".apkg -> .{suffix:<4} {args.notes:,} notes: {seconds:6.2f} s {peak:7.0f} MB")
        ratio = figures["md"][0] / figures["json"][0]
        print(f"ratio md/json: {ratio:.2f} (target <= 2; median of {args.runs})")
        print(f"memory md/json: {figures['md'][1] / figures['json'][1]:.2f}")


if __name__ == "__main__":
    main()
