"""Issue 9 item 7: nothing Hushpad writes goes through a symlink, and no profile lives in one.

Real files in a real world-writable, sticky folder (like /tmp); the attacker's links are
planted where Hushpad will write. The victim file must be unchanged afterwards.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from tui.cli import main
from tui.storage import files
from tui.storage.errors import StorageError, UnsafePathError
from tui.storage.files import atomic_write, create_private, ensure_profile_dir
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.paths import ProfilePaths
from tui.storage.profile import initialise, unlock

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links and owners")

VICTIM_TEXT = b"another user's file\n"


@pytest.fixture
def shared(tmp_path) -> Path:
    """A folder like /tmp: world-writable and sticky."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o1777)
    return folder


@pytest.fixture
def victim(tmp_path) -> Path:
    path = tmp_path / "victim.txt"
    path.write_bytes(VICTIM_TEXT)
    return path


def test_create_private_refuses_an_existing_name_and_a_symlink(shared, victim):
    link = shared / "planted"
    link.symlink_to(victim)
    with pytest.raises(FileExistsError):
        create_private(link)
    dangling = shared / "dangling"
    dangling.symlink_to(shared / "does-not-exist-yet")
    with pytest.raises(FileExistsError):
        create_private(dangling)
    assert not (shared / "does-not-exist-yet").exists()
    fd = create_private(shared / "fresh")
    os.close(fd)
    assert stat.S_IMODE((shared / "fresh").stat().st_mode) == 0o600
    assert victim.read_bytes() == VICTIM_TEXT


def test_atomic_write_replaces_a_planted_link_instead_of_following_it(shared, victim):
    target = shared / "record-export.md"
    target.symlink_to(victim)
    atomic_write(target, b"the export")
    assert victim.read_bytes() == VICTIM_TEXT
    assert not target.is_symlink() and target.read_bytes() == b"the export"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_atomic_write_is_not_caught_by_a_link_at_the_old_predictable_temp_name(shared, victim):
    """The temp name used to be .NAME.tmp-PID: an attacker could plant it for every pid."""
    target = shared / "record-export.md"
    (shared / f".record-export.md.tmp-{os.getpid()}").symlink_to(victim)
    atomic_write(target, b"the export")
    assert victim.read_bytes() == VICTIM_TEXT
    assert target.read_bytes() == b"the export"


def test_atomic_write_never_opens_a_planted_temp_name(shared, victim, monkeypatch):
    """Even a temp name an attacker guessed right is skipped, never written through."""
    target = shared / "out.md"
    planted = shared / ".out.md.tmp-guessed"
    planted.symlink_to(victim)
    names = iter([planted, shared / ".out.md.tmp-second"])
    monkeypatch.setattr(files, "_temp_name", lambda path: next(names))
    atomic_write(target, b"the export")
    assert victim.read_bytes() == VICTIM_TEXT
    assert target.read_bytes() == b"the export"
    assert planted.is_symlink()  # left alone


def test_atomic_write_gives_up_cleanly_when_every_name_is_taken(shared, victim, monkeypatch):
    planted = shared / ".x.tmp-taken"
    planted.symlink_to(victim)
    monkeypatch.setattr(files, "_temp_name", lambda path: planted)
    with pytest.raises(StorageError, match="could not write x"):
        atomic_write(shared / "x", b"data")
    assert victim.read_bytes() == VICTIM_TEXT
    assert planted.is_symlink() and not (shared / "x").exists()


def test_export_through_the_real_cli_does_not_follow_a_planted_link(tmp_path, shared, victim, monkeypatch, capsys):
    monkeypatch.setenv("HUSHPAD_HOME", str(tmp_path / "p"))
    monkeypatch.setattr("tui.services.access.default_keystore", lambda config: KEYSTORE)
    profile, _code = initialise(ProfilePaths(tmp_path / "p"), KEYSTORE, None)
    try:
        profile.record.add_client("C-1", "Quiet Client")
    finally:
        profile.close()
    target = shared / "c1.md"
    target.symlink_to(victim)
    assert main(["export", "client", "C-1", "-o", str(target)]) == 0, capsys.readouterr().err
    assert victim.read_bytes() == VICTIM_TEXT
    assert not target.is_symlink() and b"C-1" in target.read_bytes()


KEYSTORE = MemoryKeyring()


def test_a_profile_folder_that_is_a_symlink_is_refused(tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "profile"
    link.symlink_to(real, target_is_directory=True)
    with pytest.raises(UnsafePathError, match="is a symbolic link"):
        ensure_profile_dir(link)
    with pytest.raises(UnsafePathError):
        initialise(ProfilePaths(link), MemoryKeyring(), None)
    assert list(real.iterdir()) == []


@pytest.mark.parametrize("name", ["record.db", "vault.db", "keys.json", "vault.db-wal"])
def test_a_store_file_that_is_a_symlink_is_refused(tmp_path, name):
    keystore = MemoryKeyring()
    paths = ProfilePaths(tmp_path / "p")
    initialise(paths, keystore, None)[0].close()
    elsewhere = tmp_path / f"moved-{name}"
    real = paths.root / name
    if real.exists():
        real.rename(elsewhere)
    else:
        elsewhere.write_bytes(b"")
    real.symlink_to(elsewhere)
    with pytest.raises(UnsafePathError, match="symbolic link") as info:
        unlock(paths, keystore=keystore)
    assert name in str(info.value)


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_a_profile_or_store_owned_by_another_user_is_refused(tmp_path):
    nobody = 65534
    keystore = MemoryKeyring()
    paths = ProfilePaths(tmp_path / "p")
    initialise(paths, keystore, None)[0].close()
    os.chown(paths.record, nobody, nobody)
    with pytest.raises(UnsafePathError, match="belongs to another user") as info:
        unlock(paths, keystore=keystore)
    assert "record.db" in str(info.value)
    os.chown(paths.record, 0, 0)
    os.chown(paths.root, nobody, nobody)
    with pytest.raises(UnsafePathError, match="belongs to another user"):
        unlock(paths, keystore=keystore)
    os.chown(paths.root, 0, 0)
    unlock(paths, keystore=keystore).close()


def test_the_cli_says_so_in_one_line(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "profile"
    link.symlink_to(real, target_is_directory=True)
    assert main(["--profile", str(link), "doctor"]) != 0
    err = capsys.readouterr()
    text = err.out + err.err
    assert "is a symbolic link" in text and "Traceback" not in text
