"""Bad input gets a clear message and loses nothing.

Every failure case snapshots the SHA-256 of every file under the profile first and
checks it afterwards: a failure never changes a byte the user did not ask to change.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import keyring.backends.fail
import pytest

from tui.storage import keys as keymod
from tui.storage.db import PAGE_SIZE
from tui.storage.errors import (
    DiskFullError,
    InsecureKeyringError,
    KeyFileError,
    KeyringError,
    NotInitialisedError,
    ProfileInUseError,
    StorageError,
    StoreOpenError,
    UnwrapError,
)
from tui.storage.files import atomic_write, ensure_profile_dir
from tui.storage.keyring_access import MemoryKeyring, OSKeyring
from tui.storage.paths import ProfilePaths
from tui.storage.profile import open_with_deks, unlock
from tui.storage.record import RecordStore
from tui.storage.vault import JottingLine, VaultStore

from .helpers import assert_clear_message, jot, make_profile, snapshot_hashes

JOTTING = [JottingLine(3, "slept badly, argued with sister")]


def deks_of(made) -> dict[str, bytes]:  # noqa: ANN001
    profile = made.open()
    try:
        return {k: bytes(v) for k, v in profile.deks().items()}  # close() zeroes the originals
    finally:
        profile.close()


def profile_id_of(made) -> str:  # noqa: ANN001
    return keymod.KeyFile.load(made.paths.keys).profile_id


def reopens(made) -> None:  # noqa: ANN001
    """The profile still opens and still holds its data (and no lock was left behind)."""
    profile = made.open()
    try:
        assert profile.vault.load_jottings("session:1") == JOTTING
        assert profile.record.client_by_code("AB12") is not None
    finally:
        profile.close()


# -- wrong key ------------------------------------------------------------------------------
def test_a_store_opened_with_another_key_is_refused_and_unchanged(made):
    before = snapshot_hashes(made.root)
    for store_cls, path in ((VaultStore, made.paths.vault), (RecordStore, made.paths.record)):
        with pytest.raises(StoreOpenError) as info:
            store_cls(path, secrets.token_bytes(32))
        message = assert_clear_message(info.value)
        assert path.name in message and "key is wrong or the file is damaged" in message
    assert snapshot_hashes(made.root) == before


def test_swapped_data_keys_are_refused_and_the_lock_is_released(made):
    deks = deks_of(made)
    kf = keymod.KeyFile.load(made.paths.keys)
    before = snapshot_hashes(made.root)
    with pytest.raises(StoreOpenError):
        open_with_deks(made.paths, kf, {"vault": deks["record"], "record": deks["vault"]})
    with pytest.raises(StoreOpenError):  # record right, vault wrong: the record is closed again
        open_with_deks(made.paths, kf, {"vault": deks["record"], "record": deks["record"]})
    assert snapshot_hashes(made.root) == before
    reopens(made)


def test_keys_json_from_another_profile_opens_nothing_and_changes_nothing(made, tmp_path):
    other = make_profile(tmp_path / "other")
    shutil.copy(other.paths.keys, made.paths.keys)
    before = snapshot_hashes(made.root)
    with pytest.raises(StoreOpenError) as info:
        unlock(made.paths, keystore=other.keystore)
    assert_clear_message(info.value)
    assert snapshot_hashes(made.root) == before


# -- keys.json ------------------------------------------------------------------------------
@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.25, 0.5, 0.75, 0.99])
def test_a_truncated_keys_json_is_a_clear_key_file_error(made, fraction):
    data = made.paths.keys.read_bytes()
    made.paths.keys.write_bytes(data[: int(len(data) * fraction)])
    before = snapshot_hashes(made.root)
    for attempt in (lambda: made.open(), lambda: unlock(made.paths, recovery_code=made.code)):
        with pytest.raises(KeyFileError) as info:
            attempt()
        message = assert_clear_message(info.value)
        assert "keys.json" in message
    assert snapshot_hashes(made.root) == before


def _edit_keys_json(made, edit) -> None:  # noqa: ANN001
    doc = json.loads(made.paths.keys.read_bytes())
    edit(doc)
    made.paths.keys.write_bytes(json.dumps(doc, indent=2).encode())


def _flip_b64_char(text: str, index: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    current = text[index]
    replacement = alphabet[(alphabet.index(current) + 1) % 64]
    return text[:index] + replacement + text[index + 1 :]


@pytest.mark.parametrize("store", ["vault", "record"])
@pytest.mark.parametrize("field", ["ciphertext", "nonce"])
def test_one_flipped_base64_character_in_a_wrap_is_an_unwrap_error(made, store, field):
    def edit(doc):  # noqa: ANN001, ANN202
        wrap = next(w for w in doc["wraps"] if w["store"] == store and w["kind"] == "device")
        wrap[field] = _flip_b64_char(wrap[field], 3)

    _edit_keys_json(made, edit)
    before = snapshot_hashes(made.root)
    with pytest.raises(UnwrapError) as info:
        made.open()
    message = assert_clear_message(info.value)
    assert "does not open this profile" in message and "hushpad keys recover" in message
    assert snapshot_hashes(made.root) == before
    # The recovery wraps are untouched, so the recovery code still opens it.
    unlock(made.paths, recovery_code=made.code).close()


def test_a_character_that_is_not_base64_is_named(made):
    _edit_keys_json(made, lambda doc: doc["wraps"][0].__setitem__("ciphertext", "!!!!" + doc["wraps"][0]["ciphertext"][4:]))
    before = snapshot_hashes(made.root)
    with pytest.raises(KeyFileError, match="not valid base64"):
        made.open()
    assert snapshot_hashes(made.root) == before


def test_a_changed_profile_id_is_refused(made):
    old_id = profile_id_of(made)
    value = made.keystore.get(old_id)
    new_id = "00000000-0000-4000-8000-000000000000"
    _edit_keys_json(made, lambda doc: doc.__setitem__("profile_id", new_id))
    before = snapshot_hashes(made.root)
    # The keyring has nothing under the new id: a clear keyring message.
    with pytest.raises(KeyringError, match="no key for this profile"):
        made.open()
    # Even with the right KEK under the new id, the associated data no longer matches.
    made.keystore.set(new_id, value)
    with pytest.raises(UnwrapError, match="does not open this profile"):
        made.open()
    with pytest.raises(UnwrapError, match="recovery code does not open"):
        unlock(made.paths, recovery_code=made.code)
    assert snapshot_hashes(made.root) == before


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda doc: doc.pop("wraps"), "missing"),
        (lambda doc: doc.__setitem__("wraps", "none"), "wrong type"),
        (lambda doc: doc["wraps"][0].pop("nonce"), "missing"),
        (lambda doc: doc.__setitem__("format", "something-else"), "not a Hushpad key file"),
        (lambda doc: doc.__setitem__("version", 2), "version 2"),
        (lambda doc: doc.__setitem__("wraps", [w for w in doc["wraps"] if w["store"] != "vault"]), "vault"),
    ],
)
def test_an_edited_keys_json_is_a_clear_key_file_error(made, edit, expected):
    _edit_keys_json(made, edit)
    before = snapshot_hashes(made.root)
    with pytest.raises((KeyFileError, KeyringError)) as info:
        made.open()
    assert expected in assert_clear_message(info.value)
    assert snapshot_hashes(made.root) == before


def test_a_json_list_instead_of_an_object_is_refused(made):
    made.paths.keys.write_bytes(b"[1, 2, 3]\n")
    with pytest.raises(KeyFileError, match="not a Hushpad key file"):
        made.open()


def test_a_missing_keys_json_beside_the_stores_is_named(made):
    made.paths.keys.unlink()
    before = snapshot_hashes(made.root)
    with pytest.raises(KeyFileError, match="keys.json is missing but the stores are there"):
        made.open()
    assert snapshot_hashes(made.root) == before


def test_an_empty_folder_is_not_a_profile(tmp_path):
    with pytest.raises(NotInitialisedError, match="hushpad init"):
        unlock(ProfilePaths(tmp_path / "nothing"), keystore=MemoryKeyring())


# -- damaged databases ------------------------------------------------------------------------
@pytest.mark.parametrize("store", ["record.db", "vault.db"])
@pytest.mark.parametrize("cut", ["zero", "one page", "half", "half, page-aligned", "minus one byte"])
def test_a_truncated_store_is_refused_and_unchanged(made, store, cut):
    path = made.root / store
    data = path.read_bytes()
    size = {
        "zero": 0,
        "one page": PAGE_SIZE,
        "half": len(data) // 2 + 100,
        "half, page-aligned": (len(data) // PAGE_SIZE // 2) * PAGE_SIZE,
        "minus one byte": len(data) - 1,
    }[cut]
    path.write_bytes(data[:size])
    before = snapshot_hashes(made.root)
    with pytest.raises(StoreOpenError) as info:
        made.open()
    message = assert_clear_message(info.value)
    assert store in message and "backup" in message
    assert snapshot_hashes(made.root) == before
    path.write_bytes(data)
    reopens(made)  # nothing was left locked or half-open


def _bulk_up(made) -> None:  # noqa: ANN001
    """Enough rows that the stores span many pages, so damage can land mid-file."""
    profile = made.open()
    try:
        for i in range(40):
            profile.vault.save_jottings(f"session:{100 + i}", [JottingLine(i, secrets.token_hex(1500))])
            profile.record.add_client(f"BULK{i}", secrets.token_hex(200))
    finally:
        profile.close()


def test_bytes_flipped_mid_vault_give_a_clear_storage_error_never_a_raw_one(made):
    _bulk_up(made)
    key = deks_of(made)["vault"]
    path = made.paths.vault
    data = bytearray(path.read_bytes())
    assert len(data) > 20 * PAGE_SIZE
    middle = len(data) // 2
    for i in range(16):
        data[middle + i] ^= 0xFF
    path.write_bytes(bytes(data))
    before = snapshot_hashes(made.root)
    # Opened for writing, the damage is found before anything is written.
    with pytest.raises(StoreOpenError) as refused:
        VaultStore(path, key)
    assert "vault.db" in assert_clear_message(refused.value) and "damaged" in str(refused.value)
    store = VaultStore(path, key, read_only=True)  # page 1 is intact, so it opens to be read
    try:
        with pytest.raises(StorageError) as info:
            for i in range(40):
                store.load_jottings(f"session:{100 + i}")
            store.query("SELECT count(*) AS n FROM jotting_documents WHERE length(lines_json) > 0")
        message = assert_clear_message(info.value)
        assert "vault.db" in message and "damaged" in message and "backup" in message
        assert store.cipher_check() != "ok"
    finally:
        store.close()
    assert snapshot_hashes(made.root) == before


def test_a_flipped_byte_in_the_first_page_is_refused_at_open(made):
    path = made.paths.record
    data = bytearray(path.read_bytes())
    data[200] ^= 0x01
    path.write_bytes(bytes(data))
    before = snapshot_hashes(made.root)
    with pytest.raises(StoreOpenError) as info:
        made.open()
    assert "record.db" in assert_clear_message(info.value)
    assert snapshot_hashes(made.root) == before


def test_a_missing_store_is_named_and_not_recreated(made):
    made.paths.vault.unlink()
    before = snapshot_hashes(made.root)
    with pytest.raises(StoreOpenError, match="vault.db is missing"):
        made.open()
    assert snapshot_hashes(made.root) == before
    assert not made.paths.vault.exists()


# -- keyring missing or refused ---------------------------------------------------------------
def test_no_keyring_names_the_fixes_and_changes_nothing(made):
    before = snapshot_hashes(made.root)
    with pytest.raises(InsecureKeyringError) as info:
        unlock(made.paths, keystore=OSKeyring(backend=keyring.backends.fail.Keyring(), timeout=5))
    message = assert_clear_message(info.value)
    assert "Secret Service" in message and "hushpad init --passphrase" in message
    assert snapshot_hashes(made.root) == before


def test_a_keyring_that_lost_our_entry_points_to_recovery(made):
    before = snapshot_hashes(made.root)
    with pytest.raises(KeyringError) as info:
        unlock(made.paths, keystore=MemoryKeyring())
    assert "hushpad keys recover" in assert_clear_message(info.value)
    assert snapshot_hashes(made.root) == before


def test_a_keyring_entry_that_is_not_ours_points_to_recovery(made):
    made.keystore.set(profile_id_of(made), "hunter2")
    before = snapshot_hashes(made.root)
    with pytest.raises(KeyringError, match="not a Hushpad key"):
        made.open()
    assert snapshot_hashes(made.root) == before


# -- loose permissions ------------------------------------------------------------------------
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_loose_permissions_are_tightened_with_a_warning(made):
    os.chmod(made.root, 0o755)
    os.chmod(made.paths.keys, 0o644)
    os.chmod(made.paths.record, 0o644)
    before = snapshot_hashes(made.root)
    report = ensure_profile_dir(made.root)
    assert stat.S_IMODE(made.root.stat().st_mode) == 0o700
    assert stat.S_IMODE(made.paths.keys.stat().st_mode) == 0o600
    assert stat.S_IMODE(made.paths.record.stat().st_mode) == 0o600
    warnings = report.warnings
    assert len(warnings) == 3
    assert any(str(made.root) in w and "was 755" in w for w in warnings)
    assert any("keys.json" in w and "was 644" in w for w in warnings)
    assert all(w.startswith("tightened loose permissions on") for w in warnings)
    assert ensure_profile_dir(made.root).warnings == []  # idempotent
    assert snapshot_hashes(made.root) == before  # modes only, no content


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_unlocking_a_loose_profile_tightens_it_and_hands_the_warning_back(made):
    os.chmod(made.root, 0o755)
    os.chmod(made.paths.vault, 0o664)
    profile = made.open()
    try:
        warnings = profile.permission_warnings
    finally:
        profile.close()
    assert len(warnings) == 2 and any("vault.db" in w and "was 664" in w for w in warnings)
    assert stat.S_IMODE(made.paths.vault.stat().st_mode) == 0o600


# -- two instances ------------------------------------------------------------------------------
def test_a_second_unlock_in_the_same_process_is_refused(made):
    first = made.open()
    try:
        before = {k: v for k, v in snapshot_hashes(made.root).items() if not k.endswith(("-wal", "-shm"))}
        with pytest.raises(ProfileInUseError) as info:
            made.open()
        message = assert_clear_message(info.value)
        assert "already open" in message and str(os.getpid()) in message
        after = {k: v for k, v in snapshot_hashes(made.root).items() if not k.endswith(("-wal", "-shm"))}
        assert after == before
        first.vault.save_jottings("session:1", JOTTING)  # the first one is unharmed
    finally:
        first.close()
    reopens(made)


HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tui.storage.files import ProfileLock
    lock = ProfileLock(Path(sys.argv[1]))
    lock.acquire()
    print("locked", flush=True)
    sys.stdin.read()  # hold until the test closes our stdin
    """
)


def _spawn_holder(root: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[3],
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_process_on_the_same_profile_is_refused_until_it_exits(made):
    proc = _spawn_holder(made.root)
    try:
        before = snapshot_hashes(made.root)
        with pytest.raises(ProfileInUseError) as info:
            made.open()
        assert f"process {proc.pid}" in assert_clear_message(info.value)
        assert snapshot_hashes(made.root) == before
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    reopens(made)


def test_a_killed_holder_leaves_no_stale_lock(made):
    proc = _spawn_holder(made.root)
    proc.kill()  # like kill -9 or a power cut for this process
    proc.wait(timeout=10)
    proc.stdin.close()
    proc.stdout.close()
    reopens(made)


# -- disk full, on a real small filesystem -----------------------------------------------------
@pytest.fixture
def small_fs(tmp_path, require):
    """A 2 MiB tmpfs. Needs root; skips locally (fails under CI=true) where it cannot mount."""
    mount = tmp_path / "small"
    mount.mkdir()
    can_mount = sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0
    require(can_mount, "mounting a small tmpfs for the disk-full tests needs root on Linux")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount)],
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
        block = b"\0" * 4096
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


def test_atomic_write_on_a_full_disk_keeps_the_old_keys_json(small_fs):
    made = make_profile(small_fs / "profile")
    before = snapshot_hashes(made.root)
    filler = fill(small_fs)
    with pytest.raises(DiskFullError) as info:
        atomic_write(made.paths.keys, made.paths.keys.read_bytes() + b" " * 20000)
    message = assert_clear_message(info.value)
    assert "disk is full" in message and "keys.json" in message
    assert snapshot_hashes(made.root) == before  # old keys.json intact, no temp file left
    filler.unlink()
    reopens(made)


def test_a_key_change_on_a_full_disk_keeps_the_old_recovery_code_working(small_fs):
    made = make_profile(small_fs / "profile")
    profile = made.open()
    try:
        # Use up what is left; the stores' -wal files already have their room. The reserve
        # goes first: it exists to let saves through a full disk, which is not this case.
        (made.root / "reserve.bin").unlink(missing_ok=True)
        filler = fill(small_fs)
        before = snapshot_hashes(made.root)
        with pytest.raises(DiskFullError):
            profile.new_recovery_code("tester")
        assert snapshot_hashes(made.root)["keys.json"] == before["keys.json"]
        filler.unlink()
        # A later key change must not write a wrap for the code that was never shown.
        profile.rotate_device_key(made.keystore, "tester")
    finally:
        profile.close()
    unlock(made.paths, recovery_code=made.code).close()


def test_saving_jottings_on_a_full_disk_is_a_clear_error_and_loses_nothing(small_fs):
    made = make_profile(small_fs / "profile")
    profile = made.open()
    try:
        profile.vault.save_jottings("session:1", JOTTING)
        saved = snapshot_hashes(made.root)
        filler = fill(small_fs)
        # Incompressible, far more than is free even once the reserve is released.
        big = jot([(4, secrets.token_hex(600_000))])
        with pytest.raises(DiskFullError) as info:
            profile.vault.save_jottings("session:1", big)
        message = assert_clear_message(info.value)
        assert "disk is full" in message and "vault.db" in message
        # Still readable, still the document saved before, from the same connection.
        assert profile.vault.load_jottings("session:1") == JOTTING
        # Every file is as it was, except the live -wal/-shm of the store being written:
        # SQLite may leave uncommitted frames past the last commit, which it ignores.
        # The reserve is released (deleted) by design when the disk fills.
        live = ("vault.db-wal", "vault.db-shm", "reserve.bin")
        now = snapshot_hashes(made.root)
        assert {k: v for k, v in now.items() if k not in live} == {k: v for k, v in saved.items() if k not in live}
        # What a crash at this instant would leave behind still opens to the saved document.
        crash = small_fs.parent / "crash-copy"
        crash.mkdir()
        for name in ("vault.db", "vault.db-wal"):
            shutil.copy(made.root / name, crash / name)
        copy = VaultStore(crash / "vault.db", profile.deks()["vault"])
        try:
            assert copy.load_jottings("session:1") == JOTTING
        finally:
            copy.close()
        filler.unlink()
        # With space again, the same connection saves normally.
        profile.vault.save_jottings("session:1", JOTTING + [JottingLine(5, "after freeing space")])
    finally:
        profile.close()
    reopened = made.open()
    try:
        assert reopened.vault.load_jottings("session:1") == JOTTING + [JottingLine(5, "after freeing space")]
    finally:
        reopened.close()


def test_doctor_reports_mid_file_damage_instead_of_crashing(made):
    from tui.config import Config
    from tui.services.doctor import run_doctor

    _bulk_up(made)
    data = bytearray(made.paths.vault.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    made.paths.vault.write_bytes(bytes(data))
    vault_before = snapshot_hashes(made.root)["vault.db"]
    config = Config(profile_dir=made.root, config_path=made.root / "config.toml")
    report = run_doctor(config, made.keystore, passphrase_reader=lambda: "")
    assert not report.ok
    assert "ok    record.db: integrity_check ok, cipher pages ok" in "\n".join(report.lines)
    vault_lines = [line for line in report.lines if "vault.db" in line]
    assert vault_lines and all(line.startswith("FAIL") for line in vault_lines), report.lines
    assert snapshot_hashes(made.root)["vault.db"] == vault_before
