"""Issue 9 item 6, in-process: keys live in bytearrays that lock zeroes, and no hex copy is made.

The end-to-end proof (the live process's memory after ctrl+l) is
tests/e2e/test_memory_after_lock.py; these pin down the pieces it relies on.
"""

from __future__ import annotations

import os

import pytest
import sqlcipher3
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tui.storage import keys as keymod
from tui.storage.db import apply_key
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.paths import ProfilePaths
from tui.storage.profile import initialise, unlock
from tui.storage.secure_memory import (aesgcm_decrypt_into, hex_literal, new_key, wipe,
                                       wipe_immutable)


def test_unlocked_keys_are_bytearrays_and_close_zeroes_them(tmp_path):
    keystore = MemoryKeyring()
    paths = ProfilePaths(tmp_path / "p")
    initialise(paths, keystore, None)[0].close()
    profile = unlock(paths, keystore=keystore)
    held = list(profile._deks.values())
    assert held and all(isinstance(k, bytearray) for k in held if len(k) == 32)
    data_keys = [profile.deks()["record"], profile.deks()["vault"]]
    assert all(any(k) for k in data_keys)
    profile.close()
    assert all(k == bytearray(len(k)) for k in data_keys), "lock must zero the data keys themselves"


def test_a_new_profile_keys_are_born_in_bytearrays(tmp_path):
    new = keymod.create_keys(MemoryKeyring(), None)
    assert all(isinstance(k, bytearray) for k in new.deks.values())


def test_unwrap_failure_wipes_what_it_had_unwrapped(tmp_path):
    keystore = MemoryKeyring()
    paths = ProfilePaths(tmp_path / "p")
    profile, code = initialise(paths, keystore, None)
    profile.close()
    keyfile = keymod.KeyFile.load(paths.keys)
    with pytest.raises(Exception):
        keymod.unlock_recovery(keyfile, code[:-1] + ("A" if code[-1] != "A" else "B"))


def test_stores_are_keyed_by_buffer_with_memory_security_on(tmp_path):
    key = new_key()
    conn = sqlcipher3.connect(str(tmp_path / "x.db"))
    apply_key(conn, key)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    assert conn.execute("PRAGMA cipher_memory_security").fetchone()[0] in (1, "1")
    conn.close()
    # The same raw key as the old PRAGMA form opens it: files made before this change still open.
    again = sqlcipher3.connect(str(tmp_path / "x.db"))
    again.execute(f"PRAGMA key = \"x'{bytes(key).hex()}'\"")
    assert again.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    again.close()


def test_hex_literal_is_sqlciphers_raw_key_form():
    key = bytearray(range(32))
    literal = hex_literal(key)
    assert isinstance(literal, bytearray)
    assert bytes(literal) == b"x'" + bytes(key).hex().encode() + b"'"
    wipe(literal)
    assert literal == bytearray(len(literal))


def test_decrypt_into_a_bytearray_and_a_bad_tag_still_raises():
    kek, dek = new_key(), new_key()
    nonce = os.urandom(12)
    ct = AESGCM(kek).encrypt(nonce, dek, b"ad")
    out = aesgcm_decrypt_into(kek, nonce, ct, b"ad")
    assert isinstance(out, bytearray) and out == dek
    with pytest.raises(InvalidTag):
        aesgcm_decrypt_into(kek, nonce, ct, b"other")


def test_wipe_immutable_overwrites_fresh_objects_and_leaves_shared_ones_alone():
    fresh = os.urandom(32)
    assert wipe_immutable(fresh) and fresh == bytes(32)
    value = "v1:" + os.urandom(8).hex() + ":QUJD"
    assert wipe_immutable(value) and set(value) == {"\0"}
    single = b"a"
    assert not wipe_immutable(single) and single == b"a"  # one-byte objects are interned singletons
    assert not wipe_immutable("é" + "x" * 5)  # non-ASCII layouts are left alone


def test_memory_keyring_hands_out_copies_the_caller_may_wipe():
    keystore = MemoryKeyring()
    keystore.set("p", "v1:abc:" + "QUJD" * 11)
    first = keystore.get("p")
    assert first is not None
    wipe_immutable(first)
    assert keystore.get("p") == "v1:abc:" + "QUJD" * 11
