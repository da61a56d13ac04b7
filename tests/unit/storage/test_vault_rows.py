"""Issue 9 item 2: a save writes what changed, the WAL stays small, a reserve frees room.

All on real SQLCipher files; the disk-full cases on a real small tmpfs (root, Linux).
"""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.storage import db as dbmod
from tui.storage import reserve as reservemod
from tui.storage.errors import DiskFullError
from tui.storage.vault import VAULT_V1, JottingLine, VaultStore

from .helpers import make_profile

KEY = bytes(range(32))


def wal_size(store: VaultStore) -> int:
    wal = Path(f"{store.path}-wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.fixture
def vault(tmp_path):
    store = VaultStore(tmp_path / "vault.db", KEY, create=True)
    yield store
    store.close()


def test_one_more_character_writes_a_few_pages_not_the_whole_document(vault, monkeypatch):
    monkeypatch.setattr(dbmod, "WAL_CHECKPOINT_BYTES", 1 << 40)  # watch the WAL grow, unchecked
    vault.conn.execute("PRAGMA wal_autocheckpoint = 0")
    lines = [JottingLine(i, f"{i:03d} " + secrets.token_hex(100)) for i in range(200)]  # ~40 KB
    vault.save_jottings("session:1", lines)
    before = wal_size(vault)
    lines[-1] = JottingLine(199, lines[-1].text + "x")
    vault.save_jottings("session:1", lines)
    grown = wal_size(vault) - before
    frame = dbmod.PAGE_SIZE + 24
    assert grown <= 3 * frame, f"one changed line wrote {grown // frame} pages"
    assert vault.load_jottings("session:1") == lines


def test_the_wal_stays_small_over_thousands_of_saves(vault):
    lines: list[JottingLine] = []
    largest = 0
    for i in range(1500):
        if i % 30 == 0:
            lines.append(JottingLine(i // 30, ""))
        lines[-1] = JottingLine(lines[-1].minute, lines[-1].text + secrets.choice("abcdef "))
        vault.save_jottings("session:1", lines)
        largest = max(largest, wal_size(vault))
    # The checkpoint runs after the commit that passes the limit: one transaction over at most.
    assert largest <= dbmod.WAL_CHECKPOINT_BYTES + 8 * (dbmod.PAGE_SIZE + 24), largest
    assert vault.load_jottings("session:1") == lines


line_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
documents = st.lists(st.tuples(st.integers(0, 90), line_text), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(documents, min_size=1, max_size=6))
def test_any_sequence_of_edits_loads_back_exactly(vault, versions):
    for version in versions:
        lines = [JottingLine(m, t) for m, t in version]
        vault.save_jottings("session:7", lines)
        assert vault.load_jottings("session:7") == lines
    assert vault.integrity_check() == "ok"


def test_revisions_count_saves_and_documents_stay_apart(vault):
    assert vault.save_jottings("session:1", [JottingLine(1, "a")]) == 1
    assert vault.save_jottings("group:4", [JottingLine(1, "b"), JottingLine(2, "c")]) == 1
    assert vault.save_jottings("session:1", []) == 2
    assert vault.load_jottings("session:1") == []
    assert vault.load_jottings("group:4") == [JottingLine(1, "b"), JottingLine(2, "c")]


def test_a_version_1_vault_is_migrated_line_for_line(tmp_path, monkeypatch):
    path = tmp_path / "vault.db"
    old = [JottingLine(0, '" can\'t sleep'), JottingLine(3, "tab\there \x1b[31m"), JottingLine(61, "ünïcødé ✓ 😀")]
    monkeypatch.setattr(VaultStore, "migrations", (VAULT_V1,))
    v1 = VaultStore(path, KEY, create=True)
    with v1.transaction() as conn:
        import json

        conn.execute("INSERT INTO jotting_documents (doc_key, lines_json, revision, updated_at) VALUES (?, ?, 5, 'x')",
                     ("session:3", json.dumps([[line.minute, line.text] for line in old], ensure_ascii=False)))
    v1.close()
    monkeypatch.undo()
    v2 = VaultStore(path, KEY)
    try:
        assert v2.schema_version == 2
        assert v2.load_jottings("session:3") == old
        assert v2.save_jottings("session:3", old + [JottingLine(62, "new")]) == 6
    finally:
        v2.close()


# -- the reserve ---------------------------------------------------------------------------
def test_opening_a_profile_makes_a_private_reserve(tmp_path):
    made = make_profile(tmp_path / "profile")
    profile = made.open()
    try:
        reserve = made.root / reservemod.RESERVE_NAME
        assert reserve.stat().st_size == reservemod.RESERVE_BYTES
        if sys.platform != "win32":
            assert stat.S_IMODE(reserve.stat().st_mode) == 0o600
        data = reserve.read_bytes()
        assert len(set(data[:4096])) > 200  # random, so no filesystem can compress it away
        assert not profile.low_on_space
    finally:
        profile.close()


@pytest.fixture
def small_fs(tmp_path, require):
    mount = tmp_path / "small"
    mount.mkdir()
    require(sys.platform.startswith("linux") and os.geteuid() == 0, "mounting a small tmpfs needs root on Linux")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount)],
                            capture_output=True, text=True)
    require(result.returncode == 0, f"could not mount a tmpfs: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        block = b"\0" * 65536
        while True:
            try:
                os.write(fd, block)
            except OSError:
                if len(block) == 1:
                    break
                block = block[: len(block) // 2]
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_spends_the_reserve_so_typing_still_saves(small_fs, monkeypatch):
    monkeypatch.setattr(reservemod, "RECHECK_SECONDS", 0.0)
    made = make_profile(small_fs / "profile")
    profile = made.open()
    try:
        reserve = made.root / reservemod.RESERVE_NAME
        assert reserve.exists() and reserve.stat().st_size >= reservemod.MIN_BYTES
        filler = fill(small_fs)
        # The last minutes of a session: many saves of a growing document, all landing.
        lines = [JottingLine(3, "slept badly, argued with sister")]
        for i in range(60):
            lines.append(JottingLine(10 + i // 5, f"line {i} " + secrets.token_hex(200)))
            profile.vault.save_jottings("session:1", lines)
        assert not reserve.exists() and profile.low_on_space
        assert profile.vault.load_jottings("session:1") == lines
        # Past what the reserve held: a clear disk-full error, and the saved text is intact.
        with pytest.raises(DiskFullError, match="disk is full"):
            profile.vault.save_jottings("session:1", lines + [JottingLine(99, secrets.token_hex(1_000_000))])
        assert profile.vault.load_jottings("session:1") == lines
        # Space comes back: the next good save makes the reserve again.
        filler.unlink()
        profile.vault.save_jottings("session:1", lines + [JottingLine(100, "after")])
        assert reserve.exists() and not profile.low_on_space
    finally:
        profile.close()
    reopened = made.open()
    try:
        assert reopened.vault.load_jottings("session:1") == lines + [JottingLine(100, "after")]
        assert reopened.vault.integrity_check() == "ok"
    finally:
        reopened.close()
