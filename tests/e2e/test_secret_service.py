"""Issue 2, end to end: the real `hushpad` against a real Secret Service (gnome-keyring).

1. `hushpad init --non-interactive` stores the device key there (and nowhere in a file);
2. `hushpad doctor` accepts the backend;
3. a new process opens the stores;
4. with the keyring entry deleted, doctor names `hushpad keys recover`, and recovering with
   the printed code restores access with the data intact.
And with no Secret Service at all, init refuses in one line that names the fixes.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import _harness as harness

pytestmark = pytest.mark.e2e

RECOVERY_CODE = re.compile(r"^[A-Z2-7]{5}(-[A-Z2-7]{4,5})+$")
PLAINTEXT_KEYRING_FILES = ("keyring_pass.cfg", "crypted_pass.cfg")
SQLITE_HEADER = b"SQLite format 3\x00"


def profile_id(profile_dir: Path) -> str:
    return json.loads((profile_dir / "keys.json").read_text())["profile_id"]


def secret_tool(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["secret-tool", *args], env=env, capture_output=True, text=True, timeout=30)


def keyring_item(env: dict[str, str], pid: str) -> str:
    """The stored secret, read with libsecret's own tool (not the Python keyring Hushpad uses)."""
    out = secret_tool(env, "lookup", "service", "hushpad", "username", pid)
    return out.stdout if out.returncode == 0 else ""


def plaintext_keyring_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name in PLAINTEXT_KEYRING_FILES or "python_keyring" in p.parts]


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("hushpad: ")
    return lines[0]


@pytest.fixture
def secret_tool_available(require) -> None:
    require(shutil.which("secret-tool"), f"needs secret-tool ({'apt-get install libsecret-tools'})")


def test_init_stores_the_device_key_in_the_secret_service(ss_env, secret_service, secret_tool_available):
    result = harness.hushpad(["init", "--non-interactive"], ss_env)
    assert result.returncode == 0, result.stderr
    code = result.stdout.strip()
    assert RECOVERY_CODE.match(code), f"stdout should be just the recovery code, got {result.stdout!r}"
    assert len(result.stdout.strip().splitlines()) == 1

    folder = Path(ss_env["HUSHPAD_HOME"])
    assert {"keys.json", "record.db", "vault.db"} <= {p.name for p in folder.iterdir()}
    for store in ("record.db", "vault.db"):
        assert not (folder / store).read_bytes().startswith(SQLITE_HEADER), f"{store} is not encrypted"

    secret = keyring_item(ss_env, profile_id(folder))
    assert secret, "no item for service=hushpad, username=<profile id> in the Secret Service"
    # The key-encryption key lives only in the keyring: not in any file of the profile or HOME.
    for root in (folder, secret_service.home):
        for path in root.rglob("*"):
            if path.is_file() and path.suffix != ".keyring":  # gnome-keyring's own encrypted store
                assert secret.encode() not in path.read_bytes(), f"the device key is written in {path}"
    assert not plaintext_keyring_files(secret_service.home), "a keyrings.alt file was written"
    assert code not in (folder / "keys.json").read_text()


def test_doctor_accepts_the_secret_service(profile):
    result = harness.hushpad(["doctor"], profile["env"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "keyring.backends.SecretService" in result.stdout
    backend_line = next(line for line in result.stdout.splitlines() if "keyring" in line.split(":")[0])
    assert "accepted" in backend_line and "refused" not in backend_line
    assert "key read-back" in result.stdout


def test_a_new_process_opens_the_stores(profile, tmp_path):
    env = profile["env"]
    add = harness.hushpad(["client", "add", "C-202", "--name", "Second Client"], env)
    assert add.returncode == 0, add.stderr

    target = tmp_path / "backup"
    backup = harness.hushpad(["backup", str(target)], env)
    assert backup.returncode == 0, backup.stderr
    assert {p.name for p in target.iterdir()} >= {"record.db", "vault.db", "keys.json"}
    assert not (target / "record.db").read_bytes().startswith(SQLITE_HEADER)

    # A third, separate interpreter opens both stores with the key from the Secret Service.
    report = harness.inspect_in(env, profile["dir"])
    assert report["clients"] == ["C-101", "C-202"]
    assert report["integrity"] == {"record": "ok", "vault": "ok"}


def test_lost_keyring_entry_then_recover_with_the_printed_code(profile, secret_tool_available):
    env, folder = profile["env"], profile["dir"]
    pid = profile_id(folder)
    assert keyring_item(env, pid)

    cleared = secret_tool(env, "clear", "service", "hushpad", "username", pid)
    assert cleared.returncode == 0, cleared.stderr
    assert not keyring_item(env, pid)

    doctor = harness.hushpad(["doctor"], env)
    assert doctor.returncode != 0
    assert "hushpad keys recover" in doctor.stdout + doctor.stderr
    assert "Traceback" not in doctor.stdout + doctor.stderr

    opening = harness.hushpad(["client", "add", "C-303"], env)
    assert "hushpad keys recover" in assert_one_line_error(opening)

    # A wrong code (well-formed, but another profile's) changes nothing.
    before = hashes(folder)
    other = harness.hushpad(["init", "--non-interactive"], {**env, "HUSHPAD_HOME": str(folder.parent / "other")})
    assert other.returncode == 0, other.stderr
    wrong = harness.hushpad(["keys", "recover"], env, input=other.stdout.strip() + "\n")
    assert_one_line_error(wrong)
    assert hashes(folder) == before
    assert not keyring_item(env, pid)

    recover = harness.hushpad(["keys", "recover"], env, input=profile["code"] + "\n")
    assert recover.returncode == 0, recover.stderr
    assert keyring_item(env, pid), "recover did not enrol a new device key in the keyring"

    doctor = harness.hushpad(["doctor"], env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    report = harness.inspect_in(env, folder)
    assert report["clients"] == ["C-101"], "the data did not survive recovery"
    assert report["integrity"] == {"record": "ok", "vault": "ok"}


def test_rotate_keeps_access(profile, secret_tool_available):
    env, folder = profile["env"], profile["dir"]
    pid = profile_id(folder)
    old = keyring_item(env, pid)
    rotate = harness.hushpad(["keys", "rotate"], env)
    assert rotate.returncode == 0, rotate.stderr
    new = keyring_item(env, pid)
    assert new and new != old, "rotation did not replace the device key in the keyring"
    assert harness.hushpad(["doctor"], env).returncode == 0
    assert harness.inspect_in(env, folder)["clients"] == ["C-101"]


def test_init_without_any_secret_service_refuses_in_one_line(bare_home):
    """No session bus, empty HOME: only keyrings.alt's plaintext file is left, and it is refused."""
    assert "DBUS_SESSION_BUS_ADDRESS" not in bare_home
    result = harness.hushpad(["init", "--non-interactive"], bare_home, timeout=60)
    line = assert_one_line_error(result)
    assert "Secret Service" in line
    assert "hushpad init --passphrase" in line
    assert result.stdout == "", "no recovery code may be printed for a profile that was not made"

    folder = Path(bare_home["HUSHPAD_HOME"])
    if folder.exists():
        assert not {"keys.json", "record.db", "vault.db"} & {p.name for p in folder.iterdir()}
    assert not plaintext_keyring_files(Path(bare_home["HOME"])), "a plaintext keyring file was written"
