"""Issue 9 item 4: a damaged store is never written, and `doctor` writes nothing at all.

Every check compares the SHA-256 of every file in the profile (stores, -wal, -shm, keys,
lock file) before and after.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tui.cli import main
from tui.config import Config
from tui.services.doctor import run_doctor
from tui.storage.errors import StoreOpenError
from tui.storage.vault import JottingLine, VaultStore

from .helpers import assert_clear_message, make_profile, snapshot_hashes
from .test_cli import PASSPHRASE, feed, no_system_keyring, passphrase_template, profile_dir  # noqa: F401

ROOT = Path(__file__).parents[3]


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def doctor(made) -> list[str]:  # noqa: ANN001
    config = Config(profile_dir=made.root, config_path=made.root / "config.toml")
    return run_doctor(config, made.keystore, passphrase_reader=lambda: "").lines


# -- the case: client add on a damaged record ----------------------------------------
@pytest.mark.parametrize("offset", [5000, 4096 * 3 + 100])
def test_client_add_on_a_damaged_record_changes_no_file(capfd, profile_dir, monkeypatch, offset):  # noqa: F811
    flip(profile_dir / "record.db", offset)
    before = snapshot_hashes(profile_dir)
    feed(monkeypatch, PASSPHRASE)
    code = main(["--profile", str(profile_dir), "client", "add", "AB1", "--name", "Ann Bee"])
    _, err = capfd.readouterr()
    assert code != 0 and "Traceback" not in err
    assert "record.db is damaged" in err and "Nothing was changed" in err
    assert snapshot_hashes(profile_dir) == before


def test_a_damaged_vault_is_refused_before_any_write(made):
    profile = made.open()
    try:
        for i in range(30):
            profile.vault.save_jottings(f"session:{100 + i}", [JottingLine(i, os.urandom(900).hex())])
    finally:
        profile.close()
    size = made.paths.vault.stat().st_size
    flip(made.paths.vault, size // 2 + 17)
    before = snapshot_hashes(made.root)
    with pytest.raises(StoreOpenError) as info:
        made.open()
    message = assert_clear_message(info.value)
    assert "vault.db is damaged" in message and "Nothing was changed" in message
    assert snapshot_hashes(made.root) == before


# -- doctor is read-only -----------------------------------------------------------------------
def test_doctor_on_a_healthy_closed_profile_changes_no_file(made):
    before = snapshot_hashes(made.root)
    lines = doctor(made)
    assert any(line.startswith("ok    record.db: integrity_check ok") for line in lines), lines
    assert any(line.startswith("ok    vault.db: integrity_check ok") for line in lines), lines
    assert snapshot_hashes(made.root) == before
    assert not Path(f"{made.paths.record}-wal").exists()  # none created


@pytest.mark.parametrize("which", ["record.db", "vault.db"])
def test_doctor_on_a_damaged_store_reports_it_and_changes_no_file(made, which):
    flip(made.root / which, 5000)
    before = snapshot_hashes(made.root)
    lines = doctor(made)
    assert any(line.startswith(f"FAIL  {which}") for line in lines), lines
    assert snapshot_hashes(made.root) == before


CRASHER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from tui.storage.vault import JottingLine, VaultStore
    store = VaultStore(Path(sys.argv[1]), bytes.fromhex(sys.stdin.readline().strip()))
    store.save_jottings("session:1", [JottingLine(3, "written just before the crash")])
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


@pytest.mark.parametrize("keep_shm", [True, False], ids=["wal+shm", "wal without shm"])
def test_doctor_after_a_crash_reads_the_wal_and_changes_no_file(made, keep_shm):
    profile = made.open()
    key = bytes(profile.deks()["vault"])
    profile.close()
    proc = subprocess.run([sys.executable, "-c", CRASHER, str(made.paths.vault)], input=key.hex() + "\n",
                          text=True, cwd=ROOT, capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert Path(f"{made.paths.vault}-wal").stat().st_size > 0
    if not keep_shm:
        Path(f"{made.paths.vault}-shm").unlink()
    before = snapshot_hashes(made.root)
    lines = doctor(made)
    assert any(line.startswith("ok    vault.db: integrity_check ok") for line in lines), lines
    assert snapshot_hashes(made.root) == before
    # And the crash's last commit is really there (the WAL was read, not skipped).
    store = VaultStore(made.paths.vault, key, read_only=True)
    try:
        assert store.load_jottings("session:1") == [JottingLine(3, "written just before the crash")]
    finally:
        store.close()
    assert snapshot_hashes(made.root) == before


def test_doctor_refuses_while_hushpad_has_the_profile_open(made):
    profile = made.open()
    try:
        before = snapshot_hashes(made.root)
        lines = doctor(made)
        assert any(line.startswith("FAIL  stores: Hushpad is open on this profile") for line in lines), lines
        assert snapshot_hashes(made.root) == before
    finally:
        profile.close()


def test_a_read_only_store_refuses_writes_clearly(made):
    profile = made.open()
    key = bytes(profile.deks()["vault"])
    profile.close()
    before = snapshot_hashes(made.root)
    store = VaultStore(made.paths.vault, key, read_only=True)
    try:
        with pytest.raises(Exception) as info:
            store.save_jottings("session:1", [])
        assert "read-only" in assert_clear_message(info.value)
    finally:
        store.close()
    assert snapshot_hashes(made.root) == before
