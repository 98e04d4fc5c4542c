"""A/B of the mechanisms that go beyond the obvious code (issue 14: every optimisation pays
or goes). Each is measured with and without, interleaved in the same run, at 10,000 and
100,000 notes, on an idle machine and with the other core kept busy by a busy loop this
script starts and stops. Run by hand, not by CI (about ten minutes on 2 cores):

    python benchmarks/ab.py                      # both sizes, both machine states
    python benchmarks/ab.py --sizes 10000 --states idle --runs 3

"Without" is the same ``deck2anki build`` process started as ``python -c`` with a small patch
that turns the mechanism off; every variant must write the same
package and lock bytes, and the script stops if one does not. Figures are medians of whole
processes (wall time; peak RSS from ``os.wait4``), printed as ratios "with / without": a
mechanism pays when it saves at least 15% of its own measure (a ratio of 0.85 or less).

The machine state is recorded beside every group: the load average, and the CPU others used
while the group ran, in cores (what the machine did, less what this script's processes did).
On a machine others keep busy, ``--nice`` (root only) runs everything at nice -20: their
processes then yield the cores, which comes close to an idle machine.

The results, and what was kept or removed, are in AB.md; the A/Bs of the mechanisms that were
removed (the forked worker, the chunks deflated on a thread pool) are in this script as of
commit 5345241.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import write_project

EPOCH = "1700000000"
"""SOURCE_DATE_EPOCH for every build: the variants' bytes can then be compared."""

# Each patch runs before the CLI in a fresh interpreter; "" is the build as shipped.
NO_REUSE = "import deck2anki.project.deck as d; d.reusable = lambda *args: {}"
# The lock writer as the obvious code: a string per note line, one string for the file.
SIMPLE_LOCK = """
import hashlib
from deck2anki.identity import lock
from deck2anki.project import build, deck
JOIN = ",\\n" + " " * 8
def notes_block(notes):
    return [lock._note_line(n) for n in sorted(notes, key=lambda n: n.guid)], None
def seal(locked, block=None):
    described = [locked.inputs, locked.package, list(locked.media)]
    if locked.context:
        described.append(locked.context)
    digest = hashlib.sha256(lock._line(described).encode())
    for line in notes_block(locked.notes)[0] if block is None else block[0]:
        digest.update(line.encode())
    return digest.hexdigest()[:16]
def lock_parts(whole, written=None):
    out = ["{", f'  "deck2anki-lock": {lock.FORMAT},']
    if whole.notetype is not None:
        t = whole.notetype
        described = {"id": t.id, "name": t.name, "version": t.version, "fields": list(t.fields),
                     "templates": list(t.templates), "content": t.content, "mod": t.mod}
        out.append(f'  "notetype": {lock._line(described)},')
    out.append('  "decks": {')
    for index, key in enumerate(sorted(whole.decks)):
        locked = whole.decks[key]
        if written and key in written:
            sealed, lines = written[key]
        else:
            lines = notes_block(locked.notes)[0]
            sealed = seal(locked, (lines, None))
        out.append(f"    {lock._line(key)}: {{")
        out.append(f'      "inputs": {lock._line(locked.inputs)},')
        out.append(f'      "package": {lock._line(locked.package)},')
        if locked.context:
            out.append(f'      "context": {lock._line(locked.context)},')
        out.append(f'      "seal": {lock._line(sealed)},')
        if locked.media:
            out.append(f'      "media": {lock._line(dict(locked.media))},')
        out.append('      "notes": [')
        if lines:
            out.append(" " * 8 + JOIN.join(lines))
        out.append("      ]")
        out.append("    }" + ("," if index < len(whole.decks) - 1 else ""))
    out += ["  }", "}", ""]
    return ["\\n".join(out).encode()]
lock.seal = deck.seal = seal
deck.notes_block = notes_block
build.lock_parts = lock.lock_parts = lock_parts
"""

CLI = "\nfrom deck2anki.cli.commands import main; main()"

# Parts of a build timed on their own, in a fresh process with the same patches.
LOCK_TIMER = """
import sys, time
from pathlib import Path
from deck2anki.identity.lockread import load_lock
from deck2anki.project import build, deck
whole = load_lock(Path(sys.argv[1]))
started = time.perf_counter()
written = {}
for key, locked in whole.decks.items():
    block = deck.notes_block(locked.notes)
    written[key] = (deck.seal(locked, block), block[0])
parts = build.lock_parts(whole, written)
del written
with open(sys.argv[2], "wb") as out:
    for part in parts:
        out.write(part)
print(time.perf_counter() - started)
"""


@dataclass(frozen=True)
class Variant:
    name: str
    patch: str = ""
    env: tuple[tuple[str, str], ...] = ()


SHIPPED = Variant("as shipped")
COLD = {
    "lock": Variant("lock written as strings", SIMPLE_LOCK),
}
WARM = {"reuse": Variant("every note worked on again", NO_REUSE)}


@dataclass
class Run:
    seconds: float
    rss_mb: float
    cpu: float
    """CPU seconds of the process (and of any child it waited for)."""

    stdout: str


class Machine:
    """The machine's state: a busy loop this script keeps (``busy``), and the CPU others
    used while this script's processes ran, told from what the whole machine used."""

    def __init__(self) -> None:
        self.busy_loop: subprocess.Popen[bytes] | None = None
        self.idle_wait = 0.0
        """Before each round, wait up to this many seconds for others to leave the machine."""
        self.foreign = self.wall = 0.0

    @staticmethod
    def busy() -> float:
        """CPU seconds all cores spent busy since boot."""
        with open("/proc/stat", encoding="ascii") as stat:
            user, nice, system, _idle, _wait, irq, soft, steal = map(
                int, stat.readline().split()[1:9]
            )
        return (user + nice + system + irq + soft + steal) / os.sysconf("SC_CLK_TCK")

    def own(self) -> float:
        """CPU seconds of this process and of its busy loop."""
        times = os.times()
        loop = 0.0
        if self.busy_loop is not None:
            with open(f"/proc/{self.busy_loop.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            loop = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return times.user + times.system + loop

    def others_now(self, seconds: float = 2) -> float:
        """Cores others use, over the next ``seconds``."""
        machine, own = self.busy(), self.own()
        time.sleep(seconds)
        return max(0.0, (self.busy() - machine - (self.own() - own)) / seconds)

    def before_round(self) -> None:
        """On an idle machine, wait (up to ``idle_wait`` seconds) until others use under a
        fifth of a core."""
        deadline = time.monotonic() + self.idle_wait
        while self.idle_wait and (others := self.others_now()) >= 0.2:
            if time.monotonic() > deadline:
                print(f"  (not idle: others use {others:.2f} cores; going on)", flush=True)
                return
            time.sleep(3)

    def keep_a_core_busy(self) -> None:
        self.busy_loop = subprocess.Popen([sys.executable, "-c", "while True: pass"])

    def release(self) -> None:
        if self.busy_loop is not None:
            self.busy_loop.send_signal(signal.SIGKILL)
            self.busy_loop.wait()
            self.busy_loop = None


MACHINE = Machine()


# A small parent for each run: a process's peak RSS counts its parent's at the moment it was
# started (the memory it was forked from), and this script holds a large deck's files at times.
PROBE = """
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=sys.stdout, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - started
print(seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status))
"""


def run(variant: Variant, code: str, args: list[str], cwd: Path) -> Run:
    """One fresh process running ``code`` with ``variant``'s patch; its wall time and peak RSS
    (of it and of any child it waited for: ``wait4`` tells both)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **dict(variant.env)}
    machine, own = MACHINE.busy(), MACHINE.own()
    command = [sys.executable, "-c", variant.patch + code, *args]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *command], cwd=cwd, env=env, capture_output=True, text=True
    )
    *printed, measured = done.stdout.rstrip("\n").split("\n")
    seconds, rss, cpu, status = measured.split()
    if done.returncode or int(status):
        raise SystemExit(f"{variant.name}: exited with {status} in {cwd}")
    MACHINE.foreign += MACHINE.busy() - machine - (MACHINE.own() - own) - float(cpu)
    MACHINE.wall += float(seconds)
    return Run(float(seconds), int(rss) / 1024, float(cpu), "\n".join(printed))


def outputs(project: Path) -> str:
    """A hash of the package and the lock a build left."""
    digest = hashlib.sha256()
    for path in (project / "build" / "deck.apkg", project / "deck2anki.lock"):
        with path.open("rb") as file:
            digest.update(hashlib.file_digest(file, "sha256").digest())
    return digest.hexdigest()


def clean(project: Path) -> None:
    shutil.rmtree(project / "build", ignore_errors=True)
    (project / "deck2anki.lock").unlink(missing_ok=True)


def rounds(variants: list[Variant], runs: int) -> Iterator[list[Variant]]:
    """Each round runs every variant; the order turns from round to round, so a drift in the
    machine's state does not favour whoever runs first."""
    for r in range(runs):
        MACHINE.before_round()
        yield variants[r % len(variants) :] + variants[: r % len(variants)]


def cold_builds(project: Path, variants: list[Variant], runs: int) -> dict[str, list[Run]]:
    results: dict[str, list[Run]] = {v.name: [] for v in variants}
    expected: str | None = None
    for order in rounds(variants, runs):
        for variant in order:
            clean(project)
            results[variant.name].append(run(variant, CLI, ["build"], project))
            made = outputs(project)
            if expected is None:
                expected = made
            elif made != expected:
                raise SystemExit(f"{variant.name}: a cold build wrote other bytes")
    return results


def warm_builds(project: Path, variants: list[Variant], runs: int) -> dict[str, list[Run]]:
    """A rebuild after one note was edited (a new edit each round), every variant from the
    very same state: its package and lock, restored between the variants."""
    results: dict[str, list[Run]] = {v.name: [] for v in variants}
    source = project / "sources" / "deck.txt"
    lines = source.read_text(encoding="utf-8").split("\n")
    saved = project.with_name(project.name + "-saved")
    for index, order in enumerate(rounds(variants, runs)):
        edited = list(lines)
        edited[6] = f"{edited[6]} Edited {index}."  # the first card's answer
        source.write_text("\n".join(edited), encoding="utf-8")
        shutil.rmtree(saved, ignore_errors=True)
        shutil.copytree(project, saved)
        expected = None
        for variant in order:
            shutil.rmtree(project)
            shutil.copytree(saved, project)
            results[variant.name].append(run(variant, CLI, ["build"], project))
            made = outputs(project)
            if expected is None:
                expected = made
            elif made != expected:
                raise SystemExit(f"{variant.name}: a rebuild wrote other bytes")
    shutil.rmtree(saved, ignore_errors=True)
    return results


def timed_parts(
    variants: list[Variant], timer: str, given: Path, work: Path, runs: int, expected: bytes | None
) -> dict[str, list[float]]:
    """``timer`` (printing its own seconds) per variant, in fresh processes; the file it
    writes must be the same for all (and ``expected``, when given)."""
    results: dict[str, list[float]] = {v.name: [] for v in variants}
    made: set[bytes] = set() if expected is None else {expected}
    for order in rounds(variants, runs):
        for variant in order:
            target = work / "timed.out"
            results[variant.name].append(
                float(run(variant, timer, [str(given), str(target)], work).stdout)
            )
            with target.open("rb") as file:
                made.add(hashlib.file_digest(file, "sha256").digest())
            if len(made) > 1:
                raise SystemExit(f"{variant.name}: {timer.split()[-1]} wrote other bytes")
    return results


def median(values: list[float]) -> float:
    return statistics.median(values)


def line(text: str) -> None:
    print(text, flush=True)


def verdict(ratio: float) -> str:
    return f"saves {1 - ratio:.0%}" + (", pays" if ratio <= 0.85 else "")


def group(state: str, size: int, label: str) -> None:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    line(f"\n### {label}, {size:,} notes, {state} (load average {load})")
    MACHINE.foreign = MACHINE.wall = 0.0


def close_group() -> None:
    others = max(0.0, MACHINE.foreign / MACHINE.wall)
    line(f"  others used {others:.2f} cores while these ran")


def measure(state: str, size: int, work: Path, runs: int) -> None:
    project = work / f"deck{size}"
    if not project.exists():
        write_project(project, {"deck": size})

    group(state, size, "cold build")
    cold = cold_builds(project, [SHIPPED, *COLD.values()], runs)
    close_group()
    shipped = median([r.seconds for r in cold[SHIPPED.name]])
    rss = median([r.rss_mb for r in cold[SHIPPED.name]])
    line(f"  as shipped: {shipped:.2f} s, peak RSS {rss:.0f} MB")
    for key, variant in COLD.items():
        seconds = median([r.seconds for r in cold[variant.name]])
        other_rss = median([r.rss_mb for r in cold[variant.name]])
        line(
            f"  {key:<8} with / without: time {shipped / seconds:.2f}"
            f" ({verdict(shipped / seconds)}),"
            f" peak RSS {rss / other_rss:.2f} ({rss:.0f} / {other_rss:.0f} MB);"
            f" without: {variant.name}, {seconds:.2f} s"
        )

    clean(project)
    run(SHIPPED, CLI, ["build"], project)
    group(state, size, "lock writing alone")
    lock = COLD["lock"]
    with (project / "deck2anki.lock").open("rb") as file:
        digest = hashlib.file_digest(file, "sha256").digest()
    locks = timed_parts(
        [SHIPPED, lock], LOCK_TIMER, project / "deck2anki.lock", work, runs + 2, digest
    )
    close_group()
    ratio = median(locks[SHIPPED.name]) / median(locks[lock.name])
    line(
        f"  lock     with / without: {ratio:.2f} ({verdict(ratio)});"
        f" {median(locks[SHIPPED.name]):.3f} s against {median(locks[lock.name]):.3f} s"
    )

    group(state, size, "warm rebuild after one edited note")
    warm = warm_builds(project, [SHIPPED, *WARM.values()], runs)
    close_group()
    rebuilt = median([r.seconds for r in warm[SHIPPED.name]])
    line(f"  as shipped: {rebuilt:.2f} s, {rebuilt / shipped:.2f}x the cold build")
    for key, variant in WARM.items():
        seconds = median([r.seconds for r in warm[variant.name]])
        line(
            f"  {key:<8} with / without: {rebuilt / seconds:.2f} ({verdict(rebuilt / seconds)});"
            f" without: {variant.name}, {seconds:.2f} s ({seconds / shipped:.2f}x cold)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--states", nargs="+", choices=["idle", "busy"], default=["idle", "busy"])
    parser.add_argument("--runs", type=int, default=3, help="rounds per group (3 at least)")
    parser.add_argument(
        "--wait", type=float, default=120, help="most seconds a round waits for idle"
    )
    parser.add_argument(
        "--nice",
        action="store_true",
        help="run at nice -20 (root only): others' processes then yield the cores to these",
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # the busy loop is stopped too
    if args.nice:
        os.nice(-20 - os.nice(0))  # inherited by the builds and by the busy loop
    work = Path(tempfile.mkdtemp(prefix="deck2anki-ab-"))
    line(
        f"A/B on {os.cpu_count()} cores, {args.runs} rounds, nice {os.nice(0)};"
        " ratios are with / without"
    )
    try:
        for state in args.states:
            for size in args.sizes:
                MACHINE.idle_wait = args.wait if state == "idle" else 0.0
                if state == "idle":
                    line(
                        f"\n## idle: each round waits (up to {args.wait:.0f} s) for others to leave"
                    )
                else:
                    MACHINE.keep_a_core_busy()
                    line("\n## busy: a busy loop keeps a core busy")
                try:
                    measure(state, size, work, args.runs)
                finally:
                    MACHINE.release()
    finally:
        MACHINE.release()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
