"""The path a student's deck takes: import on one device, sync, arrive on another.

Runs Anki's own sync server (the one self-hosters use in place of AnkiWeb) on loopback.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import deck2anki

from conftest import import_package

USER, PASSWORD = "student", "secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def sync_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A running ``python -m anki.syncserver`` on 127.0.0.1; yields its endpoint."""
    # Anki's HTTP client honours proxy variables even for loopback; keep it on this machine.
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    port = _free_port()
    env = {
        **os.environ,
        "SYNC_USER1": f"{USER}:{PASSWORD}",
        "SYNC_BASE": str(tmp_path / "server"),
        "SYNC_HOST": "127.0.0.1",
        "SYNC_PORT": str(port),
        "RUST_LOG": "error",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as output:  # a file, not a pipe, so a chatty server can never block
        server = subprocess.Popen(
            [sys.executable, "-m", "anki.syncserver"], env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"sync server exited: {log.read_text()}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "sync server did not start within 30 s"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _sync(col: Any, endpoint: str) -> None:
    """One sync as Anki's client does it, with the full upload or download it may ask for."""
    auth = col.sync_login(USER, PASSWORD, endpoint)
    out = col.sync_collection(auth, sync_media=False)
    if out.required in (out.FULL_UPLOAD, out.FULL_DOWNLOAD, out.FULL_SYNC):
        col.close_for_full_sync()
        col.full_upload_or_download(
            auth=auth, server_usn=None, upload=out.required != out.FULL_DOWNLOAD
        )
        col.reopen(after_full_sync=True)


def _snapshot(col: Any) -> dict[str, Any]:
    """Per GUID: note type name, field names, field values and decks of the note's cards."""
    notes = {}
    for note_id in col.find_notes(""):
        note = col.get_note(note_id)
        kind = note.note_type()
        notes[note.guid] = (
            kind["id"],
            kind["name"],
            [field["name"] for field in kind["flds"]],
            list(note.fields),
            sorted({col.decks.name(card.did) for card in note.cards()}),
        )
    return notes


@pytest.mark.slow
def test_a_built_deck_syncs_intact_to_a_second_device(
    project: Path, tmp_path: Path, sync_server: str
) -> None:
    from anki.collection import Collection

    (built,) = deck2anki.build(timestamp=1_700_000_000).built
    (tmp_path / "laptop").mkdir()
    (tmp_path / "phone").mkdir()
    laptop = Collection(str(tmp_path / "laptop" / "collection.anki2"))
    try:
        import_package(laptop, built.output)
        expected = _snapshot(laptop)
        _sync(laptop, sync_server)
    finally:
        laptop.close()
    phone = Collection(str(tmp_path / "phone" / "collection.anki2"))
    try:
        _sync(phone, sync_server)
    finally:
        phone.close()
    phone = Collection(str(tmp_path / "phone" / "collection.anki2"))
    try:
        arrived = _snapshot(phone)
    finally:
        phone.close()
    assert len(expected) == 20
    assert arrived == expected
    (kind_id, kind_name, field_names, _, decks) = next(iter(arrived.values()))
    assert (kind_id, kind_name, field_names[:3], decks) == (
        json.loads(Path("deck2anki.lock").read_text())["notetype"]["id"],
        "Deep Learning Lecture 06 (deck2anki)",  # the project's own (issue 15)
        ["Question", "Answer", "Analogy"],
        ["Deep Learning Lecture 06"],
    )
