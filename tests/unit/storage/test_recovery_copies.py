"""Issue 9 item 3: the recovery code, record.db and vault.db restore access on their own.

keys.json has a second copy (keys.json.bak) and each store a sidecar (record.db.keys,
vault.db.keys) holding every recovery wrap, so losing keys.json, or keys.json and any
one copy, still lets `hushpad keys recover` in.
"""

from __future__ import annotations

import io
import json
import sys

import pytest

from tui.cli import main
from tui.storage import keys as keymod
from tui.storage.errors import KeyFileError, UnwrapError
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.paths import ProfilePaths
from tui.storage.profile import recover, unlock
from tui.storage.vault import JottingLine

from .helpers import assert_clear_message, make_profile, snapshot_hashes

JOTTING = [JottingLine(3, "slept badly, argued with sister")]
COPIES = ["keys.json.bak", "record.db.keys", "vault.db.keys"]


def recovery_slots(path) -> set[str]:  # noqa: ANN001
    doc = json.loads(path.read_bytes())
    return {w["store"] for w in doc.get("wraps", []) + doc.get("key_wraps", []) if w["kind"] == "recovery"}


def opens_with_the_device_key(made, keystore) -> None:  # noqa: ANN001
    profile = unlock(made.paths, keystore=keystore)
    try:
        assert profile.vault.load_jottings("session:1") == JOTTING
        assert profile.record.client_by_code("AB12") is not None
        assert profile.record.integrity_check() == "ok"
    finally:
        profile.close()


def test_every_save_writes_the_copies_with_every_recovery_wrap(made):
    wanted = recovery_slots(made.paths.keys)
    assert {"vault", "record"} <= wanted
    for name in COPIES:
        assert recovery_slots(made.root / name) == wanted, name
    for sidecar in ("record.db.keys", "vault.db.keys"):
        doc = json.loads((made.root / sidecar).read_bytes())
        assert doc["profile_id"] == json.loads(made.paths.keys.read_bytes())["profile_id"]
        # Only recovery wraps: a sidecar opens nothing for a stolen keyring or passphrase.
        assert {w["kind"] for w in doc["wraps"] + doc.get("key_wraps", [])} == {"recovery"}
        assert "passphrase_kdf" not in doc


@pytest.mark.parametrize("lost", [
    ["keys.json"],
    ["keys.json", "keys.json.bak"],
    ["keys.json", "record.db.keys"],
    ["keys.json", "vault.db.keys"],
    ["keys.json", "keys.json.bak", "record.db.keys"],
    ["keys.json", "keys.json.bak", "vault.db.keys"],
])
def test_recovery_works_from_any_surviving_copy(made, lost):
    public = json.loads(made.paths.keys.read_bytes()).get("public_keys")
    for name in lost:
        (made.root / name).unlink()
    fresh = MemoryKeyring()  # a new machine: nothing in the keyring either
    profile = recover(made.paths, made.code, fresh, None, actor="tester")
    try:
        assert profile.vault.load_jottings("session:1") == JOTTING
        if public:  # the signing key came back with the data keys
            assert keymod.SIGNING in profile._deks
            assert profile.keyfile.public_keys == public
    finally:
        profile.close()
    # keys.json and every copy are rebuilt, and the new device key opens the profile.
    for name in ["keys.json", *COPIES]:
        assert (made.root / name).exists(), name
    assert "device" in keymod.KeyFile.load(made.paths.keys).kinds()
    opens_with_the_device_key(made, fresh)
    unlock(made.paths, recovery_code=made.code).close()


@pytest.mark.parametrize("fraction", [0.0, 0.3, 0.9])
def test_a_truncated_keys_json_is_recovered_from_a_copy(made, fraction):
    data = made.paths.keys.read_bytes()
    made.paths.keys.write_bytes(data[: int(len(data) * fraction)])
    fresh = MemoryKeyring()
    recover(made.paths, made.code, fresh, None, actor="tester").close()
    opens_with_the_device_key(made, fresh)


def test_all_copies_lost_is_a_clear_error_and_changes_nothing(made):
    for name in ["keys.json", *COPIES]:
        (made.root / name).unlink()
    before = snapshot_hashes(made.root)
    with pytest.raises(KeyFileError) as info:
        recover(made.paths, made.code, MemoryKeyring(), None)
    message = assert_clear_message(info.value)
    assert "all its copies" in message and "backup" in message
    assert snapshot_hashes(made.root) == before


def test_a_wrong_code_without_keys_json_changes_nothing(made, tmp_path):
    other = make_profile(tmp_path / "other")
    made.paths.keys.unlink()
    before = snapshot_hashes(made.root)
    with pytest.raises(UnwrapError, match="does not open this profile"):
        recover(made.paths, other.code, MemoryKeyring(), None)
    assert snapshot_hashes(made.root) == before


def test_a_copy_from_another_profile_is_passed_over(made, tmp_path):
    other = make_profile(tmp_path / "other")
    made.paths.keys.unlink()
    (made.root / "keys.json.bak").write_bytes((other.root / "keys.json").read_bytes())
    fresh = MemoryKeyring()
    recover(made.paths, made.code, fresh, None, actor="tester").close()
    opens_with_the_device_key(made, fresh)


def test_a_new_recovery_code_reaches_every_copy(made):
    profile = made.open()
    try:
        new_code = profile.new_recovery_code("tester")
    finally:
        profile.close()
    for name in ["keys.json", *COPIES]:
        keyfile = keymod.KeyFile.load(made.root / name)
        keymod.unlock_recovery(keyfile, new_code)
        with pytest.raises(UnwrapError):
            keymod.unlock_recovery(keyfile, made.code)


def test_missing_copies_are_made_again_at_the_next_unlock(made):
    for name in COPIES:
        (made.root / name).unlink()
    made.open().close()
    for name in COPIES:
        assert (made.root / name).exists(), name
    assert keymod.recovery_copies_status(keymod.KeyFile.load(made.paths.keys), made.paths.keys) == []


def test_a_backup_restores_from_the_code_alone(made, tmp_path):
    profile = made.open()
    try:
        profile.backup(tmp_path / "backup", "tester")
    finally:
        profile.close()
    restored = ProfilePaths(tmp_path / "backup")
    for name in COPIES:
        assert (restored.root / name).exists(), name
    restored.keys.unlink()
    fresh = MemoryKeyring()
    profile = recover(restored, made.code, fresh, None, actor="tester")
    try:
        assert profile.vault.load_jottings("session:1") == JOTTING
    finally:
        profile.close()


# -- through the real command line -------------------------------------------------------------
@pytest.fixture
def cli_keyring(monkeypatch):
    """The CLI's keyring, swapped for an in-memory one we can replace (a new machine)."""
    holder = {"keystore": MemoryKeyring()}
    monkeypatch.setattr("tui.cli._keystore", lambda config: holder["keystore"])
    return holder


def cli(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("damage", ["deleted", "truncated", "deleted with record.db.keys"])
def test_keys_recover_on_the_command_line_rebuilds_keys_json(tmp_path, monkeypatch, capsys, cli_keyring, damage):
    root = tmp_path / "profile"
    code, out, err = cli(monkeypatch, capsys, "--profile", str(root), "init", "--non-interactive")
    assert code == 0, err
    recovery = out.strip()
    code, _, err = cli(monkeypatch, capsys, "--profile", str(root), "client", "add", "AB12", "--name", "Ann Bee",
                       stdin="Ann Bee\n")
    assert code == 0, err
    paths = ProfilePaths(root)
    if damage == "truncated":
        paths.keys.write_bytes(paths.keys.read_bytes()[:200])
    else:
        paths.keys.unlink()
    if damage.endswith("record.db.keys"):
        (root / "record.db.keys").unlink()
    code, _, err = cli(monkeypatch, capsys, "--profile", str(root), "client", "add", "CD34", "--name", "Cy Dee",
                       stdin="Cy Dee\n")
    assert code != 0 and "hushpad keys recover" in err  # the way out is named
    cli_keyring["keystore"] = MemoryKeyring()  # and this machine's keyring is new too
    code, out, err = cli(monkeypatch, capsys, "--profile", str(root), "keys", "recover", stdin=recovery + "\n")
    assert code == 0, err
    assert "Access restored" in out
    # The device key works again: a command that writes, then the data is all there.
    code, _, err = cli(monkeypatch, capsys, "--profile", str(root), "client", "add", "CD34", "--name", "Cy Dee",
                       stdin="Cy Dee\n")
    assert code == 0, err
    profile = unlock(paths, keystore=cli_keyring["keystore"])
    try:
        assert {c for c in ("AB12", "CD34") if profile.record.client_by_code(c)} == {"AB12", "CD34"}
    finally:
        profile.close()
    for name in COPIES:
        assert (root / name).exists(), name


def test_doctor_names_a_missing_copy_without_writing_it(made):
    from tui.config import Config
    from tui.services.doctor import run_doctor

    config = Config(profile_dir=made.root, config_path=made.root / "config.toml")
    lines = run_doctor(config, made.keystore, passphrase_reader=lambda: "").lines
    assert any(line.startswith("ok    recovery copies") for line in lines), lines
    (made.root / "vault.db.keys").unlink()
    before = snapshot_hashes(made.root)
    lines = run_doctor(config, made.keystore, passphrase_reader=lambda: "").lines
    assert any(line.startswith("FAIL  recovery copies: vault.db.keys is missing") for line in lines), lines
    assert snapshot_hashes(made.root) == before
