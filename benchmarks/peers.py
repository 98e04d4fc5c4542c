"""deck2anki side by side with its peers, whole processes, as users run them (issue 17).

    python benchmarks/peers.py            # 1,000, 10,000 and 100,000 cards (~15 min, 2 cores)
    python benchmarks/peers.py --quick    # 1,000 and 10,000 only
    python benchmarks/peers.py --busy     # the same with the other core kept busy

Seeded Markdown, CSV and lecture decks (benchmarks/generate.py) are built by whole
``deck2anki`` processes: a cold build (no lock, no build/), a warm build after one answer
was edited, ``check``, and for the Markdown deck ``convert`` .md -> .apkg, .apkg -> .md,
.apkg -> .json and ``inspect --json``. Beside them, the same cards go through:

- a genanki script (benchmarks/genanki_csv.py: CSV rows -> .apkg, no rendering, no checks);
- ankdown (Markdown -> .apkg) and brain-brew (CSV -> CrowdAnki JSON), each installed from
  PyPI into a venv of its own under the cache folder (``--cache``); a peer that cannot be
  installed or run is left out with a note.

Each figure is the median wall time of runs interleaved round by round (every command once,
then again), with the peak RSS of the process (the largest of it and the processes it
waited for, from ``/usr/bin/time``). Every package written is imported into a fresh collection of
the official ``anki`` package and its notes counted (brain-brew writes CrowdAnki JSON,
which Anki imports only through an add-on: its notes are counted in that JSON), so nobody
wins by writing less.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import PIPE

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import ankdown_text, csv_rows, csv_text, lecture_text, markdown_text

HERE = Path(__file__).resolve().parent
DECK2ANKI = [str(Path(sys.executable).with_name("deck2anki"))]
PEERS = {"ankdown": "ankdown==0.7.1", "brain-brew": "Brain-Brew==0.3.11"}
MINIMAL_CROWDANKI = {
    "__type__": "Deck",
    "children": [],
    "crowdanki_uuid": "d0000000-0000-0000-0000-000000000001",
    "deck_config_uuid": "c0000000-0000-0000-0000-000000000001",
    "deck_configurations": [],
    "desc": "",
    "dyn": 0,
    "extendNew": 10,
    "extendRev": 50,
    "media_files": [],
    "name": "Benchmark",
    "note_models": [
        {
            "__type__": "NoteModel",
            "crowdanki_uuid": "m0000000-0000-0000-0000-000000000001",
            "css": ".card {}",
            "flds": [
                {"font": "Arial", "media": [], "name": name, "ord": index, "rtl": False}
                | {"size": 20, "sticky": False}
                for index, name in enumerate(["Front", "Back"])
            ],
            "latexPost": "\\end{document}",
            "latexPre": "\\begin{document}",
            "name": "Basic",
            "req": [[0, "all", [0]]],
            "sortf": 0,
            "tags": [],
            "tmpls": [
                {
                    "afmt": "{{FrontSide}}<hr id=answer>{{Back}}",
                    "bafmt": "",
                    "bqfmt": "",
                    "did": None,
                    "name": "Card 1",
                    "ord": 0,
                    "qfmt": "{{Front}}",
                }
            ],
            "type": 0,
            "vers": [],
        }
    ],
    "notes": [
        {
            "__type__": "Note",
            "data": "",
            "fields": ["q", "a"],
            "flags": 0,
            "guid": "seed",
            "note_model_uuid": "m0000000-0000-0000-0000-000000000001",
            "tags": [],
        }
    ],
}


@dataclass
class Job:
    """One command measured at one size: how to prepare a run, run it, and count its output."""

    name: str
    command: list[str]
    cwd: Path
    setup: Callable[[], object] = lambda: None
    count: Callable[[], int] | None = None
    times: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)

    def run(self, rss_file: Path) -> None:
        self.setup()
        # Peak RSS by /usr/bin/time: a child started straight from this process inherits its
        # high-water mark across exec (vfork), so wait4's figure would be the harness's own.
        command = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file), *self.command]
        started = time.perf_counter()
        result = subprocess.run(command, cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=PIPE)
        self.times.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise SystemExit(f"{self.name}: exit {result.returncode}\n{result.stderr[-2000:]!r}")
        self.rss.append(int(rss_file.read_text(encoding="ascii").split()[-1]) / 1024)

    @property
    def seconds(self) -> float:
        return statistics.median(self.times)

    @property
    def peak(self) -> float:
        return max(self.rss)


def cache_folder(given: str | None) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return Path(given) if given else base / "deck2anki-bench" / "peers"


def peer_bin(cache: Path, peer: str) -> Path | None:
    """The bin/ of a venv holding ``peer`` (created and installed from PyPI on first use)."""
    folder = cache / peer
    done = folder / "installed"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        print(f"installing {PEERS[peer]} into {folder} ...", flush=True)
        venv.create(folder, with_pip=True)
        result = subprocess.run(
            [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", PEERS[peer]],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            print(f"NOTE: {peer} could not be installed; left out.\n{result.stderr[-1500:]}")
            return None
        done.write_text(PEERS[peer] + "\n", encoding="utf-8")
    return folder / "bin"


def brain_brew_template(cache: Path, bin_folder: Path) -> Path | None:
    """A brain-brew repository made by its own ``brainbrew init`` from a one-note export."""
    template = cache / "brain-brew-repo"
    if (template / "recipes" / "source_to_anki.yaml").exists():
        return template
    shutil.rmtree(template, ignore_errors=True)
    (template / "export").mkdir(parents=True)
    (template / "export" / "deck.json").write_text(json.dumps(MINIMAL_CROWDANKI), "utf-8")
    result = subprocess.run(
        [str(bin_folder / "brainbrew"), "init", "export"],
        cwd=template,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not (template / "recipes" / "source_to_anki.yaml").exists():
        print(f"NOTE: brainbrew init failed; brain-brew left out.\n{result.stderr[-1500:]}")
        return None
    shutil.rmtree(template / "build", ignore_errors=True)
    return template


def anki_note_count(package: Path) -> int:
    """How many notes Anki has after importing ``package`` into a fresh collection."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    with tempfile.TemporaryDirectory() as folder:
        col = Collection(str(Path(folder) / "collection.anki2"))
        try:
            col.import_anki_package(
                ImportAnkiPackageRequest(
                    package_path=str(package), options=ImportAnkiPackageOptions()
                )
            )
            return int(col.note_count())
        finally:
            col.close()


def clean(project: Path) -> Callable[[], None]:
    def action() -> None:
        shutil.rmtree(project / "build", ignore_errors=True)
        (project / "deck2anki.lock").unlink(missing_ok=True)

    return action


def editor(source: Path, edit: Callable[[str, int], str]) -> Callable[[], None]:
    """Before each warm run: one answer edited (differently each time), the rest as built."""
    original = source.read_text(encoding="utf-8")
    runs = iter(range(1_000_000))

    def action() -> None:
        source.write_text(edit(original, next(runs)), encoding="utf-8")

    return action


def edit_markdown(text: str, run: int) -> str:
    head, _, rest = text.partition("\n## ")
    question, _, answer = rest.partition("\n\n")
    return f"{head}\n## {question}\n\nEdited {run}. {answer}"


def edit_lecture(text: str, run: int) -> str:
    lines = text.split("\n")
    lines[6] = f"{lines[6]} Edited {run}."
    return "\n".join(lines)


def project(folder: Path, name: str, text: str) -> Path:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    (folder / "sources" / name).write_text(text, encoding="utf-8")
    return folder


def jobs_for(size: int, work: Path, cache: Path, peers: dict[str, Path]) -> list[Job]:
    """Every command measured at ``size``: deck2anki's, the genanki script's and the peers'."""
    root = work / str(size)
    out = root / "out"
    out.mkdir(parents=True)
    md = project(root / "markdown", "deck.md", markdown_text(size))
    csv_project = project(root / "csv", "deck.csv", csv_text(size))
    lecture = project(root / "lecture", "deck.txt", lecture_text(size))
    build = [*DECK2ANKI, "build"]
    reference = out / "reference.apkg"
    subprocess.run(
        [*DECK2ANKI, "convert", "sources/deck.md", str(reference)],
        cwd=md,
        check=True,
        capture_output=True,
    )

    def package(path: Path) -> Callable[[], int]:
        return lambda: anki_note_count(path)

    def removed(path: Path) -> Callable[[], None]:
        return lambda: path.unlink(missing_ok=True)

    csv_rows_now = csv_rows(size)

    def edit_csv(_text: str, run: int) -> str:
        rows = list(csv_rows_now)
        rows[0] = (rows[0][0], f"Edited {run}. {rows[0][1]}")
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["Question", "Answer"])
        writer.writerows(rows)
        return buffer.getvalue()

    jobs: list[Job] = []
    for label, folder, suffix, edit in [
        ("Markdown", md, "md", edit_markdown),
        ("CSV", csv_project, "csv", edit_csv),
        ("lecture", lecture, "txt", edit_lecture),
    ]:
        built = folder / "build" / "deck.apkg"
        source = folder / "sources" / f"deck.{suffix}"
        restore = editor(source, lambda text, _run: text)
        wipe = clean(folder)

        def cold_setup(
            restore: Callable[[], None] = restore, wipe: Callable[[], None] = wipe
        ) -> None:
            restore()
            wipe()

        jobs += [
            Job(f"{label}: build, cold", build, folder, cold_setup, package(built)),
            Job(f"{label}: build, warm (one answer edited)", build, folder, editor(source, edit)),
            Job(f"{label}: check", [*DECK2ANKI, "check"], folder, restore),
        ]
    convert = [*DECK2ANKI, "convert"]
    to_apkg, to_md, to_json = out / "converted.apkg", out / "back.md", out / "back.json"
    jobs += [
        Job(
            "Markdown: convert .md -> .apkg",
            [*convert, "sources/deck.md", str(to_apkg)],
            md,
            removed(to_apkg),
            package(to_apkg),
        ),
        Job(
            "Markdown: convert .apkg -> .md",
            [*convert, str(reference), str(to_md)],
            md,
            removed(to_md),
            lambda: sum(line.startswith("## ") for line in to_md.open(encoding="utf-8")),
        ),
        Job(
            "Markdown: convert .apkg -> .json",
            [*convert, str(reference), str(to_json)],
            md,
            removed(to_json),
            lambda: len(json.loads(to_json.read_text(encoding="utf-8"))["notes"]),
        ),
        Job("Markdown: inspect --json", [*DECK2ANKI, "inspect", "--json", str(reference)], md),
    ]
    genanki_out = out / "genanki.apkg"
    jobs.append(
        Job(
            "CSV: genanki script",
            [sys.executable, str(HERE / "genanki_csv.py"), "sources/deck.csv", str(genanki_out)],
            csv_project,
            removed(genanki_out),
            package(genanki_out),
        )
    )
    if "ankdown" in peers:
        cards = root / "ankdown" / "cards"
        cards.mkdir(parents=True)
        (cards / "deck.md").write_text(ankdown_text(size), encoding="utf-8")
        ankdown_out = out / "ankdown.apkg"
        jobs.append(
            Job(
                "Markdown: ankdown",
                [str(peers["ankdown"] / "ankdown"), "-r", "cards", "-p", str(ankdown_out)],
                root / "ankdown",
                removed(ankdown_out),
                package(ankdown_out),
            )
        )
    if "brain-brew" in peers:
        template = brain_brew_template(cache, peers["brain-brew"])
        if template is not None:
            jobs.append(brain_brew_job(template, root / "brain-brew", peers["brain-brew"], size))
    return jobs


def brain_brew_job(template: Path, repo: Path, bin_folder: Path, size: int) -> Job:
    """brain-brew's source_to_anki recipe over the CSV's rows (no GUIDs yet: a first build)."""
    shutil.copytree(template, repo)
    data = repo / "src" / "data" / "Basic.csv"
    rows = "".join(
        f"{line}\n"
        for line in csv_text(size).splitlines()[1:]  # the same quoting, without our header
    )
    pristine = "guid,front,back,tags\n" + "".join(f",{line},\n" for line in rows.splitlines())
    deck_json = repo / "build" / "export" / "deck.json"

    def setup() -> None:
        data.write_text(pristine, encoding="utf-8")
        shutil.rmtree(repo / "build", ignore_errors=True)

    def count() -> int:
        return len(json.loads(deck_json.read_text(encoding="utf-8"))["notes"])

    command = [str(bin_folder / "brainbrew"), "run", "recipes/source_to_anki.yaml"]
    return Job("CSV: brain-brew (CrowdAnki JSON)", command, repo, setup, count)


def measure(size: int, rounds: int, work: Path, cache: Path, peers: dict[str, Path]) -> list[Job]:
    jobs = jobs_for(size, work, cache, peers)
    for round_number in range(rounds):
        for job in jobs:
            job.run(work / "rss")
        print(f"  {size:,} cards: round {round_number + 1} of {rounds} done", flush=True)
    for job in jobs:
        if job.count is not None:
            counted = job.count()
            if counted != size:
                raise SystemExit(f"{job.name}: {counted} notes counted, {size} expected")
    return jobs


def report(results: dict[int, list[Job]]) -> list[str]:
    lines = ["| cards | command | median | peak RSS |", "|---|---|---|---|"]
    for size, jobs in results.items():
        lines += [f"| {size:,} | {j.name} | {j.seconds:.2f} s | {j.peak:.0f} MB |" for j in jobs]
    lines += ["", "Targets (issue 17, point 2):", ""]
    for size, jobs in results.items():
        by = {job.name: job for job in jobs}
        genanki = by["CSV: genanki script"].seconds
        peer = {"Markdown": "Markdown: ankdown", "CSV": "CSV: brain-brew (CrowdAnki JSON)"}
        for label in ("Markdown", "CSV", "lecture"):
            cold = by[f"{label}: build, cold"].seconds
            parts = [f"{size:,} {label}: cold build {cold:.2f} s"]
            if label in peer and peer[label] in by:
                ratio = cold / by[peer[label]].seconds
                parts.append(f"{ratio:.2f}x {peer[label].split(': ')[1]} {mark(ratio <= 1.0)}")
            ratio = cold / genanki
            parts.append(f"{ratio:.2f}x genanki script (<= 2x) {mark(ratio <= 2.0)}")
            check = by[f"{label}: check"].seconds
            parts.append(f"check {check / cold:.2f}x build (<= 1x) {mark(check <= cold)}")
            lines.append("- " + "; ".join(parts))
        to_md = by["Markdown: convert .apkg -> .md"].seconds
        to_json = by["Markdown: convert .apkg -> .json"].seconds
        lines.append(
            f"- {size:,}: .apkg -> .md {to_md / to_json:.2f}x .apkg -> .json (<= 2x)"
            f" {mark(to_md <= 2 * to_json)}"
        )
        if size == 1_000:
            for label in ("Markdown", "CSV", "lecture"):
                cold = by[f"{label}: build, cold"].seconds
                lines.append(f"- 1,000 {label} built in {cold:.2f} s (< 0.3 s) {mark(cold < 0.3)}")
        if size >= 100_000:
            ours = [job for job in jobs if job.name.split(": ")[1].split(" ")[0] in COMMANDS]
            worst = max(ours, key=lambda job: job.peak)
            lines.append(
                f"- {size:,}: largest peak RSS of deck2anki {worst.peak:.0f} MB ({worst.name})"
                f" (<= 300 MB) {mark(worst.peak <= 300)}"
            )
    return lines


COMMANDS = {"build,", "check", "convert", "inspect"}


def mark(met: bool) -> str:
    return "MET" if met else "NOT MET"


def compile_deck2anki() -> None:
    """Compile deck2anki's modules to bytecode first, as installing it from a wheel does (and
    pip did for the peers). From a source checkout installed editable, with
    PYTHONDONTWRITEBYTECODE set (as on this project's VMs), every run compiled all its
    modules again: about 30 ms of CPU that no user pays, a tenth of a small build."""
    spec = importlib.util.find_spec("deck2anki")
    if spec is not None and spec.submodule_search_locations:
        folder = spec.submodule_search_locations[0]
        subprocess.run([sys.executable, "-m", "compileall", "-q", folder], check=True, stdout=PIPE)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 cards only")
    parser.add_argument("--sizes", type=int, nargs="*", help="deck sizes (overrides --quick)")
    parser.add_argument("--cache", help="where the peers' venvs live")
    parser.add_argument(
        "--busy",
        action="store_true",
        help="keep another core busy all along (a process spinning), as on a CI runner",
    )
    args = parser.parse_args()
    sizes = args.sizes or ([1_000, 10_000] if args.quick else [1_000, 10_000, 100_000])
    cache = cache_folder(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    peers = {name: found for name in PEERS if (found := peer_bin(cache, name)) is not None}
    compile_deck2anki()
    with open("/proc/loadavg", encoding="ascii") as handle:
        load = handle.read().split()[:3]
    print(f"{os.cpu_count()} cores, load average {' '.join(load)} at the start; peers: {peers}")
    # Issue 17 sets each target idle *and* with the other core busy: then a build's second
    # thread (the package's deflate beside the lock's lines) has no core of its own.
    spinning = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    if spinning is not None:
        print("the other core kept busy: a process spinning all along")
    work = Path(tempfile.mkdtemp(prefix="deck2anki-peers-"))
    try:
        results = {}
        for size in sizes:
            rounds = 5 if size <= 1_000 else 3
            results[size] = measure(size, rounds, work, cache, peers)
            shutil.rmtree(work / str(size), ignore_errors=True)
        with open("/proc/loadavg", encoding="ascii") as handle:
            load = handle.read().split()[:3]
        print("\n".join(report(results)))
        print(f"\nload average {' '.join(load)} at the end")
    finally:
        if spinning is not None:
            spinning.kill()
            spinning.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
