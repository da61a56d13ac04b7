"""Issue 14: the key is read from the real Secret Service without importing keyring.

keyring's import alone costs ~50 ms and ~3.6 MiB on every start, so OSKeyring.get reads the
item straight through SecretStorage with keyring's attributes. These tests hold it to
keyring's behaviour against a real gnome-keyring: the item `hushpad init` stored is the one
read, a chosen backend still goes through keyring, a locked collection and a missing
Secret Service are refused with the fixes named, and nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import _harness as harness

pytestmark = pytest.mark.e2e

READ = """
import json, sys
from tui.storage.keyring_access import OSKeyring
from tui.storage.errors import KeyringError
try:
    value, error = OSKeyring(timeout=10).get(sys.argv[1]), ""
except KeyringError as exc:
    value, error = None, str(exc)
print(json.dumps({"value": value, "error": error, "keyring_imported": "keyring" in sys.modules}))
"""


def read_key(env: dict[str, str], profile_id: str) -> dict:
    out = subprocess.run([sys.executable, "-c", READ, profile_id], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def profile_id(profile_dir: Path) -> str:
    return json.loads((profile_dir / "keys.json").read_text())["profile_id"]


def secret_tool_lookup(env: dict[str, str], pid: str) -> str:
    out = subprocess.run(["secret-tool", "lookup", "service", "hushpad", "username", pid], env=env,
                         capture_output=True, text=True, timeout=30)
    return out.stdout if out.returncode == 0 else ""


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def secret_tool(require) -> None:
    require(shutil.which("secret-tool"), "needs secret-tool (apt-get install libsecret-tools)")


def test_the_key_hushpad_init_stored_is_read_without_keyring(profile, secret_tool):
    pid = profile_id(profile["dir"])
    read = read_key(profile["env"], pid)
    assert read["error"] == ""
    assert read["value"] and read["value"] == secret_tool_lookup(profile["env"], pid)
    assert read["keyring_imported"] is False, "the read went through keyring after all"
    # An id with no item: None, as keyring answers, and still without keyring.
    assert read_key(profile["env"], "no-such-profile") == {"value": None, "error": "", "keyring_imported": False}


@pytest.mark.parametrize("how", ["environment", "keyringrc"])
def test_a_backend_the_user_chose_is_still_asked_through_keyring(profile, tmp_path, how):
    env, pid = dict(profile["env"]), profile_id(profile["dir"])
    if how == "environment":
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
    else:
        config = tmp_path / "xdg-config"
        (config / "python_keyring").mkdir(parents=True)
        (config / "python_keyring" / "keyringrc.cfg").write_text(
            "[backend]\ndefault-keyring=keyring.backends.SecretService.Keyring\n")
        env["XDG_CONFIG_HOME"] = str(config)
    read = read_key(env, pid)
    assert read["keyring_imported"] is True
    assert read["value"] == read_key(profile["env"], pid)["value"] != ""


def test_a_locked_collection_is_refused_in_one_line_and_nothing_changes(tmp_path, require):
    require(not harness.missing_programs(harness.SECRET_SERVICE_PROGRAMS), "needs gnome-keyring and dbus")
    service = harness.SecretService(prefix="hushpad-e2e-locked-")  # its own: a lock cannot be undone headless
    service.start()
    try:
        env = dict(service.env, HUSHPAD_HOME=str(tmp_path / "profile"))
        assert harness.hushpad(["init", "--non-interactive"], env).returncode == 0
        folder = Path(env["HUSHPAD_HOME"])
        before = hashes(folder)
        lock = ("import secretstorage as s; c = s.dbus_init(); col = s.get_default_collection(c); col.lock(); "
                "print(col.is_locked())")
        locked = subprocess.run([sys.executable, "-c", lock], env=env, capture_output=True, text=True, timeout=30)
        assert locked.stdout.strip() == "True", locked.stderr

        read = read_key(env, profile_id(folder))
        assert read["value"] is None and "locked" in read["error"] and "hushpad init --passphrase" in read["error"]
        result = harness.hushpad(["client", "add", "C-9"], env)
        assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("hushpad: ") and "locked" in lines[0], result.stderr
        assert hashes(folder) == before
    finally:
        service.close()


def test_no_secret_service_on_the_bus_falls_back_to_keyring_and_is_refused(bare_home):
    read = read_key(bare_home, "some-profile")
    assert read["value"] is None
    assert read["keyring_imported"] is True, "with no Secret Service, keyring's own discovery decides"
    assert "Secret Service" in read["error"] and "hushpad init --passphrase" in read["error"]


def test_a_keyring_property_setting_is_read_back_where_keyring_stored_the_key(tmp_path, ss_env, secret_tool):
    """KEYRING_PROPERTY_SCHEME=KeePassXC (or a preferred collection) changes where keyring puts the
    item; the direct read looks with keyring's defaults, so any such setting must go through keyring."""
    env = dict(ss_env, KEYRING_PROPERTY_SCHEME="KeePassXC", HUSHPAD_HOME=str(tmp_path / "kp-profile"))
    init = harness.hushpad(["init", "--non-interactive"], env)
    assert init.returncode == 0, init.stderr
    pid = profile_id(Path(env["HUSHPAD_HOME"]))
    # The setting took effect: stored under KeePassXC's attribute names, not keyring's defaults.
    assert secret_tool_lookup(env, pid) == ""
    kp = subprocess.run(["secret-tool", "lookup", "Title", "hushpad", "UserName", pid], env=env,
                        capture_output=True, text=True, timeout=30)
    assert kp.returncode == 0 and kp.stdout
    read = read_key(env, pid)
    assert read["error"] == "" and read["value"] == kp.stdout and read["keyring_imported"] is True
    # And the app itself opens with it: a client added, no "no key for this profile".
    add = harness.hushpad(["client", "add", "C-7"], env)
    assert add.returncode == 0, add.stderr
