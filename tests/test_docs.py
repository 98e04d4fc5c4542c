"""The documentation, run: every example in README.md and docs/ is executed and its output
compared (see docs_examples.py for the conventions), the generated reference pages are
current, every link leads somewhere, and the few examples that cannot run here are checked
another way, each by a test named below."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from docs_examples import PAGES, ROOT, SHELLS, Block, blocks, commands, environment, matches
from docs_examples import shell_blocks_run as run_page

ALL_BLOCKS = [block for page in PAGES for block in blocks(page)]
README = ROOT / "README.md"

CHECKED_ELSEWHERE = {
    "ci": "test_the_readme_gives_ci_its_two_commands",
    "install": "test_the_install_commands_are_the_ones_ci_runs",
    "completion": "test_the_completion_lines_install_a_completion",
    "fuzz": "test_the_wider_property_run_collects_the_property_tests_and_scales_them",
    "merge": "test_the_merge_steps_are_the_ones_the_merge_test_takes",
}
"""`<!-- not run: ID -->` blocks, and the test that checks each kind."""


def not_run(kind: str) -> list[Block]:
    found = [b for b in ALL_BLOCKS if b.marker == "not run" and b.argument == kind]
    assert found, f"no <!-- not run: {kind} --> block is left; remove its test"
    return found


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_the_examples_print_what_the_page_shows(page: Path) -> None:
    failures = run_page(page)
    assert not failures, "\n\n".join(failures)


def test_every_shell_block_is_run_or_checked_elsewhere() -> None:
    unchecked = [
        block.where
        for block in ALL_BLOCKS
        if block.lang in SHELLS
        and block.lang != "console"
        and not (block.marker == "not run" and block.argument in CHECKED_ELSEWHERE)
    ]
    assert unchecked == [], "write them as ```console examples, or mark them <!-- not run -->"
    assert not [b.where for b in ALL_BLOCKS if b.lang == "console" and not commands(b)]


@pytest.mark.parametrize(
    ("expected", "printed", "same"),
    [
        ("built 2 decks\n", "built 2 decks\n", True),
        ("built 2 decks\n", "built 3 decks\n", False),
        ("built ... decks\n", "built 3 decks\n", True),
        ("a\n...\nz\n", "a\nb\nc\nz\n", True),
        ("a\n...\nz\n", "a\nz\n", True),
        ("a\n...\nz\n", "a\nb\n", False),
        ("", "something\n", False),
        ("a\n", "a\nmore\n", False),
    ],
    ids=[
        "same",
        "differs",
        "ellipsis-in-line",
        "ellipsis-lines",
        "no-lines",
        "tail",
        "empty",
        "extra",
    ],
)
def test_expected_output_matches_only_with_the_documented_wildcards(
    expected: str, printed: str, same: bool
) -> None:
    assert matches(expected, printed) is same


def test_the_readme_is_short_and_starts_with_the_two_commands() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150
    first_example = next(b for b in ALL_BLOCKS if b.page == README)
    assert first_example.body.startswith("python3 -m venv ")


def test_the_readme_gives_ci_its_two_commands() -> None:
    """.ci/run takes the README's lines that start with `python3 -m venv `, as written, and
    runs the first (install, build the shipped sources) and the second (install, test)."""
    (block,) = not_run("ci")
    assert block.page == README
    assert block.body.splitlines() == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && deck2anki build",
        "python3 -m venv .venv && . .venv/bin/activate && pip install -U pip"
        " && pip install -e . --group dev && pytest",
    ]
    readme_lines = README.read_text(encoding="utf-8").splitlines()
    assert [line for line in readme_lines if line.startswith("python3 -m venv ")] == (
        block.body.splitlines()
    )
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "grep -E '^python3 -m venv ' README.md" in ci
    assert 'bash -c "$build_command"' in ci and 'bash -c "$test_command"' in ci
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["dependency-groups"]
    assert any(spec.startswith("pytest") for spec in groups["dev"])


def test_the_install_commands_are_the_ones_ci_runs() -> None:
    """Installing needs a network; .ci/run installs the wheel with pip and the project with
    pipx, as these lines do, and runs the command it gets."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for block in not_run("install"):
        for line in block.body.splitlines():
            tool = line.split("#")[0].split()[:2]
            assert tool in (["pip", "install"], ["pipx", "install"]), line
            ran = {"pip": '/bin/pip" install -q "$wheel"', "pipx": "pipx install -q ."}[tool[0]]
            assert ran in ci and '"$work/pipx-bin/deck2anki" --version' in ci


def test_the_completion_lines_install_a_completion() -> None:
    """The start-up file lines print click's completion script for their shell; bash, which
    this machine has, sources it and then completes deck2anki."""
    shells = {}
    for block in not_run("completion"):
        for line in block.body.splitlines():
            found = re.search(r"_DECK2ANKI_COMPLETE=(\w+)_source deck2anki", line)
            assert found, line
            shells[found[1]] = subprocess.run(
                ["bash", "-c", found[0]],
                env=environment(),
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout
    assert sorted(shells) == ["bash", "fish", "zsh"]
    assert "compdef _deck2anki_completion deck2anki" in shells["zsh"]
    assert "complete --no-files --command deck2anki" in shells["fish"]
    registered = subprocess.run(
        ["bash", "-c", f'eval "$({shells_line("bash")})" && complete -p deck2anki'],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert registered.returncode == 0, registered.stderr
    assert "_deck2anki_completion" in registered.stdout


def shells_line(shell: str) -> str:
    return f"_DECK2ANKI_COMPLETE={shell}_source deck2anki"


def cli_commands() -> set[str]:
    """The commands `deck2anki --help` lists: the CLI, not a list kept by hand."""
    usage = subprocess.run(
        [sys.executable, "-m", "deck2anki", "--help"],
        env=environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return set(re.findall(r"^  ([a-z]+)  ", usage.partition("Commands:")[2], re.M))


def test_every_command_has_an_example_and_its_help_in_the_reference() -> None:
    listed = cli_commands()
    assert len(listed) >= 8
    shown = {
        command.command.split()[1]
        for block in ALL_BLOCKS
        if block.lang == "console"
        for command in commands(block)
        if command.command.startswith("deck2anki ") and "--help" not in command.command
    }
    assert listed - shown == set(), "commands without an example in the docs"
    reference = (ROOT / "docs" / "reference" / "commands.md").read_text(encoding="utf-8")
    helped = set(re.findall(r"^\$ deck2anki (\w+) --help$", reference, re.M))
    assert helped == listed


def test_the_generated_pages_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


LINK = re.compile(r"\]\((?!https?://|mailto:)([^)#\s]*)(?:#([^)\s]*))?\)")


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation gone, spaces to '-'."""
    headings = re.findall(r"^#+ (.*)$", page.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_link_leads_to_a_file_and_heading_that_exist(page: Path) -> None:
    text = re.sub(r"(`{3,}).*?\1", "", page.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target, anchor in LINK.findall(text):
        linked = (page.parent / target).resolve() if target else page
        if not linked.exists():
            broken.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}#{anchor}")
    assert broken == []


def test_every_page_of_docs_is_linked_from_the_readme_or_the_docs_index() -> None:
    linked = {
        (page.parent / target).resolve()
        for page in (README, ROOT / "docs" / "index.md")
        for target, _ in LINK.findall(page.read_text(encoding="utf-8"))
        if target
    }
    pages = set((ROOT / "docs").rglob("*.md")) - {ROOT / "docs" / "index.md"}
    assert sorted(map(str, pages - linked)) == []


def test_every_screenshot_in_docs_is_shown_on_a_page() -> None:
    images = {image.name for image in (ROOT / "docs").glob("*.png")}
    texts = [page.read_text("utf-8") for page in PAGES]
    assert {name for name in images if not any(name in text for text in texts)} == set()


def test_the_pre_commit_example_names_the_hooks_this_repository_ships() -> None:
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    shipped = dict(re.findall(r"^- id: (\S+)\n(?:  .*\n)*?  entry: (.+)$", hooks, re.M))
    assert shipped == {"deck2anki-check": "deck2anki check", "deck2anki-build": "deck2anki build"}
    examples = [b for b in ALL_BLOCKS if b.lang == "yaml" and "repos:" in b.body]
    assert examples
    for block in examples:
        assert set(re.findall(r"- id: (\S+)", block.body)) <= set(shipped), block.where


@pytest.mark.parametrize(
    "block",
    [b for b in ALL_BLOCKS if b.lang == "toml" and b.marker is None],
    ids=lambda b: b.where,
)
def test_every_configuration_example_is_a_configuration_deck2anki_accepts(
    block: Block, tmp_path: Path
) -> None:
    """Each deck2anki.toml example, beside the shipped sources and sections for the sources
    it names, passes `deck2anki check` with no configuration problem."""
    sections = set(re.findall(r"^\[decks\.([\w-]+)\]", block.body, re.M)) or {"any"}
    (tmp_path / "sources").mkdir()
    for name in sections:
        (tmp_path / "sources" / f"{name}.txt").write_text("Q?\nA.\n", encoding="utf-8")
    for css in re.findall(r'^css = "([^"]+)"', block.body, re.M):  # the file it names exists
        (tmp_path / css).write_text(".card { color: teal; }\n", encoding="utf-8")
    (tmp_path / "deck2anki.toml").write_text(block.body, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "deck2anki", "check"],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "deck2anki.toml" not in result.stderr


def test_the_wider_property_run_collects_the_property_tests_and_scales_them() -> None:
    """The wider run the limits page gives: `-m fuzz` selects the property tests over hostile
    and random input, and DECK2ANKI_FUZZ_SCALE multiplies their examples."""
    (block,) = not_run("fuzz")
    command = block.body.split("#")[0].split()
    assert command[0].startswith("DECK2ANKI_FUZZ_SCALE=") and command[1:] == [
        "pytest",
        "-m",
        "fuzz",
    ]
    scale = command[0].split("=")[1]
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--co", "-m", "fuzz", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in (
        "test_text_readers_never_crash_on_any_text",
        "test_a_megabyte_line_of_any_pattern_alphabet_is_read_in_bounded_time",
        "test_a_randomly_mutated_lock_loads_or_is_a_clean_damaged_lock",
    ):
        assert name in collected, name
    scaled = subprocess.run(
        [sys.executable, "-c", "import conftest; print(conftest.examples(3))"],
        cwd=ROOT / "tests",
        env={**os.environ, "DECK2ANKI_FUZZ_SCALE": scale},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert scaled == f"{3 * int(scale)}\n"


def test_the_merge_steps_are_the_ones_the_merge_test_takes() -> None:
    """A real git merge is resolved in tests/test_semester_merge.py with real git; the steps
    the how-to gives are the ones that test takes (the commit message aside)."""
    (block,) = not_run("merge")
    assert block.body.splitlines() == [
        "deck2anki build",
        "git add deck2anki.lock build && git commit",
    ]
    test = (ROOT / "tests" / "test_semester_merge.py").read_text(encoding="utf-8")
    steps = test.split("def test_a_conflicted_merge_is_resolved_by_one_build", 1)[1]
    taken = [
        'code, out, err = run("build")',
        'git(project, "add", "deck2anki.lock", "build")',
        'git(project, "commit", "-q", "--no-edit")',
        'code, out, err = run("build", "--check")',
    ]
    positions = [steps.index(step) for step in taken]
    assert positions == sorted(positions)
