"""Packages whose SQLite, JSON or zstd is hostile (issue 13, class 3): each gets one located
message and exit 1, in bounded time and memory; none hangs and none is an internal error.

Every hostile package starts as a valid one deck2anki builds and has its collection mutated,
so each case differs from a package that reads by exactly the one thing it tests.
"""

from __future__ import annotations

import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner

import deck2anki
from deck2anki.cli import cli

from conftest import SEED

# A hang must fail the test, not block the suite: every run gets this long at most.
TIMEOUT = 60
# Far more than reading any package here takes, far less than a runaway view would take.
MEMORY = 2 * 1024**3
Mutation = Callable[[sqlite3.Connection], None]


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The collection of the seed as a package deck2anki wrote: where every hostile one starts."""
    path = tmp_path_factory.mktemp("valid") / "valid.apkg"
    deck2anki.write(deck2anki.read(SEED), path, timestamp=1_700_000_000)
    with zipfile.ZipFile(path) as archive:
        return archive.read("collection.anki2")


def mutated(
    tmp_path: Path, collection: bytes, mutate: Mutation, member: str = "collection.anki2"
) -> Path:
    """A package holding ``collection`` after ``mutate``, stored as ``member`` (zstd-compressed,
    with a zstd media map, when that is ``collection.anki21b``, as Anki does)."""
    database = tmp_path / "hostile.db"
    database.write_bytes(collection)
    connection = sqlite3.connect(database)
    try:
        mutate(connection)
        connection.commit()
    finally:
        connection.close()
    data, media = database.read_bytes(), b"{}"
    if member.endswith("b"):
        compress = zstandard.ZstdCompressor().compress
        data, media = compress(data), compress(b"")
    return packed(tmp_path / "hostile.apkg", {member: data, "media": media})


def packed(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def loosened(connection: sqlite3.Connection, table: str) -> None:
    """``table`` without its NOT NULL constraints, so a mutation may store NULL in it."""
    connection.executescript(
        f"CREATE TABLE loose AS SELECT * FROM {table}; DROP TABLE {table};"
        f" ALTER TABLE loose RENAME TO {table};"
    )


def sql(*statements: str, loosen: str = "") -> Mutation:
    def mutate(connection: sqlite3.Connection) -> None:
        if loosen:
            loosened(connection, loosen)
        for statement in statements:
            connection.execute(statement)

    return mutate


def models(change: Callable[[dict[str, object]], object]) -> Mutation:
    """Rewrite the JSON of ``col.models`` through ``change`` (which returns the new value)."""

    def mutate(connection: sqlite3.Connection) -> None:
        (text,) = connection.execute("SELECT models FROM col").fetchone()
        connection.execute("UPDATE col SET models = ?", (json.dumps(change(json.loads(text))),))

    return mutate


def first_field_named(value: object) -> Callable[[dict[str, object]], object]:
    def change(data: dict[str, object]) -> object:
        (model,) = data.values()
        model["flds"][0]["name"] = value  # type: ignore[index]
        return data

    return change


def schema18(connection: sqlite3.Connection) -> None:
    """The tables Anki's schema 18 keeps note types, fields and decks in, filled from ``col``."""
    (text,) = connection.execute("SELECT models FROM col").fetchone()
    connection.executescript(
        "CREATE TABLE notetypes (id integer primary key, name text);"
        "CREATE TABLE fields (ntid integer, ord integer, name text);"
        "CREATE TABLE decks (id integer primary key, name text, kind blob);"
    )
    for mid, model in json.loads(text).items():
        connection.execute("INSERT INTO notetypes VALUES (?, ?)", (int(mid), model["name"]))
        for order, field in enumerate(model["flds"]):
            connection.execute(
                "INSERT INTO fields VALUES (?, ?, ?)", (int(mid), order, field["name"])
            )
    (did,) = connection.execute("SELECT did FROM cards LIMIT 1").fetchone()
    connection.execute("INSERT INTO decks VALUES (?, 'Lecture', x'')", (did,))


def then(*mutations: Mutation) -> Mutation:
    def mutate(connection: sqlite3.Connection) -> None:
        for change in mutations:
            change(connection)

    return mutate


MID = "(SELECT mid FROM notes LIMIT 1)"
FIRST = "WHERE id = (SELECT min(id) FROM notes)"
# Views that never end: SQLite would count up for ever were it asked to.
ENDLESS = "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r)"
NOTE_TYPE = "col.models: note type 2736780786354761"


def view_of(table: str) -> str:
    return f"{table} is a view, not a table; deck2anki reads only tables"


CASES = [
    pytest.param(
        sql(
            "DROP TABLE notes",
            f"CREATE VIEW notes AS {ENDLESS} SELECT i AS id, 'g' || i AS guid,"
            f" 1 AS mid, '' AS tags, 'q' || char(31) || 'a' AS flds FROM r",
        ),
        view_of("notes"),
        id="notes-recursive-view",
    ),
    pytest.param(
        sql("DROP TABLE cards", f"CREATE VIEW cards AS {ENDLESS} SELECT i AS nid, 1 AS did FROM r"),
        view_of("cards"),
        id="cards-recursive-view",
    ),
    pytest.param(
        sql(
            "ALTER TABLE notes RENAME TO stored",
            "CREATE VIEW NOTES AS SELECT id, guid, mid, tags,"
            " CAST(zeroblob(900000000) AS TEXT) AS flds FROM stored",
        ),
        view_of("notes"),
        id="notes-zeroblob-view",
    ),
    pytest.param(
        sql("DROP TABLE col", "CREATE VIEW col AS SELECT '{}' AS models, '{}' AS decks"),
        view_of("col"),
        id="col-view",
    ),
    pytest.param(
        sql(
            "ALTER TABLE notes RENAME COLUMN flds TO stored",
            "ALTER TABLE notes ADD COLUMN flds text"
            " GENERATED ALWAYS AS (printf('%.*c', 900000000, 'x')) VIRTUAL",
        ),
        "notes holds a computed column (flds); deck2anki reads only stored values",
        id="notes-computed-column",
    ),
    pytest.param(
        sql(
            "ALTER TABLE notes RENAME TO stored",
            "CREATE VIRTUAL TABLE notes USING fts4(id, guid, mid, tags, flds)",
            "INSERT INTO notes SELECT id, guid, mid, tags, flds FROM stored",
        ),
        "notes is a virtual table; deck2anki reads only tables",
        id="notes-virtual-table",
    ),
    pytest.param(
        sql(f"UPDATE notes SET id = 7, flds = NULL {FIRST}", loosen="notes"),
        "notes id 7: flds is NULL, not text",
        id="null-flds",
    ),
    pytest.param(
        sql(f"UPDATE notes SET id = 7, tags = NULL {FIRST}", loosen="notes"),
        "notes id 7: tags is NULL, not text",
        id="null-tags",
    ),
    pytest.param(
        sql(f"UPDATE notes SET id = 7, guid = NULL {FIRST}", loosen="notes"),
        "notes id 7: guid is NULL, not text",
        id="null-guid",
    ),
    pytest.param(
        sql(f"UPDATE notes SET id = 7, flds = x'00ff' {FIRST}"),
        "notes id 7: flds is a blob, not text",
        id="blob-flds",
    ),
    pytest.param(
        sql(f"UPDATE notes SET id = 7, mid = 42 {FIRST}"),
        "notes id 7: note type 42 is not in the collection",
        id="unknown-note-type",
    ),
    pytest.param(
        models(lambda data: list(data.values())),
        "col.models is not a JSON object",
        id="models-as-list",
    ),
    pytest.param(
        sql("UPDATE col SET decks = '[]'"),
        "col.decks is not a JSON object",
        id="decks-as-list",
    ),
    pytest.param(
        sql("""UPDATE col SET decks = '{"1": [1, 2]}'"""),
        "col.decks: deck 1 is not a JSON object",
        id="deck-as-list",
    ),
    pytest.param(
        sql("""UPDATE col SET decks = '{"1": {"name": "\\ud800"}}'"""),
        "col.decks: deck 1: name holds a lone surrogate, not text",
        id="deck-name-lone-surrogate",
    ),
    pytest.param(
        models(first_field_named(7)),
        f"{NOTE_TYPE}: field 0: name is an integer, not text",
        id="integer-field-name",
    ),
    pytest.param(
        models(lambda data: {key: {"flds": "Question"} for key in data}),
        f"{NOTE_TYPE}: flds is not a list of fields",
        id="fields-not-a-list",
    ),
    pytest.param(
        models(lambda data: {f"x{key}": model for key, model in data.items()}),
        "col.models: note type id 'x2736780786354761' is not a number",
        id="note-type-id-not-a-number",
    ),
    pytest.param(
        sql("UPDATE col SET models = '" + "[" * 100_000 + "'"),
        "col.models: JSON nested too deeply",
        id="models-nested-100000-deep",
    ),
    pytest.param(
        sql("UPDATE col SET models = '{\"1\": '"),
        "col.models: not JSON: Expecting value: line 1 column 7 (char 6)",
        id="models-not-json",
    ),
    pytest.param(
        then(schema18, sql("UPDATE fields SET name = NULL WHERE ord = 1", loosen="fields")),
        "fields (note type 2736780786354761, ord 1): name is NULL, not text",
        id="schema18-null-field-name",
    ),
    pytest.param(
        then(schema18, sql("UPDATE decks SET id = 5, name = x'4142'")),
        "decks id 5: name is a blob, not text",
        id="schema18-deck-name-not-text",
    ),
    pytest.param(
        then(schema18, sql("UPDATE decks SET id = 5, kind = 'text'")),
        "decks id 5: kind is text, not a blob",
        id="schema18-deck-kind-not-a-blob",
    ),
    pytest.param(
        then(
            schema18,
            sql(
                "DROP TABLE fields",
                f"CREATE VIEW fields AS {ENDLESS} SELECT {MID} AS ntid, i AS ord,"
                " 'f' || i AS name FROM r",
            ),
        ),
        view_of("fields"),
        id="schema18-fields-recursive-view",
    ),
]
# A few cases again inside Anki's current, zstd-compressed collection: the same checks apply.
ZSTD_CASES = [case for case in CASES if case.id in {"notes-recursive-view", "null-flds"}]


def run(*args: str) -> tuple[int, str, str]:
    """The CLI in a child process with MEMORY bytes of address space, killed after TIMEOUT:
    a hang or a runaway allocation fails the test instead of blocking or starving the machine."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    try:
        done = subprocess.run(
            [sys.executable, "-m", "deck2anki", *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            preexec_fn=limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"deck2anki {' '.join(args)} still ran after {TIMEOUT} s")
    return done.returncode, done.stdout, done.stderr


def assert_refused(
    code: int,
    out: str,
    err: str,
    name: str,
    message: str,
    rule: str = "damaged-package",
    hint: str = "export the deck from Anki again",
) -> None:
    assert (code, out) == (1, ""), err
    assert err.splitlines() == [
        f"{name}: error: {message} [{rule}]",
        f"  hint: {hint}",
        "error: 1 problem in 1 file; nothing was written",
    ]


def in_process(*args: str) -> tuple[int, str, str]:
    """The CLI in this process, for limits a test lowers (no case here can hang)."""
    result = CliRunner().invoke(cli, list(args), prog_name="deck2anki", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


DAMAGED = "the collection inside is damaged: "


@pytest.mark.parametrize(("mutate", "message"), CASES)
def test_inspect_refuses_a_hostile_collection_with_one_located_message(
    tmp_path: Path, valid: bytes, mutate: Mutation, message: str
) -> None:
    package = mutated(tmp_path, valid, mutate)
    assert_refused(*run("inspect", str(package)), str(package), DAMAGED + message)


@pytest.mark.parametrize(("mutate", "message"), ZSTD_CASES)
def test_a_hostile_zstd_collection_is_refused_alike(
    tmp_path: Path, valid: bytes, mutate: Mutation, message: str
) -> None:
    package = mutated(tmp_path, valid, mutate, "collection.anki21b")
    assert_refused(*run("inspect", str(package)), str(package), DAMAGED + message)


@pytest.mark.parametrize(("mutate", "message"), CASES)
def test_convert_refuses_a_hostile_collection_and_writes_nothing(
    tmp_path: Path, valid: bytes, mutate: Mutation, message: str
) -> None:
    package = mutated(tmp_path, valid, mutate)
    target = tmp_path / "out.json"
    assert_refused(*run("convert", str(package), str(target)), str(package), DAMAGED + message)
    assert not target.exists()


def test_a_field_over_the_size_limit_is_refused_as_sqlite_reads_it(
    tmp_path: Path, valid: bytes
) -> None:
    """16 MiB and a byte of one letter zip to a few KB: the package is small, the field not."""
    limit = 16 * 1024**2
    package = mutated(
        tmp_path, valid, sql(f"UPDATE notes SET flds = printf('%.*c', {limit + 1}, 'x') {FIRST}")
    )
    assert package.stat().st_size < 100_000
    assert_refused(
        *run("inspect", str(package)),
        str(package),
        f"notes: a value is larger than the {limit:,} bytes deck2anki reads",
        "package-too-large",
        "keep large files as media files, not inside a field",
    )


def test_more_notes_than_the_limit_are_refused_before_any_is_read(
    tmp_path: Path, valid: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("deck2anki.readers.ankidb.MAX_NOTES", 19)
    package = mutated(tmp_path, valid, sql("SELECT 1"))
    assert_refused(
        *in_process("inspect", str(package)),
        str(package),
        "notes: 20 notes, more than the 19 deck2anki reads from one package",
        "package-too-large",
        "export one deck at a time from Anki",
    )


def test_a_read_past_the_step_budget_is_stopped(
    tmp_path: Path, valid: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tables only, yet more work than the budget allows: SQLite stops, the read says where."""
    monkeypatch.setattr("deck2anki.readers.ankidb.MAX_SQL_STEPS", 100_000)
    # Every note 5,000 times over: far more steps than the lowered budget, in a small file.
    copies = sql(
        f"INSERT INTO notes SELECT n.id + k.value * 1000, n.guid || k.value, mid, mod, usn, tags,"
        f" flds, sfld, csum, flags, data FROM notes n, ({ENDLESS} SELECT i AS value FROM r"
        f" LIMIT 5000) k"
    )
    package = mutated(tmp_path, valid, copies)
    assert_refused(
        *in_process("inspect", str(package)),
        str(package),
        DAMAGED + "notes: reading it takes more than the 100,000 steps deck2anki allows",
    )


def garbled(at: int) -> Callable[[bytes], bytes]:
    def change(frame: bytes) -> bytes:
        data = bytearray(frame)
        index = at % len(data)
        data[index : index + 4] = bytes(byte ^ 0xFF for byte in data[index : index + 4])
        return bytes(data)

    return change


@pytest.mark.parametrize(
    ("member", "change", "error"),
    [
        ("collection.anki21b", garbled(0), "Unknown frame descriptor"),
        ("collection.anki21b", garbled(4), "Unsupported frame parameter"),
        ("collection.anki21b", garbled(-1000), "Data corruption detected"),
        ("media", garbled(0), "Unknown frame descriptor"),
    ],
    ids=["collection-magic", "collection-header", "collection-data", "media-map-magic"],
)
def test_a_damaged_zstd_frame_is_refused_naming_the_member(
    tmp_path: Path,
    valid: bytes,
    member: str,
    change: Callable[[bytes], bytes],
    error: str,
) -> None:
    compress = zstandard.ZstdCompressor().compress
    members = {"collection.anki21b": compress(valid), "media": compress(b"")}
    members[member] = change(members[member])
    package = packed(tmp_path / "damaged.apkg", members)
    assert_refused(
        *run("inspect", str(package)),
        str(package),
        f"the package is damaged: {member} is not zstd data, or damaged zstd data"
        f" (zstd decompress error: {error})",
        hint="download or export the package again",
    )


@pytest.mark.parametrize(
    ("media", "message"),
    [
        ("[" * 100_000, "the media map is JSON nested too deeply"),
        (
            '{"0": "' + "a" * 16 * 1024**2 + '"}',
            "the media map is larger than the 16,777,216 bytes deck2anki reads",
        ),
    ],
    ids=["nested-100000-deep", "over-the-size-limit"],
)
def test_a_hostile_media_map_is_refused(
    tmp_path: Path, valid: bytes, media: str, message: str
) -> None:
    package = packed(tmp_path / "media.apkg", {"collection.anki2": valid, "media": media.encode()})
    assert_refused(
        *run("inspect", str(package)),
        str(package),
        f"the package is damaged: {message}",
        hint="download or export the package again",
    )


ENDLESS_NOTES = sql(
    "DROP TABLE notes",
    f"CREATE VIEW notes AS {ENDLESS} SELECT i AS id, 'g' || i AS guid, 1 AS mid, '' AS tags,"
    " 'q' || char(31) || 'a' AS flds, i AS mod FROM r",
)
"""An endless notes view with every column a previous build's notes are read by."""


@pytest.mark.parametrize("mutate", [ENDLESS_NOTES], ids=["notes-recursive-view"])
def test_a_hostile_package_in_build_is_not_read_as_a_previous_build(
    tmp_path: Path, valid: bytes, mutate: Mutation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """build/ comes with a pull request as much as sources/ do. With no lock, a build reads
    the packages there to keep students' notes as they were: within the reader's limits, so a
    hostile one is simply not taken for an earlier build, and the build ends."""
    hostile = mutated(tmp_path, valid, mutate)
    project = tmp_path / "project"
    (project / "sources").mkdir(parents=True)
    (project / "build").mkdir()
    shutil.copy(SEED, project / "sources" / SEED.name)
    shutil.copy(hostile, project / "build" / f"{SEED.stem}.apkg")
    monkeypatch.chdir(project)
    code, out, err = run("build")
    assert code == 0, err
    assert out.startswith(f"built build/{SEED.stem}.apkg (20 notes"), out


NOT_OURS = [
    pytest.param(
        sql("UPDATE notes SET flds = 'x' || char(31) || 'a', guid = 'g' || id"), id="two-fields"
    ),
    pytest.param(sql("UPDATE notes SET flds = flds || char(31) || 'a'"), id="six-fields"),
    pytest.param(models(first_field_named("Front")), id="another-model"),
    pytest.param(
        # 2 MB more in each of the 20 notes: 40 MB of fields, for 8 KB of source.
        sql("UPDATE notes SET flds = flds || substr(hex(zeroblob(1000000)), 1, 2000000)"),
        id="fields-past-the-budget",
    ),
]


@pytest.mark.parametrize("mutate", NOT_OURS)
def test_a_package_in_build_whose_notes_are_not_ours_is_ignored(
    tmp_path: Path, valid: bytes, mutate: Mutation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A previous package whose notes do not fit deck2anki's note type (another number of
    fields, another model), or hold far more than its source explains, is not one of ours:
    neither read back as the previous build nor carried, and the build is an ordinary first
    one (it once ended in an internal error, the writer given notes of two fields)."""
    hostile = mutated(tmp_path, valid, mutate)
    project = tmp_path / "project"
    (project / "sources").mkdir(parents=True)
    (project / "build").mkdir()
    shutil.copy(SEED, project / "sources" / SEED.name)
    shutil.copy(hostile, project / "build" / f"{SEED.stem}.apkg")
    monkeypatch.chdir(project)
    code, out, err = run("build", "--check")
    assert code == 1, err
    assert f"stale: build/{SEED.stem}.apkg: out of date with sources/{SEED.name}" in err
    code, out, err = run("build", "--verbose")
    assert code == 0, err
    assert "recovered" not in out
    assert out.startswith(f"built build/{SEED.stem}.apkg (20 notes"), out
