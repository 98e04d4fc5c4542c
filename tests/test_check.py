"""`deck2anki check`: every problem, compiler-style, and the rules behind them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import deck2anki
from deck2anki.cli import cli

from conftest import SEED, edit_seed

LINT = (
    "What is the derivative of $x^2$?\n"
    "It is \\(2x. Analogy: a slope. Analogy: a hill.\n"
    "What is a tensor?\n"
    "An array. Analogy:\n"
    "What is a scalar?\n"
    "A number. Analogy: a single point on an endlessly long ruler that stretches on and on.\n"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="deck2anki", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def linted(project: Path) -> Path:
    (project / "sources" / "lint.txt").write_text(LINT, encoding="utf-8")
    return project


def test_check_reports_every_problem_compiler_style(linted: Path) -> None:
    code, out, _ = run("check")
    assert code == 0  # warnings only
    lines = [line for line in out.splitlines() if not line.startswith("  hint:")]
    assert lines == [
        "sources/deep-learning-lecture-06.txt:1:1: warning: the page counter says 19 cards, the"
        " file holds 20; all 20 are kept [counter-mismatch]",
        "sources/lint.txt:1:1: warning: two Analogy: labels in one answer; the second stays in"
        " the analogy [double-analogy]",
        "sources/lint.txt:1:1: warning: the analogy is longer than its answer: is the split"
        " right? [long-analogy]",
        "sources/lint.txt:1:1: warning: $...$ in the question is not math in Anki [dollar-math]",
        "sources/lint.txt:1:1: warning: unbalanced math delimiters in the answer [unbalanced-math]",
        "sources/lint.txt:3:1: warning: an Analogy: label with nothing after it [empty-analogy]",
        "sources/lint.txt:5:1: warning: the analogy is longer than its answer: is the split"
        " right? [long-analogy]",
        "checked 2 files: 0 errors, 7 warnings",
    ]


def test_strict_fails_on_warnings_and_json_is_for_machines(linted: Path) -> None:
    code, out, _ = run("check", "sources/lint.txt", "--strict", "--format", "json")
    assert code == 1
    result = json.loads(out)
    assert (result["files"], result["errors"], result["warnings"]) == (1, 0, 6)
    first = result["diagnostics"][0]
    assert first == {
        "path": "sources/lint.txt",
        "line": 1,
        "column": 1,
        "severity": "warning",
        "message": "two Analogy: labels in one answer; the second stays in the analogy",
        "rule": "double-analogy",
        "hint": "keep one label per card",
    }


def test_errors_fail_the_check_and_the_build_alike(project: Path) -> None:
    (project / "sources" / "bad.txt").write_text("Q?\nA.\nQ?\nB.\nOrphan?\n", encoding="utf-8")
    code, out, _ = run("check")
    assert code == 1
    assert "sources/bad.txt:5:1: error: question without an answer [unpaired-question]" in out
    assert out.splitlines()[-1] == "checked 2 files: 2 errors, 1 warning"
    assert "sources/bad.txt:3:1: error: this question is already in the deck (line 1)" in out
    code, _, err = run("build")
    assert code == 1
    assert "sources/bad.txt:5:1: error: question without an answer" in err


def test_warnings_can_be_switched_off_in_the_configuration(linted: Path) -> None:
    (linted / "deck2anki.toml").write_text(
        '[check]\ndisable = ["counter-mismatch", "long-analogy", "dollar-math"]\n', "utf-8"
    )
    code, out, _ = run("check")
    assert code == 0
    assert "counter-mismatch" not in out and "long-analogy" not in out
    assert out.splitlines()[-1] == "checked 2 files: 0 errors, 3 warnings"


@pytest.mark.parametrize(
    ("disable", "message"),
    [
        ('["unpaired-question"]', "'unpaired-question' is an error and cannot be switched off"),
        ('["no-such-rule"]', "'check.disable' names no rule 'no-such-rule'"),
    ],
)
def test_errors_cannot_be_switched_off(project: Path, disable: str, message: str) -> None:
    (project / "deck2anki.toml").write_text(f"[check]\ndisable = {disable}\n", "utf-8")
    code, _, err = run("check")
    assert code == 2
    assert message in err


def test_check_warns_of_notes_the_lock_would_lose_and_of_a_note_type_fork(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck2anki.build(timestamp=1_700_000_000)
    source = project / "sources" / SEED.name
    source.write_text("\n".join(source.read_text("utf-8").splitlines()[:-4]), "utf-8")
    from deck2anki.cards import notetype

    monkeypatch.setattr(notetype, "FIELDS", (*notetype.FIELDS, "Source"))
    code, out, _ = run("check")
    assert code == 0
    assert (
        "sources/deep-learning-lecture-06.txt: warning: 2 notes of the lock are gone from this"
        " source ('What is an encoder-decoder structure?', 'What is the purpose of"
        " segmentation in computer vision?'); students keep them [notes-removed]"
    ) in out
    assert "deck2anki.lock: warning: the note type's fields or card templates changed" in out


def test_rules_are_listed_with_their_severity() -> None:
    code, out, _ = run("check", "--rules")
    assert code == 0
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()}
    assert rows["unpaired-question"] == "error"
    assert rows["counter-mismatch"] == "warning"


def test_keep_going_writes_the_good_decks_and_keeps_the_lock_consistent(project: Path) -> None:
    (project / "sources" / "bad.txt").write_text("Orphan?\n", encoding="utf-8")
    code, out, err = run("build", "--keep-going")
    assert code == 1
    assert "built build/deep-learning-lecture-06.apkg" in out
    assert "sources/bad.txt:1:1: error: question without an answer" in err
    assert err.splitlines()[-1] == "error: not built, with errors: sources/bad.txt"
    assert sorted(p.name for p in (project / "build").iterdir()) == [
        "deep-learning-lecture-06.apkg"
    ]
    lock = json.loads((project / "deck2anki.lock").read_text("utf-8"))
    assert list(lock["decks"]) == ["deep-learning-lecture-06"]
    edit_seed(project, "memory constraints", "memory limits")
    assert run("build", "--keep-going")[0] == 1


def test_an_internal_error_is_one_line_and_debug_shows_the_traceback(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from deck2anki import cli as cli_module

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("oops")

    # Patch the module the command calls into.
    monkeypatch.setattr(sys.modules["deck2anki.project.build"], "build", broken)
    monkeypatch.setattr(sys, "argv", ["deck2anki", "build"])
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    assert exit_.value.code == 3
    err = capsys.readouterr().err
    assert err == (
        "deck2anki: internal error (KeyError: 'oops'). This is a bug in deck2anki, not in your"
        " files: please report it with the command you ran. Run it again with --debug to see"
        " the traceback.\n"
    )
    monkeypatch.setattr(sys, "argv", ["deck2anki", "--debug", "build"])
    with pytest.raises(KeyError):
        cli_module.main()


def test_every_rule_the_code_reports_is_listed_with_its_severity() -> None:
    """Messages end with a rule name that `check --rules` lists and the config can name."""
    import ast

    from deck2anki.cards.rules import RULES

    listed = {rule.name: rule.severity.value for rule in RULES}
    used = set()
    for path in (Path(__file__).resolve().parent.parent / "src" / "deck2anki").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("error", "warning")
                and len(node.args) >= 3
                and isinstance(node.args[2], ast.Constant)
                and isinstance(node.args[2].value, str)
            ):
                used.add((node.args[2].value, node.func.attr))
    assert len(used) > 30
    assert {(name, listed.get(name)) for name, _ in used} == used
