"""Reads the examples out of README.md and docs/ and runs them the way a reader would.

The conventions (docs/index.md explains them to writers):

- A ```console block holds `$ command` lines, each followed by the output it prints (stdout and
  stderr as a terminal shows them). A page's blocks run in order in one bash session, in a
  fresh temporary folder, so `cd` and files written by one example carry to the next.
- In expected output, a line `...` stands for any number of lines, and `...` inside a line
  for any text. Nothing else is normalised.
- A command that exits non-zero is followed by `$ echo $?` showing its status; a non-zero
  status that nobody shows fails the test.
- A block whose expected output has a `^C` line is run on its own until the lines above `^C`
  have been printed, then interrupted (SIGINT), and must print the lines below it.
- `<!-- file: PATH -->` on the line before a fence writes that block to PATH (in the current
  folder) at that point of the page.
- `<!-- docs-test: shipped -->` anywhere on a page starts it in a copy of this repository's
  sources/ and deck2anki.toml instead of an empty folder.
- ```pycon blocks are doctests, run in the current folder of the page; ```python blocks
  are executed there.
- A shell block that cannot run offline (installing, CI, shell start-up files) is a ```sh
  block with `<!-- not run: ID -->` before it; tests/test_docs.py checks each ID another way.
"""

from __future__ import annotations

import doctest
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

FENCE = re.compile(
    r"^(?:<!-- (?P<kind>file|not run): (?P<arg>[^>]*?) -->\n)?"
    r"(?P<fence>`{3,})(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S,
)
SHELLS = {"sh", "bash", "shell", "console"}
HANG_GUARD = 120.0
"""Seconds after which an example is taken to hang; no example comes near it."""

_MARK = "@@docs-example"
_MARKER = re.compile(rf"\n?{_MARK} (\d+) (.*)@@\n")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    body: str
    marker: str | None = None
    """'file' or 'not run', from the comment before the fence."""
    argument: str = ""

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


@dataclass(frozen=True)
class Command:
    block: Block
    command: str
    expected: str


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    return [
        Block(
            page,
            text.count("\n", 0, match.start("fence")) + 1,
            match["lang"],
            match["body"],
            match["kind"],
            match["arg"] or "",
        )
        for match in FENCE.finditer(text)
    ]


def commands(block: Block) -> list[Command]:
    """The `$ ` lines of a console block, each with the output shown under it."""
    found: list[Command] = []
    for chunk in re.split(r"^\$ ", block.body, flags=re.M)[1:]:
        command, _, expected = chunk.partition("\n")
        found.append(Command(block, command, expected))
    return found


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is ``expected``, with `...` lines and `...` in lines as wildcards."""
    pattern = []
    for line in expected.rstrip("\n").split("\n") if expected.strip() else []:
        if line == "...":
            pattern.append(r"(?:[^\n]*\n)*?")
        else:
            pattern.append(".*?".join(map(re.escape, line.split("..."))) + r"\n")
    actual = actual.rstrip("\n") + "\n" if actual.strip() else ""
    return re.fullmatch("".join(pattern), actual) is not None


def environment() -> dict[str, str]:
    """A reader's shell: this interpreter's deck2anki first on PATH, 80 columns, UTF-8, and
    unbuffered output so that stdout and stderr interleave as they would on a terminal."""
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "COLUMNS": "80",
        "LC_ALL": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "BROWSER": "true",  # preview --open must not start a real browser
    }


@dataclass
class Session:
    """One page's examples, run in order; `cwd` follows the page's `cd` commands."""

    cwd: Path
    script: list[str] = field(default_factory=list)
    pending: list[Command] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    namespace: dict[str, object] = field(default_factory=dict)
    """The page's Python names: its python and pycon blocks run one after another in it."""

    def write_file(self, block: Block) -> None:
        path = block.argument.strip()
        self.script.append(
            f"mkdir -p \"$(dirname '{path}')\" && cat > '{path}' <<'__DOCS_EOF__'\n"
            f"{block.body}__DOCS_EOF__\n"
        )

    def add(self, command: Command) -> None:
        self.script.append(
            f"{command.command}\n"
            f'__rc=$?; printf \'\\n{_MARK} %s %s@@\\n\' "$__rc" "$PWD"; (exit $__rc)\n'
        )
        self.pending.append(command)

    def flush(self) -> None:
        """Runs the commands added so far in one bash process and compares their output."""
        if not self.script:
            return
        result = subprocess.run(
            ["bash", "-c", "exec 2>&1\n" + "".join(self.script)],
            cwd=self.cwd,
            env=environment(),
            stdout=subprocess.PIPE,
            text=True,
            timeout=HANG_GUARD,
        )
        parts = _MARKER.split(result.stdout)
        outputs, statuses, folders = parts[0:-1:3], parts[1::3], parts[2::3]
        if len(statuses) != len(self.pending):
            self.failures.append(
                f"{self.pending[0].block.where}: the session stopped early:\n{result.stdout}"
            )
        for index, (command, output, status) in enumerate(
            zip(self.pending, outputs, statuses, strict=False)
        ):
            following = self.pending[index + 1].command if index + 1 < len(self.pending) else ""
            self.check(command, output, int(status), following)
        if folders:
            self.cwd = Path(folders[-1])
        self.script, self.pending = [], []

    def check(self, command: Command, output: str, status: int, following: str) -> None:
        if not matches(command.expected, output):
            self.failures.append(
                f"{command.block.where}: $ {command.command}\n"
                f"--- expected\n{command.expected.rstrip()}\n--- printed\n{output.rstrip()}"
            )
        if status != 0 and following.strip() != "echo $?":
            self.failures.append(
                f"{command.block.where}: $ {command.command}\nexits {status}; "
                "show it with a `$ echo $?` line after it, or fix the example"
            )

    def interrupt(self, command: Command) -> None:
        """Runs a command until it has printed the lines above `^C`, then sends SIGINT."""
        self.flush()
        before, _, after = command.expected.partition("^C\n")
        wanted = before.rstrip("\n").split("\n")
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command.command}"],
            cwd=self.cwd,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        reader = threading.Thread(target=lambda: list(map(lines.put, process.stdout or [])))
        reader.start()
        seen: list[str] = []
        deadline = time.monotonic() + HANG_GUARD
        try:
            while not matches(before, "".join(seen)):
                try:  # the condition to wait for is the output itself: no fixed sleep
                    seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
                if len(seen) > len(wanted):
                    break
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=HANG_GUARD)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            reader.join()
        rest = []
        while not lines.empty():
            rest.append(lines.get())
        self.check(
            Command(command.block, command.command, before + after),
            "".join(seen) + "".join(rest),
            process.returncode,
            "",
        )


def shell_blocks_run(page: Path) -> list[str]:
    """Runs every example on ``page``; returns the failures (an empty list when all hold)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="docs-") as folder:
        sandbox = Path(folder)
        text = page.read_text(encoding="utf-8")
        if "<!-- docs-test: shipped -->" in text:
            shutil.copytree(ROOT / "sources", sandbox / "sources")
            shutil.copy(ROOT / "deck2anki.toml", sandbox / "deck2anki.toml")
        session = Session(sandbox)
        for block in blocks(page):
            if block.marker == "file":
                session.write_file(block)
            elif block.lang == "console" and block.marker != "not run":
                for command in commands(block):
                    if "\n^C\n" in f"\n{command.expected}":
                        session.interrupt(command)
                    else:
                        session.add(command)
            elif block.lang in ("python", "pycon"):
                session.flush()
                with working_directory(session.cwd):
                    session.failures += run_python(block, session.namespace)
        session.flush()
        return session.failures


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def run_python(block: Block, namespace: dict[str, object]) -> list[str]:
    if block.lang == "python":
        exec(compile(block.body, block.where, "exec"), namespace)
        return []
    test = doctest.DocTestParser().get_doctest(block.body, namespace, block.where, None, 0)
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, out=report.append, clear_globs=False)
    namespace.update(test.globs)  # DocTest runs in a copy of the names it is given
    return [f"{block.where}: pycon block\n{''.join(report)}"] if runner.failures else []
