"""Hostile projects (issue 13, classes 5 to 8): special files, a forged lock, names that
drive the terminal, and what a killed lock write leaves behind.

Commands that could hang (a FIFO, /dev/zero) run in a subprocess under a timeout and a
memory limit, so that a regression fails the test instead of blocking the suite.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deck2anki
from deck2anki.cli import cli
from deck2anki.identity.lock import lock_parts, seal
from deck2anki.identity.lockread import load_lock

from conftest import SEED, examples

T0 = 1_700_000_000
LATEST_TIME = 253_402_300_799  # the last second of the year 9999
LECTURE = "deep-learning-lecture-06"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
PICS = (
    "---\ndeck: Pictures\n---\n\n## What is shown?\n\n![a cat](img/cat.png)\n\n"
    "## Why?\n\nBecause.\n"
)
RESTORE = "; restore it from version control (deleting it loses the identity of reworded notes)\n"
TIMEOUT = 60  # seconds: a hang fails the test, well past a build's second or two
MEMORY = 3 << 30  # bytes of address space: /dev/zero read whole fails fast instead


def run(*args: str) -> tuple[int, str, str]:
    """A command run in this process (for what cannot hang)."""
    result = CliRunner().invoke(cli, list(args), prog_name="deck2anki", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_apart(*args: str) -> tuple[int, str, str]:
    """A command run in a subprocess, here, under ``TIMEOUT`` and ``MEMORY``."""
    done = subprocess.run(
        [sys.executable, "-m", "deck2anki", *args],
        capture_output=True,
        timeout=TIMEOUT,
        preexec_fn=_limited,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project built once: the seed lecture and a Markdown source showing an image."""
    folder = tmp_path_factory.mktemp("built") / "project"
    (folder / "sources" / "img").mkdir(parents=True)
    shutil.copy(SEED, folder / "sources" / SEED.name)
    (folder / "sources" / "pics.md").write_text(PICS, encoding="utf-8")
    (folder / "sources" / "img" / "cat.png").write_bytes(PNG)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        deck2anki.build(timestamp=T0)
    return folder


@pytest.fixture
def project(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``built`` in ``tmp_path/project`` (``tmp_path`` itself lies outside it),
    and the current directory."""
    folder = tmp_path / "project"
    shutil.copytree(built, folder, symlinks=True)
    monkeypatch.chdir(folder)
    return folder


# --- 5. Special files ------------------------------------------------------------------


FIFO_SOURCE = (
    "error: sources/fifo.txt: not a regular file (a FIFO, a device or a socket); deck2anki"
    " reads only files: remove it from the sources folder\n"
)


@pytest.mark.parametrize(
    "command", [("build",), ("build", "--check"), ("check",)], ids=["build", "check-build", "check"]
)
def test_a_fifo_in_sources_is_refused_by_name(project: Path, command: tuple[str, ...]) -> None:
    os.mkfifo(project / "sources" / "fifo.txt")
    code, _, err = run_apart(*command)
    assert (code, err) == (2, FIFO_SOURCE)


def test_a_source_linked_to_dev_zero_is_refused(project: Path) -> None:
    os.symlink("/dev/zero", project / "sources" / "z.txt")
    code, _, err = run_apart("build")
    assert code == 2
    assert err == (
        "error: sources/z.txt: a link to /dev/zero, outside the project; deck2anki reads"
        " sources only inside it (a pull request could link to any file): copy the file"
        " in instead\n"
    )


def test_a_source_linked_out_of_the_project_is_refused(project: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("What is the secret?\nSwordfish.\n", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", project / "sources" / "secret.txt")
    code, _, err = run_apart("build")
    assert code == 2
    assert err.startswith("error: sources/secret.txt: a link to ")
    assert "secret.txt, outside the project" in err
    assert not (project / "build" / "secret.apkg").exists()


def test_a_source_linked_inside_the_project_still_builds(project: Path) -> None:
    (project / "notes").mkdir()
    (project / "notes" / "kept.txt").write_text("What is kept?\nThis.\n", encoding="utf-8")
    os.symlink(project / "notes" / "kept.txt", project / "sources" / "kept.txt")
    code, out, _ = run_apart("build")
    assert code == 0
    assert "built build/kept.apkg" in out


def test_a_fifo_as_an_image_is_a_located_error(project: Path) -> None:
    os.mkfifo(project / "sources" / "img" / "fifo.png")
    text = PICS.replace("img/cat.png", "img/fifo.png")
    (project / "sources" / "pics.md").write_text(text, encoding="utf-8")
    code, _, err = run_apart("build")
    assert code == 1
    assert (
        "sources/pics.md:7:1: error: image 'img/fifo.png' is not a regular file (a FIFO, a"
        " device or a socket) [missing-media]"
    ) in err
    assert (project / "build" / "pics.apkg").is_file()  # the previous build stays


def test_a_fifo_as_the_lock_is_a_damaged_lock(project: Path) -> None:
    (project / "deck2anki.lock").unlink()
    os.mkfifo(project / "deck2anki.lock")
    code, _, err = run_apart("build", "--check")
    assert code == 2
    assert err == (
        "error: deck2anki.lock: damaged lock file (not a regular file (a FIFO, a device or a"
        f" socket)){RESTORE}"
    )


# --- 6. The lock ---------------------------------------------------------------------


def _note_line(lines: list[str], deck: str, index: int) -> int:
    """The index in ``lines`` of note ``index`` of ``deck`` (the lock's one-note lines)."""
    start = lines.index(f"    {json.dumps(deck)}: {{")
    first = next(i for i in range(start, len(lines)) if lines[i].lstrip().startswith('{"guid"'))
    return first + index


def _edit_note(deck: str, index: int, edit: Callable[[dict[str, Any]], Any]) -> Mutation:
    def mutate(lines: list[str]) -> int:
        at = _note_line(lines, deck, index)
        body = lines[at].strip().removesuffix(",")
        note = json.loads(body)
        raw = edit(note)
        new = raw if isinstance(raw, str) else json.dumps(note, ensure_ascii=False)
        lines[at] = lines[at].replace(body, new)
        return at + 1

    return mutate


def _set(deck: str, index: int, key: str, value: Any) -> Mutation:
    """Note ``index`` of ``deck`` with ``key`` set to ``value`` (a ``Raw`` JSON text as is)."""

    def edit(note: dict[str, Any]) -> str | None:
        if isinstance(value, Raw):
            note[key] = "\0marker"
            return json.dumps(note).replace('"\\u0000marker"', value.text)
        note[key] = value
        return None

    return _edit_note(deck, index, edit)


class Raw:
    """JSON text written as it is (``1e999``, a lone surrogate)."""

    def __init__(self, text: str) -> None:
        self.text = text


Mutation = Callable[[list[str]], int]
"""Changes the lock's lines; returns the (1-based) line the message must name."""


def _line_with(key: str, value: str) -> Mutation:
    """The first line of the lock holding ``"key": ...`` given ``value`` (raw JSON) instead."""

    def mutate(lines: list[str]) -> int:
        at = next(i for i, line in enumerate(lines) if line.lstrip().startswith(f'"{key}": '))
        indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
        comma = "," if lines[at].rstrip().endswith(",") else ""
        lines[at] = f'{indent}"{key}": {value}{comma}'
        return at + 1

    return mutate


def _notetype(key: str, value: Any) -> Mutation:
    def mutate(lines: list[str]) -> int:
        at = next(i for i, line in enumerate(lines) if line.startswith('  "notetype": '))
        described = json.loads(lines[at].strip().removeprefix('"notetype": ').removesuffix(","))
        described[key] = value
        lines[at] = f'  "notetype": {json.dumps(described)},'
        return at + 1

    return mutate


def _duplicate_guid(lines: list[str]) -> int:
    """The lecture's second note given the first one's GUID."""
    first = _note_line(lines, LECTURE, 0)
    guid = json.loads(lines[first].strip().removesuffix(","))["guid"]
    return _set(LECTURE, 1, "guid", guid)(lines)


def _without(key: str) -> Callable[[dict[str, Any]], None]:
    def edit(note: dict[str, Any]) -> None:
        del note[key]

    return edit


NOTE_1 = f"deck '{LECTURE}', note 1"
NOTE_2 = f"deck '{LECTURE}', note 2"
LOCK_MUTATIONS: list[tuple[str, Mutation, str]] = [
    ("guid-empty", _set(LECTURE, 0, "guid", ""), f'{NOTE_1}, "guid": is empty'),
    (
        "guid-huge",
        _set(LECTURE, 0, "guid", "g" * 100_000),
        f'{NOTE_1}, "guid": has 100,000 characters, more than 64',
    ),
    ("guid-nul", _set(LECTURE, 0, "guid", "a\0b"), f"{NOTE_1}, \"guid\": 'a\\x00b' holds a"),
    ("guid-newline", _set(LECTURE, 0, "guid", "a\nb"), f"{NOTE_1}, \"guid\": 'a\\nb' holds a"),
    ("guid-separator", _set(LECTURE, 0, "guid", "a\x1fb"), f"{NOTE_1}, \"guid\": 'a\\x1fb' holds"),
    ("guid-number", _set(LECTURE, 0, "guid", 12), f'{NOTE_1}, "guid": must be a string, not a'),
    ("guid-null", _set(LECTURE, 0, "guid", None), f'{NOTE_1}, "guid": must be a string, not null'),
    (
        "guid-surrogate",
        _set(LECTURE, 0, "guid", Raw('"\\ud800"')),
        f"{NOTE_1}, \"guid\": '\\ud800' holds a lone surrogate",
    ),
    (
        "guid-duplicate",
        _duplicate_guid,
        f'{NOTE_2}, "guid": GUID',
    ),
    (
        "guid-missing",
        _edit_note(LECTURE, 0, _without("guid")),
        f'{NOTE_1}, "guid": is missing',
    ),
    (
        "mod-negative",
        _set(LECTURE, 0, "mod", -1),
        f'{NOTE_1}, "mod": -1 is out of range: give 0 to',
    ),
    (
        "mod-float",
        _set(LECTURE, 0, "mod", 1.5),
        f'{NOTE_1}, "mod": must be a whole number, not a number (1.5)',
    ),
    (
        "mod-boolean",
        _set(LECTURE, 0, "mod", True),
        f'{NOTE_1}, "mod": must be a whole number, not true or false',
    ),
    (
        "mod-1e999",
        _set(LECTURE, 0, "mod", Raw("1e999")),
        f'{NOTE_1}, "mod": must be a whole number, not a number (Infinity)',
    ),
    (
        "mod-10**30",
        _set(LECTURE, 0, "mod", 10**30),
        f'{NOTE_1}, "mod": a number of 31 digits is out of range',
    ),
    ("question-number", _set(LECTURE, 0, "question", 5), f'{NOTE_1}, "question": must be a string'),
    (
        "removed-string",
        _set(LECTURE, 0, "removed", "yes"),
        f'{NOTE_1}, "removed": must be true or false',
    ),
    (
        "content-not-hex",
        _set(LECTURE, 0, "content", "zz"),
        f"{NOTE_1}, \"content\": 'zz' is not a hash of 16",
    ),
    ("note-a-list", _edit_note(LECTURE, 0, lambda note: "[1, 2]"), f"{NOTE_1}: must be an object"),
    (
        "inputs-number",
        _line_with("inputs", "5"),
        f"deck '{LECTURE}', \"inputs\": must be a string of hex",
    ),
    (
        "notes-a-string",
        _line_with("package", "null"),
        f"deck '{LECTURE}', \"package\": must be a string of hex digits, not null",
    ),
    (
        "fields-a-string",
        _notetype("fields", "Question"),
        "the note type, \"fields\": must be a list [...], not a string ('Question')",
    ),
    ("notetype-id-true", _notetype("id", True), 'the note type, "id": must be a whole number'),
    ("notetype-id-negative", _notetype("id", -1), 'the note type, "id": -1 is out of range'),
    ("notetype-mod-huge", _notetype("mod", 10**30), 'the note type, "mod": a number of 31 digits'),
    (
        "notetype-version-float",
        _notetype("version", 1.0),
        'the note type, "version": must be a whole',
    ),
]


@pytest.mark.parametrize(
    ("mutate", "entry"),
    [(mutate, entry) for _, mutate, entry in LOCK_MUTATIONS],
    ids=[name for name, _, _ in LOCK_MUTATIONS],
)
@pytest.mark.parametrize("command", [("build",), ("build", "--check")], ids=["build", "check"])
def test_a_damaged_lock_entry_is_exit_2_naming_it(
    project: Path, mutate: Mutation, entry: str, command: tuple[str, ...]
) -> None:
    lock = project / "deck2anki.lock"
    lines = lock.read_text(encoding="utf-8").split("\n")
    line = mutate(lines)
    text = "\n".join(lines)
    lock.write_text(text, encoding="utf-8", errors="surrogatepass")
    code, _, err = run(*command)
    assert code == 2
    assert err.startswith(f"error: deck2anki.lock:{line}: damaged lock file ({entry}")
    assert err.endswith(RESTORE)
    assert lock.read_bytes() == text.encode("utf-8", "surrogatepass")  # nothing written


def _forge_media(project: Path, path: str) -> int:
    """Give the lock's Markdown deck the media ``path`` and a seal recomputed to match, as a
    pull request can: the seal is a plain hash. Returns the media's line."""
    lock = project / "deck2anki.lock"
    entry = load_lock(lock).decks["pics"]
    ((_, digest),) = entry.media
    forged = replace(entry, media=((path, digest),))
    lines = lock.read_text(encoding="utf-8").split("\n")
    start = lines.index('    "pics": {')
    for at in range(start, len(lines)):
        if lines[at].startswith('      "seal": '):
            lines[at] = f'      "seal": "{seal(forged)}",'
        if lines[at].startswith('      "media": '):
            lines[at] = f'      "media": {json.dumps({path: digest})},'
            line = at + 1
            break
    lock.write_text("\n".join(lines), encoding="utf-8")
    return line


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/dev/zero", "'/dev/zero' is not a relative path"),
        ("../../../../../../../../etc/passwd", "leads out of the project ("),
        ("../../img/cat.png", "leads out of the project ("),
    ],
    ids=["dev-zero", "etc-passwd", "beside-the-project"],
)
def test_a_lock_media_path_out_of_the_project_is_never_opened(
    project: Path, path: str, detail: str
) -> None:
    # The project's own folder holds an img/cat.png beside it: still out of the project.
    (project.parent / "img").mkdir()
    (project.parent / "img" / "cat.png").write_bytes(PNG)
    line = _forge_media(project, path)
    code, _, err = run_apart("build", "--check")
    assert code == 2
    assert err.startswith(
        f"error: deck2anki.lock:{line}: damaged lock file (deck 'pics', media {path!r}: {detail}"
    )


def test_the_lock_as_built_loads_and_writes_back_byte_for_byte(project: Path) -> None:
    for lock in (project / "deck2anki.lock", SEED.parent.parent / "deck2anki.lock"):
        assert b"".join(lock_parts(load_lock(lock))) == lock.read_bytes()


def _json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False),
        st.text(max_size=80),
        st.sampled_from(["", "\x1f", "a\nb", "\ud800", "0" * 16, "g" * 65, "../x", "/dev/zero"]),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )


def _places(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value (the root included)."""
    yield at
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, (*at, index))


@pytest.fixture(scope="module")
def lock_data(built: Path) -> Any:
    return json.loads((built / "deck2anki.lock").read_text(encoding="utf-8"))


@pytest.mark.fuzz
@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_randomly_mutated_lock_loads_or_is_a_clean_damaged_lock(
    lock_data: Any, tmp_path: Path, data: st.DataObject
) -> None:
    document = json.loads(json.dumps(lock_data))
    # Uniform over the places (sampled_from would favour the first: the root, the top keys).
    chance = data.draw(st.randoms(use_true_random=False))
    for _ in range(data.draw(st.integers(1, 3))):
        place = chance.choice(list(_places(document)))
        if not place:
            document = data.draw(_json_values())
            continue
        parent = _get(document, place[:-1])
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[place[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=8))] = data.draw(_json_values())
        else:
            parent[place[-1]] = data.draw(_json_values())
    text = json.dumps(document, ensure_ascii=data.draw(st.booleans()), indent=2)
    lock = tmp_path / "deck2anki.lock"
    lock.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        loaded = load_lock(lock)
    except deck2anki.UsageError as error:
        message = str(error)
        assert re.match(rf"{re.escape(str(lock))}(:\d+)?: damaged lock file \(", message)
        assert "Traceback" not in message
        return
    # What loads is what the file says (nothing coerced: null is no GUID "None", true no
    # time 1), what a build can trust, and can be written back (no lone surrogate).
    b"".join(lock_parts(loaded)).decode("utf-8")
    for key, deck in loaded.decks.items():
        raw = document["decks"][key]["notes"]
        assert [(n["guid"], n["question"], n["mod"]) for n in raw] == [
            (n.guid, n.question, n.mod) for n in deck.notes
        ]
        assert all(type(n["mod"]) is int for n in raw)
        assert all(type(n.get("removed", False)) is bool for n in raw)
        guids = [note.guid for note in deck.notes]
        assert len(set(guids)) == len(guids)
        for note in deck.notes:
            assert 1 <= len(note.guid) <= 64 and note.guid.isprintable()
            assert type(note.mod) is int and 0 <= note.mod <= LATEST_TIME
            assert type(note.removed) is bool and isinstance(note.question, str)
        for path, _ in deck.media:
            assert path and not path.startswith("/") and path.isprintable()
    if loaded.notetype is not None:
        described = document["notetype"]
        assert [type(described[key]) for key in ("id", "version", "mod")] == [int, int, int]
        assert (described["fields"], described["name"]) == (
            list(loaded.notetype.fields),
            loaded.notetype.name,
        )
        assert all(isinstance(name, str) for name in loaded.notetype.fields)
        assert type(loaded.notetype.id) is int and 0 < loaded.notetype.id < 2**53
        assert type(loaded.notetype.mod) is int and 0 <= loaded.notetype.mod <= LATEST_TIME


def _get(document: Any, place: tuple[Any, ...]) -> Any:
    for part in place:
        document = document[part]
    return document


# --- 7. Terminal escapes -------------------------------------------------------------

OSC52 = "\x1b]52;c;SGVsbG8=\x07"


@pytest.mark.parametrize(
    "name",
    [
        f"a{OSC52}b.txt",
        "red\x1b[31m.txt",
        "x\nerror: forged line.txt",
        "rtl\u202etxt.exe.txt",
        "c1\x9b2J.txt",
    ],
    ids=["osc52", "csi", "newline", "bidi", "c1"],
)
def test_a_source_file_name_with_a_control_character_is_refused_escaped(
    project: Path, name: str
) -> None:
    """Its name makes the deck's tag: students would get the escape (and 'inspect' of the
    package would refuse it). Configured or not, check or build, it is refused by name."""
    source = project / "sources" / name
    source.write_text("What?\nThat.\n", encoding="utf-8")
    config = f'[decks.{json.dumps(source.stem)}]\nname = "Plain"\n'
    (project / "deck2anki.toml").write_text(config, encoding="utf-8")
    for command in (("build", "--verbose"), ("build", "--check"), ("check",)):
        code, out, err = run_apart(*command)
        assert code == 2, command
        assert err == (
            f"error: sources/{repr(name)[1:-1]}: the file name holds a control character;"
            " rename the file in plain characters (terminals act on control characters)\n"
        )
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", out + err)


NAME = "ev\x1b[31mRED\nFORGED: line"


def test_a_configuration_file_name_prints_escaped(project: Path) -> None:
    code, _, err = run_apart("build", "--config", f"{NAME}.toml")
    assert code == 2
    assert err == "error: ev\\x1b[31mRED\\nFORGED: line.toml: no such configuration file\n"


def test_a_css_path_prints_escaped(project: Path) -> None:
    (project / "deck2anki.toml").write_text(
        f"[notetype]\ncss = {json.dumps(NAME + '.css')}\n", encoding="utf-8"
    )
    code, _, err = run_apart("build")
    assert code == 2
    assert err == (
        "error: deck2anki.toml: 'notetype.css': ev\\x1b[31mRED\\nFORGED: line.css: no such"
        " file; check the path\n"
    )


def test_a_front_matter_deck_name_with_a_control_character_is_refused(project: Path) -> None:
    (project / "sources" / "pics.md").write_text(
        PICS.replace("deck: Pictures", 'deck: "Pictures\\u001b]52;c;SGk=\\u0007"'),
        encoding="utf-8",
    )
    code, out, err = run_apart("build")
    assert code == 1
    assert (
        "sources/pics.md:2:1: error: the deck name 'Pictures\\x1b]52;c;SGk=\\x07' holds a"
        " control character [control-character]"
    ) in err
    assert "\x1b" not in out + err


def test_a_configured_deck_name_with_a_control_character_is_refused(project: Path) -> None:
    (project / "deck2anki.toml").write_text(
        '[decks.pics]\nname = "Pictures\\u001b[2J"\n', encoding="utf-8"
    )
    code, _, err = run_apart("build")
    assert code == 2
    assert err == (
        "error: deck2anki.toml: 'decks.pics.name' 'Pictures\\x1b[2J' holds a control character;"
        " write the name in plain characters (terminals act on control characters)\n"
    )


def test_a_package_deck_named_with_escapes_inspects_and_converts_escaped(project: Path) -> None:
    import genanki

    model = genanki.Model(
        1607392319,
        "m",
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "c", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
    )
    deck = genanki.Deck(2059400110, f"Evil{OSC52}")
    deck.add_note(genanki.Note(model=model, fields=[f"Q{OSC52}?", "A\x1b[2J."]))
    genanki.Package(deck).write_to_file(project / "evil.apkg")
    for command in (("inspect", "evil.apkg"), ("inspect", "--json", "evil.apkg")):
        code, out, err = run_apart(*command)
        assert code == 0
        assert "\x1b" not in out + err and "\x07" not in out + err
        assert "\\x1b]52" in out or "\\u001b]52" in out
    json.loads(run_apart("inspect", "--json", "evil.apkg")[1])  # still JSON
    code, out, err = run_apart("convert", "evil.apkg", "evil.md")
    assert code == 1
    assert "the deck name 'Evil\\x1b]52;c;SGVsbG8=\\x07' holds a control character" in err
    assert "\x1b" not in out + err


# --- 8. Leftovers --------------------------------------------------------------------


def _dead_pid() -> int:
    """A process id no process has now."""
    for pid in range(32000, 1000, -1):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            continue
    raise AssertionError("no free process id")


@pytest.mark.parametrize(
    ("folder", "name"),
    [(".", "deck2anki.lock"), ("build", f"{LECTURE}.apkg")],
    ids=["lock-folder", "build-folder"],
)
def test_a_build_sweeps_what_a_killed_build_left_but_not_a_live_ones(
    project: Path, folder: str, name: str
) -> None:
    where = project / folder
    dead = where / f".{name}.{_dead_pid()}.k1ll3d0x.deck2anki-tmp"
    backup = where / f".{name}.{_dead_pid()}.k1ll3d0y.deck2anki-tmp.old"
    legacy = where / f".{name}.oldstyle.deck2anki-tmp"  # named before names had a pid
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = where / f".{name}.{sleeper.pid}.l1v3l1v3.deck2anki-tmp"
        other = where / f".unrelated.{_dead_pid()}.k1ll3d0x.tmp"
        for path in (dead, backup, legacy, live, other):
            path.write_bytes(b"x" * 1000)
        (project / "sources" / "pics.md").write_text(PICS + "\n## New?\n\nYes.\n", "utf-8")
        code, _, _ = run_apart("build")
        assert code == 0
        assert [p.exists() for p in (dead, backup, legacy, live, other)] == [
            False,
            False,
            False,
            True,
            True,
        ]
    finally:
        sleeper.kill()
        sleeper.wait()


# --- found by review: a lock's deck keys, removed notes and a conflicted lock -----------------


def _with_deck(lock: Any, key: str) -> Any:
    lock["decks"][key] = {"inputs": "", "package": "", "notes": []}
    return lock


def _with_removed(lock: Any, fields: list[Any], tags: list[Any]) -> Any:
    notes = lock["decks"][SEED.stem]["notes"]
    notes.append({**notes[0], "guid": "removedXY", "removed": True, "fields": fields, "tags": tags})
    return lock


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            lambda lock, outside: _with_deck(lock, str(outside / "victim")),
            "is not the name of a source file",
            id="absolute-key",
        ),
        pytest.param(
            lambda lock, outside: _with_deck(lock, "../../victim"),
            "'../../victim' is not the name of a source file",
            id="climbing-key",
        ),
        pytest.param(
            lambda lock, outside: _with_removed(lock, ["Old?"], ["deck2anki::removed"]),
            '"fields": 1 fields where the note type has 5',
            id="removed-note-too-few-fields",
        ),
        pytest.param(
            lambda lock, outside: _with_removed(
                lock, ["Old?\x1fINJECTED", "a", "", "", ""], ["deck2anki::removed"]
            ),
            "holds a control character",
            id="removed-note-field-separator",
        ),
        pytest.param(
            lambda lock, outside: _with_removed(lock, ["Q?", "A.", "", "", ""], ["x y"]),
            "holds white space: a tag is one word",
            id="removed-note-tag-with-space",
        ),
    ],
)
def test_a_lock_that_would_reach_outside_or_break_the_package_is_refused(
    project: Path, tmp_path: Path, change: Any, message: str
) -> None:
    """A deck key names build/KEY.apkg, which a build writes and deletes: it must be a
    source's name. A removed note is written back into the package: Anki must accept it."""
    victim = tmp_path / "victim.apkg"
    victim.write_bytes(b"precious")
    lock = json.loads((project / "deck2anki.lock").read_text(encoding="utf-8"))
    (project / "deck2anki.lock").write_text(json.dumps(change(lock, tmp_path)), "utf-8")
    for args in (("build",), ("build", "--check")):
        code, out, err = run_apart(*args)
        assert code == 2, (out, err)
        assert "deck2anki.lock" in err and message in err, err
    assert victim.read_bytes() == b"precious"


def _conflicted(text: str, ours: str, theirs: str) -> str:
    """``text`` with one git conflict inserted: ours, then theirs. A side holding a note goes
    among the first deck's notes; any other, after the lock's first line."""
    anchor = '"notes": [\n' if "guid" in ours else "\n"
    first, rest = text.split(anchor, 1)
    return f"{first}{anchor}<<<<<<< HEAD\n{ours}\n=======\n{theirs}\n>>>>>>> other\n{rest}"


@pytest.mark.parametrize(
    ("ours", "theirs", "message"),
    [
        ('  "notetype": [1, 2],', '  "notetype": [3],', "not a note type"),
        ('  "notetype": {"version": "9", "mod": 1},', "", "the note type"),
        (
            '      {"guid": "", "question": "Q?", "content": "0000000000000000", "mod": 1},',
            "  }\n  ]\n  }",
            '"guid": is empty',
        ),
    ],
    ids=["notetype-list", "notetype-version-text", "stray-brackets"],
)
def test_a_hostile_conflicted_lock_is_a_clean_damaged_lock(
    project: Path, ours: str, theirs: str, message: str
) -> None:
    lock = project / "deck2anki.lock"
    lock.write_text(_conflicted(lock.read_text("utf-8"), ours, theirs), "utf-8")
    code, out, err = run_apart("build")
    assert code == 2, (out, err)
    assert err.startswith("error: deck2anki.lock") and message in err, err


# --- Removed notes ---------------------------------------------------------------------


def test_a_deck_carrying_removed_notes_is_not_taken_for_renamed(project: Path) -> None:
    """A package carrying removed notes holds the subdeck DECK::Removed beside the deck: a
    change of context (the project's CSS here) reads the deck's name back from it, and the
    subdeck (whose id may come first, as Pictures::Removed's does) is not the deck's name."""
    path = project / "sources" / "pics.md"
    path.write_text(PICS[: PICS.index("## Why?")], encoding="utf-8")
    code, out, err = run("build")
    assert code == 0, err
    assert "removed" in out
    (project / "style.css").write_text(".card { color: navy; }\n", encoding="utf-8")
    (project / "deck2anki.toml").write_text('[notetype]\ncss = "style.css"\n', encoding="utf-8")
    code, out, err = run("build")
    assert code == 0, err
    assert "renamed" not in out + err


def _forge_package(project: Path, sql: str) -> None:
    """Replace the lecture's package in build/ with one whose collection ``sql`` changed,
    and give the lock its hash and a seal recomputed to match, as a pull request can."""
    import sqlite3
    import zipfile

    package = project / "build" / f"{LECTURE}.apkg"
    with zipfile.ZipFile(package) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    database = project.parent / "collection.anki2"
    database.write_bytes(members["collection.anki2"])
    connection = sqlite3.connect(database)
    connection.executescript(sql)
    connection.close()
    members["collection.anki2"] = database.read_bytes()
    with zipfile.ZipFile(package, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    lock = project / "deck2anki.lock"
    entry = load_lock(lock).decks[LECTURE]
    forged = replace(entry, package=deck2anki.files.digest(package))
    lines = lock.read_text(encoding="utf-8").split("\n")
    start = lines.index(f'    "{LECTURE}": {{')
    changed = 0
    for at in range(start, len(lines)):
        if lines[at].startswith('      "seal": '):
            lines[at], changed = f'      "seal": "{seal(forged)}",', changed + 1
        if lines[at].startswith('      "package": '):
            lines[at], changed = f'      "package": "{forged.package}",', changed + 1
        if changed == 2:
            break
    lock.write_text("\n".join(lines), encoding="utf-8")
    assert load_lock(lock).decks[LECTURE].intact  # as deck2anki wrote it, to the build


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE notes; CREATE VIEW notes AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL"
        " SELECT i + 1 FROM r) SELECT i AS id, 'g' || i AS guid, 'q' AS flds FROM r;",
        "UPDATE notes SET flds = 7;",
    ],
    ids=["notes-recursive-view", "fields-not-text"],
)
def test_a_forged_previous_package_is_read_within_limits_and_not_reused(
    project: Path, sql: str
) -> None:
    """A rebuild reuses the fields of unchanged notes from the package in build/ that the
    lock names by hash. A pull request can commit any package there, and the lock's hash
    and seal to match: it is read like any package (tables only, a step budget, values
    checked), and when it is not what deck2anki wrote, nothing of it is reused."""
    _forge_package(project, sql)
    source = project / "sources" / SEED.name
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("memory constraints", "limits of memory", 1), "utf-8")
    code, _, err = run_apart("build")
    assert code == 0, err
    rebuilt = deck2anki.read(project / "build" / f"{LECTURE}.apkg")
    assert len(rebuilt.notes) == 20
    assert any("limits of memory" in note.answer for note in rebuilt.notes)
