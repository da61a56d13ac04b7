"""Envelope keys: AES-256-GCM wraps bound to profile, store, kind and KEK id."""

from __future__ import annotations

import json
import secrets

import pytest

from tui.storage import keys as keymod
from tui.storage.errors import KeyFileError, KeyringError, UnwrapError
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.profile import recover, unlock
from tui.storage.vault import JottingLine

from .helpers import assert_clear_message, snapshot_hashes

KEK = bytes(range(32))
DEKS = {"vault": b"V" * 32, "record": b"R" * 32}


def keyfile_with_device_wraps(profile_id: str = "profile-A", kek_id: str = "kek1") -> keymod.KeyFile:
    kf = keymod.KeyFile(profile_id=profile_id, created_at="2025-01-01T00:00:00+00:00")
    for store, dek in DEKS.items():
        kf.add_wrap(store, "device", kek_id, KEK, dek)
    return kf


def reparse(kf: keymod.KeyFile) -> keymod.KeyFile:
    return keymod.KeyFile.from_bytes(kf.to_bytes())


def wrap_for(kf: keymod.KeyFile, store: str, kind: str) -> keymod.Wrap:
    return next(w for w in kf.wraps if w.store == store and w.kind == kind)


# -- round trips ---------------------------------------------------------------------
def test_device_wraps_round_trip_through_keys_json():
    kf = reparse(keyfile_with_device_wraps())
    assert kf.unwrap("device", KEK, "kek1") == DEKS


def test_create_keys_wraps_both_stores_under_device_and_recovery():
    store = MemoryKeyring()
    new = keymod.create_keys(store, None)
    kf = reparse(new.keyfile)
    assert kf.kinds() == {"device", "recovery"}
    assert set(new.deks) == {"vault", "record"} and new.deks["vault"] != new.deks["record"]
    assert all(len(d) == 32 for d in new.deks.values())
    assert keymod.unlock_device(kf, store) == new.deks
    assert keymod.unlock_recovery(kf, new.recovery_code) == new.deks
    # The keyring holds the KEK, never a data key.
    value = store.get(kf.profile_id)
    assert value is not None
    for dek in new.deks.values():
        assert dek.hex() not in value and keymod._b64(dek) not in value
    # keys.json holds no data key in any form either.
    raw = kf.to_bytes()
    for dek in new.deks.values():
        assert dek not in raw and keymod._b64(dek).encode() not in raw and dek.hex().encode() not in raw


# -- associated data: a wrap moved to another slot does not open ------------------------
def test_swapping_the_vault_and_record_wraps_fails():
    kf = keyfile_with_device_wraps()
    vault, record = wrap_for(kf, "vault", "device"), wrap_for(kf, "record", "device")
    vault.nonce, record.nonce = record.nonce, vault.nonce
    vault.ciphertext, record.ciphertext = record.ciphertext, vault.ciphertext
    with pytest.raises(UnwrapError):
        reparse(kf).unwrap("device", KEK, "kek1")


def test_swapping_a_device_wrap_with_a_recovery_wrap_under_the_same_kek_fails():
    kf = keymod.KeyFile(profile_id="p", created_at="x")
    for store, dek in DEKS.items():
        kf.add_wrap(store, "device", "k", KEK, dek)
        kf.add_wrap(store, "recovery", "k", KEK, dek)
    dev, rec = wrap_for(kf, "vault", "device"), wrap_for(kf, "vault", "recovery")
    dev.nonce, rec.nonce = rec.nonce, dev.nonce
    dev.ciphertext, rec.ciphertext = rec.ciphertext, dev.ciphertext
    with pytest.raises(UnwrapError):
        reparse(kf).unwrap("device", KEK, "k")
    with pytest.raises(UnwrapError):
        reparse(kf).unwrap("recovery", KEK, "k")


@pytest.mark.parametrize(
    "field, value",
    [("store", "record"), ("kind", "recovery"), ("kek_id", "kek2")],
)
def test_relabelling_a_wrap_in_keys_json_fails_even_with_the_right_kek(field, value):
    """The same KEK is used throughout, so only the associated data can make these fail."""
    kf = keyfile_with_device_wraps()
    doc = json.loads(kf.to_bytes())
    vault = next(w for w in doc["wraps"] if w["store"] == "vault")
    vault[field] = value
    if field == "store":  # keep one wrap per store: the record wrap takes the vault label
        next(w for w in doc["wraps"] if w is not vault)["store"] = "vault"
    if field in ("kind", "kek_id"):  # relabel both so the lookup finds them under the new label
        for w in doc["wraps"]:
            w[field] = value
    edited = keymod.KeyFile.from_bytes(json.dumps(doc).encode())
    kind = value if field == "kind" else "device"
    kek_id = value if field == "kek_id" else "kek1"
    with pytest.raises(UnwrapError):
        edited.unwrap(kind, KEK, kek_id)


def test_moving_wraps_to_another_profile_fails_even_with_the_right_kek():
    kf = keyfile_with_device_wraps(profile_id="profile-A")
    doc = json.loads(kf.to_bytes())
    doc["profile_id"] = "profile-B"
    with pytest.raises(UnwrapError):
        keymod.KeyFile.from_bytes(json.dumps(doc).encode()).unwrap("device", KEK, "kek1")


def test_the_associated_data_names_profile_store_kind_and_kek():
    ad = json.loads(keymod.associated_data("P", "vault", "device", "K"))
    assert ad == {"format": "hushpad-keys", "version": 1, "profile": "P", "store": "vault", "wrap": "device", "kek": "K"}


# -- one flipped byte -------------------------------------------------------------------
def test_every_single_flipped_ciphertext_byte_gives_a_clear_unwrap_error():
    kf = keyfile_with_device_wraps()
    wrap = wrap_for(kf, "record", "device")
    original = wrap.ciphertext
    assert len(original) == 32 + 16  # the DEK and the GCM tag
    for i in range(len(original)):
        for bit in (0x01, 0x80):
            damaged = bytearray(original)
            damaged[i] ^= bit
            wrap.ciphertext = bytes(damaged)
            with pytest.raises(UnwrapError) as info:
                reparse(kf).unwrap("device", KEK, "kek1")
            message = assert_clear_message(info.value)
            assert "does not open this profile" in message and "hushpad keys recover" in message
    wrap.ciphertext = original
    assert reparse(kf).unwrap("device", KEK, "kek1") == DEKS


def test_a_flipped_nonce_byte_fails():
    kf = keyfile_with_device_wraps()
    wrap = wrap_for(kf, "vault", "device")
    nonce = bytearray(wrap.nonce)
    nonce[5] ^= 0x10
    wrap.nonce = bytes(nonce)
    with pytest.raises(UnwrapError):
        reparse(kf).unwrap("device", KEK, "kek1")


def test_the_wrong_kek_fails_with_the_kind_specific_message():
    kf = keyfile_with_device_wraps()
    with pytest.raises(UnwrapError, match="keyring does not open this profile"):
        kf.unwrap("device", secrets.token_bytes(32), "kek1")


def test_a_truncated_wrapped_key_is_refused():
    kf = keyfile_with_device_wraps()
    wrap_for(kf, "vault", "device").ciphertext = wrap_for(kf, "vault", "device").ciphertext[:20]
    with pytest.raises(UnwrapError):
        reparse(kf).unwrap("device", KEK, "kek1")


def test_a_missing_wrap_is_named():
    kf = keyfile_with_device_wraps()
    kf.wraps = [w for w in kf.wraps if w.store != "vault"]
    with pytest.raises(KeyFileError, match="vault"):
        reparse(kf).unwrap("device", KEK)


# -- nonces -----------------------------------------------------------------------------
def test_nonces_never_repeat_over_many_wraps():
    kf = keymod.KeyFile(profile_id="p", created_at="x")
    for _ in range(2000):
        kf.add_wrap("vault", "device", "k", KEK, DEKS["vault"])
    nonces = [w.nonce for w in kf.wraps]
    assert all(len(n) == 12 for n in nonces)
    assert len(set(nonces)) == len(nonces)
    # The same DEK under the same KEK never gives the same ciphertext twice.
    assert len({w.ciphertext for w in kf.wraps}) == len(kf.wraps)


def test_nonces_never_repeat_across_rotations_and_new_recovery_codes(made):
    profile = made.open()
    seen: list[bytes] = []

    def collect() -> None:
        seen.extend(w.nonce for w in keymod.KeyFile.load(made.paths.keys).wraps)

    try:
        collect()
        for _ in range(5):
            profile.rotate_device_key(made.keystore, "tester")
            collect()
            profile.new_recovery_code("tester")
            collect()
    finally:
        profile.close()
    # Each file keeps some wraps from the one before; every *new* wrap has a fresh nonce.
    unique_wraps = {}
    for kf_nonce in seen:
        unique_wraps[kf_nonce] = unique_wraps.get(kf_nonce, 0) + 1
    final = keymod.KeyFile.load(made.paths.keys)
    all_wraps = [w.nonce for w in final.wraps]
    assert len(set(all_wraps)) == len(all_wraps)
    # 4 initial wraps + per round 2 device + 2 recovery = 24 distinct nonces in all.
    assert len(unique_wraps) == 4 + 5 * 4


# -- rotation ---------------------------------------------------------------------------
def test_rotation_old_keyring_value_no_longer_opens_and_the_new_one_does(made):
    old_value = made.keystore.get(keymod.KeyFile.load(made.paths.keys).profile_id)
    profile = made.open()
    profile_id = profile.profile_id
    deks = {k: bytes(v) for k, v in profile.deks().items()}  # close() zeroes the originals
    try:
        profile.rotate_device_key(made.keystore, "tester")
    finally:
        profile.close()
    new_value = made.keystore.get(profile_id)
    assert new_value != old_value
    kf = keymod.KeyFile.load(made.paths.keys)
    assert len([w for w in kf.wraps if w.kind == "device"]) == 2  # old wraps gone

    stale = MemoryKeyring()
    stale.set(profile_id, old_value)
    with pytest.raises(KeyringError) as info:
        unlock(made.paths, keystore=stale)
    assert "recover" in assert_clear_message(info.value)

    # Even forging the new kek id next to the old KEK gets nowhere.
    _, old_kek = keymod.parse_device_value(old_value)
    new_kek_id, _ = keymod.parse_device_value(new_value)
    with pytest.raises(UnwrapError):
        kf.unwrap("device", old_kek, new_kek_id)

    reopened = unlock(made.paths, keystore=made.keystore)
    try:
        assert reopened.deks() == deks
        actions = [r["action"] for r in reopened.record.audit_entries()]
        assert "device key rotated" in actions
    finally:
        reopened.close()


class SnapshotAtKeyringWrite(MemoryKeyring):
    """A working keystore that copies keys.json at the moment the keyring is written,
    which is what a crash between steps of rotate_device would leave on disk."""

    def __init__(self, keys_path, items):  # noqa: ANN001
        super().__init__()
        self._items = dict(items)
        self.keys_path = keys_path
        self.keys_json_at_write: bytes | None = None

    def set(self, profile_id: str, value: str) -> None:
        self.keys_json_at_write = self.keys_path.read_bytes()
        super().set(profile_id, value)


def test_rotation_is_crash_safe_between_every_step(made):
    profile_id = keymod.KeyFile.load(made.paths.keys).profile_id
    old_value = made.keystore.get(profile_id)
    spy = SnapshotAtKeyringWrite(made.paths.keys, made.keystore._items)
    profile = made.open()
    try:
        expected = {k: bytes(v) for k, v in profile.deks().items()}  # close() zeroes the originals
        profile.rotate_device_key(spy, "tester")
    finally:
        profile.close()
    new_value = spy.get(profile_id)
    after_step_1 = spy.keys_json_at_write
    assert after_step_1 is not None
    kf = keymod.KeyFile.from_bytes(after_step_1)
    assert len([w for w in kf.wraps if w.kind == "device"]) == 4  # old and new side by side
    # Crash between 1 and 2: the keyring still has the old key.
    old = MemoryKeyring()
    old.set(profile_id, old_value)
    assert keymod.unlock_device(kf, old) == expected
    # Crash between 2 and 3: the keyring has the new key, the file is still the step-1 file.
    new = MemoryKeyring()
    new.set(profile_id, new_value)
    assert keymod.unlock_device(kf, new) == expected


class IgnoresWrites(MemoryKeyring):
    """A keyring that silently drops writes: the read-back gives the old value."""

    def set(self, profile_id: str, value: str) -> None:
        return None


def test_a_rotation_refused_by_read_back_leaves_the_profile_opening_with_the_keyring(made):
    profile_id = keymod.KeyFile.load(made.paths.keys).profile_id
    flaky = IgnoresWrites()
    flaky._items = dict(made.keystore._items)
    profile = made.open()
    try:
        with pytest.raises(KeyringError) as info:
            profile.rotate_device_key(flaky, "tester")
        assert "did not give back" in assert_clear_message(info.value)
    finally:
        profile.close()
    assert flaky.get(profile_id) == made.keystore.get(profile_id)
    unlock(made.paths, keystore=flaky).close()


# -- recovery ---------------------------------------------------------------------------
def test_recovery_on_a_new_keyring_with_only_the_code(made):
    fresh = MemoryKeyring()
    with pytest.raises(KeyringError, match="recover"):
        unlock(made.paths, keystore=fresh)
    profile = recover(made.paths, made.code, fresh, None, actor="tester")
    try:
        assert profile.record.client_by_code("AB12")["display_name"] == "Test Person"
        assert profile.vault.load_jottings("session:1") == [JottingLine(3, "slept badly, argued with sister")]
        assert "access recovered with recovery code" in [r["action"] for r in profile.record.audit_entries()]
    finally:
        profile.close()
    unlock(made.paths, keystore=fresh).close()
    # The lost keyring's key is retired by the re-enrolment.
    with pytest.raises(KeyringError):
        unlock(made.paths, keystore=made.keystore)
    # The recovery code keeps working.
    unlock(made.paths, recovery_code=made.code).close()


def test_a_new_recovery_code_retires_the_old_one(made):
    profile = made.open()
    try:
        code = profile.new_recovery_code("tester")
    finally:
        profile.close()
    assert code != made.code
    before = snapshot_hashes(made.root)
    with pytest.raises(UnwrapError, match="does not open this profile"):
        unlock(made.paths, recovery_code=made.code)
    assert snapshot_hashes(made.root) == before
    unlock(made.paths, recovery_code=code).close()


# -- passphrase (Argon2id, ~0.3 s per derivation: kept to a few) -------------------------
def test_passphrase_wrap_round_trip_wrong_passphrase_and_strength():
    new = keymod.create_keys(None, "correct horse battery staple")
    kf = reparse(new.keyfile)
    assert kf.kinds() == {"passphrase", "recovery"}
    doc = json.loads(kf.to_bytes())["passphrase_kdf"]
    assert doc["algorithm"] == "argon2id"
    assert doc["memory_kib"] >= 64 * 1024 and doc["iterations"] >= 3 and doc["lanes"] >= 1
    assert len(kf.passphrase.salt) >= 16
    assert keymod.unlock_passphrase(kf, "correct horse battery staple") == new.deks
    with pytest.raises(UnwrapError) as info:
        keymod.unlock_passphrase(kf, "correct horse battery stapler")
    assert assert_clear_message(info.value) == "Wrong passphrase."


def test_weakened_passphrase_settings_in_keys_json_are_refused_before_deriving():
    kf = keymod.KeyFile(profile_id="p", created_at="x", passphrase=keymod.PassphraseParams(salt=b"s" * 16))
    doc = json.loads(kf.to_bytes())
    for field, weak in (("memory_kib", 1024), ("iterations", 1)):
        edited = json.loads(json.dumps(doc))
        edited["passphrase_kdf"][field] = weak
        with pytest.raises(KeyFileError, match="weaker"):
            keymod.KeyFile.from_bytes(json.dumps(edited).encode())


@pytest.mark.parametrize("field, huge", [("memory_kib", 2**40), ("iterations", 10**9), ("lanes", 0), ("lanes", 10**6)])
def test_absurd_passphrase_settings_in_keys_json_are_refused_before_deriving(field, huge):
    """The KDF settings are not authenticated; an edited file must not hang or exhaust memory."""
    kf = keymod.KeyFile(profile_id="p", created_at="x", passphrase=keymod.PassphraseParams(salt=b"s" * 16))
    doc = json.loads(kf.to_bytes())
    doc["passphrase_kdf"][field] = huge
    with pytest.raises(KeyFileError, match="beyond what Hushpad allows"):
        keymod.KeyFile.from_bytes(json.dumps(doc).encode())


def test_a_short_passphrase_is_refused():
    with pytest.raises(UnwrapError, match="at least 10"):
        keymod.create_keys(None, "short")


def test_no_keyring_and_no_passphrase_names_the_fixes():
    with pytest.raises(KeyringError) as info:
        keymod.create_keys(None, None)
    message = assert_clear_message(info.value)
    assert "Secret Service" in message and "hushpad init --passphrase" in message


@pytest.mark.parametrize("value", ["", "v1:abc", "v2:id:" + keymod._b64(b"k" * 32), "v1:id:" + keymod._b64(b"k" * 16),
                                   "v1:id:not base64!"])
def test_a_keyring_value_that_is_not_ours_is_a_clear_keyring_error(value):
    with pytest.raises(KeyringError, match="not a Hushpad key"):
        keymod.parse_device_value(value)
