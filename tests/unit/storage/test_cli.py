"""`hushpad` in-process: failures are one line on stderr, a non-zero exit, no traceback."""

from __future__ import annotations

import io
import shutil
import sys

import keyring
import keyring.backends.fail
import pytest

from tui import __version__
from tui.cli import main
from tui.storage.paths import ProfilePaths
from tui.storage.profile import unlock

from .helpers import snapshot_hashes

PASSPHRASE = "a quiet room with a kettle"


@pytest.fixture(autouse=True)
def no_system_keyring(monkeypatch, tmp_path):
    """Whatever this machine has, the CLI tests see keyring's 'fail' backend: no test can
    write to a real keyring, and the refusal path is the same everywhere.

    Setting the backend object is not enough: on Linux the app goes straight to a
    reachable Secret Service unless the user chose a backend. So the tests get their own
    environment too: the backend chosen by name, no session bus to find a Secret Service
    on, and empty config/data folders (no keyringrc of the machine's)."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def feed(monkeypatch, *lines: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{line}\n" for line in lines)))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_failure(code: int, err: str) -> str:
    assert code != 0
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hushpad: ")
    return lines[0]


@pytest.fixture(scope="module")
def passphrase_template(tmp_path_factory):
    """One passphrase profile made through `hushpad init` (Argon2 is slow: made once)."""
    root = tmp_path_factory.mktemp("template") / "profile"
    stdin, stdout = sys.stdin, sys.stdout
    sys.stdin, sys.stdout = io.StringIO(PASSPHRASE + "\n"), io.StringIO()
    try:
        assert main(["--profile", str(root), "init", "--passphrase", "--non-interactive"]) == 0
        code = sys.stdout.getvalue().strip()
    finally:
        sys.stdin, sys.stdout = stdin, stdout
    return root, code


@pytest.fixture
def profile_dir(passphrase_template, tmp_path):
    root = tmp_path / "profile"
    shutil.copytree(passphrase_template[0], root)
    return root


# -- basics ----------------------------------------------------------------------------------
def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"hushpad {__version__}"


def test_init_non_interactive_prints_only_the_recovery_code(passphrase_template):
    root, code = passphrase_template
    assert len(code.split("-")) == 13 and "\n" not in code
    unlock(ProfilePaths(root), recovery_code=code).close()


# -- failures ---------------------------------------------------------------------------------
def test_doctor_on_a_missing_profile_fails_in_one_line_and_creates_nothing(capsys, tmp_path):
    missing = tmp_path / "nowhere"
    code, out, err = run(capsys, "--profile", str(missing), "doctor")
    line = assert_one_line_failure(code, err)
    assert "profile" in line
    assert "FAIL  profile: no profile folder; run `hushpad init`" in out
    assert not missing.exists()


def test_doctor_reports_the_refused_keyring_and_healthy_stores(capsys, profile_dir, monkeypatch):
    feed(monkeypatch, PASSPHRASE)
    code, out, err = run(capsys, "--profile", str(profile_dir), "doctor")
    assert_one_line_failure(code, err)  # the keyring line is a FAIL on this machine
    assert "FAIL  keyring: keyring.backends.fail.Keyring refused" in out
    assert "ok    passphrase: opens both data keys" in out
    assert "ok    record.db: integrity_check ok, cipher pages ok" in out
    assert "ok    vault.db: integrity_check ok, cipher pages ok" in out
    assert "ok    permissions: folder 0700, files 0600" in out


def test_init_with_a_refused_keyring_names_the_fixes_and_writes_nothing(capsys, tmp_path):
    root = tmp_path / "new"
    code, out, err = run(capsys, "--profile", str(root), "init", "--non-interactive")
    line = assert_one_line_failure(code, err)
    assert "Secret Service" in line and "hushpad init --passphrase" in line
    assert out == ""
    assert not (root / "keys.json").exists() and not (root / "record.db").exists()


def test_init_on_an_existing_profile_changes_nothing(capsys, profile_dir, monkeypatch):
    before = snapshot_hashes(profile_dir)
    feed(monkeypatch, PASSPHRASE)
    code, out, err = run(capsys, "--profile", str(profile_dir), "init", "--passphrase", "--non-interactive")
    assert "already has a Hushpad profile" in assert_one_line_failure(code, err)
    assert out == ""
    assert snapshot_hashes(profile_dir) == before


def test_init_without_a_terminal_needs_non_interactive(capsys, tmp_path, monkeypatch):
    feed(monkeypatch, PASSPHRASE)
    code, _, err = run(capsys, "--profile", str(tmp_path / "p"), "init", "--passphrase")
    assert "--non-interactive" in assert_one_line_failure(code, err)
    assert not (tmp_path / "p" / "keys.json").exists()


def test_client_add_with_an_invalid_code_fails_clearly(capsys, profile_dir, monkeypatch):
    feed(monkeypatch, PASSPHRASE)
    code, out, err = run(capsys, "--profile", str(profile_dir), "client", "add", "no spaces!")
    assert "client code is 1–32 letters" in assert_one_line_failure(code, err)
    assert out == ""
    profile = unlock(ProfilePaths(profile_dir), passphrase=PASSPHRASE)
    try:
        assert profile.record.query("SELECT * FROM clients") == []
    finally:
        profile.close()


def test_client_add_then_a_duplicate(capsys, profile_dir, monkeypatch):
    feed(monkeypatch, PASSPHRASE)
    code, out, err = run(capsys, "--profile", str(profile_dir), "client", "add", "JD01", "--name", "Jo Doe",
                         "--goal", "sleep 7h")
    assert (code, out.strip(), err) == (0, "Added client JD01.", "")
    feed(monkeypatch, PASSPHRASE)
    code, _, err = run(capsys, "--profile", str(profile_dir), "client", "add", "jd01")
    assert "already a client with code 'jd01'" in assert_one_line_failure(code, err)


def test_a_wrong_passphrase_fails_in_one_line_and_changes_nothing(capsys, profile_dir, monkeypatch):
    before = snapshot_hashes(profile_dir)
    feed(monkeypatch, "not the passphrase at all")
    code, _, err = run(capsys, "--profile", str(profile_dir), "client", "add", "AB1")
    assert assert_one_line_failure(code, err) == "hushpad: Wrong passphrase."
    assert snapshot_hashes(profile_dir) == before


def test_no_passphrase_on_stdin_is_a_clear_error(capsys, profile_dir, monkeypatch):
    feed(monkeypatch)
    code, _, err = run(capsys, "--profile", str(profile_dir), "client", "add", "AB1")
    assert "Passphrase was expected on standard input" in assert_one_line_failure(code, err)


def test_a_damaged_store_is_one_line_even_at_the_file_descriptor(capfd, profile_dir, monkeypatch):
    """SQLCipher can log to fd 2 from C; capfd sees that, capsys would not."""
    record = profile_dir / "record.db"
    data = bytearray(record.read_bytes())
    data[300] ^= 0x40
    record.write_bytes(bytes(data))
    before = snapshot_hashes(profile_dir)
    feed(monkeypatch, PASSPHRASE)
    code = main(["--profile", str(profile_dir), "client", "add", "AB1"])
    _, err = capfd.readouterr()
    assert "record.db" in assert_one_line_failure(code, err)
    assert snapshot_hashes(profile_dir) == before


def test_a_bad_config_stops_every_command_with_file_and_line(capsys, profile_dir):
    (profile_dir / "config.toml").write_text("[privacy]\nidle_lock_minutes = soon\n")
    code, _, err = run(capsys, "--profile", str(profile_dir), "doctor")
    line = assert_one_line_failure(code, err)
    assert str(profile_dir / "config.toml") in line and "line 2" in line


def test_demo_refuses_other_commands(capsys):
    code, _, err = run(capsys, "--demo", "doctor")
    assert "--demo runs the app only" in assert_one_line_failure(code, err)


def test_backup_into_the_profile_folder_is_refused(capsys, profile_dir):
    before = snapshot_hashes(profile_dir)
    code, _, err = run(capsys, "--profile", str(profile_dir), "backup", str(profile_dir))
    assert "must not be the profile folder" in assert_one_line_failure(code, err)
    assert snapshot_hashes(profile_dir) == before


def test_usage_errors_exit_2_without_a_traceback(capsys):
    with pytest.raises(SystemExit) as info:
        main(["client", "add"])
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


# -- things that work ---------------------------------------------------------------------------
def test_backup_and_recover_with_a_new_passphrase(capsys, profile_dir, passphrase_template, tmp_path, monkeypatch):
    feed(monkeypatch, PASSPHRASE)
    code, out, err = run(capsys, "--profile", str(profile_dir), "backup", str(tmp_path / "bk"))
    assert code == 0 and err == ""
    assert sorted(line.rsplit("/", 1)[-1] for line in out.split()) == [
        "keys.json", "keys.json.bak", "record.db", "record.db.keys", "vault.db", "vault.db.keys"]

    recovery = passphrase_template[1]
    feed(monkeypatch, recovery.lower().replace("-", " "), "a brand new passphrase")
    code, out, err = run(capsys, "--profile", str(profile_dir), "keys", "recover", "--passphrase")
    assert (code, err) == (0, "") and "Access restored" in out
    unlock(ProfilePaths(profile_dir), passphrase="a brand new passphrase").close()


def test_recover_with_a_typo_names_the_group(capsys, profile_dir, passphrase_template, monkeypatch):
    recovery = passphrase_template[1].split("-")
    recovery[2] = ("Z" if recovery[2][0] != "Z" else "Y") + recovery[2][1:]
    before = snapshot_hashes(profile_dir)
    feed(monkeypatch, "-".join(recovery), "a brand new passphrase")
    code, _, err = run(capsys, "--profile", str(profile_dir), "keys", "recover", "--passphrase")
    assert assert_one_line_failure(code, err).startswith("hushpad: Group 3 (")
    assert snapshot_hashes(profile_dir) == before


def test_init_leaves_a_settings_file_to_fill_in_and_never_overwrites_one(passphrase_template, tmp_path, monkeypatch):
    import tomllib

    from tui.config import EXAMPLE_CONFIG, Config, write_example_config

    root, _code = passphrase_template
    written = root / "config.toml"
    assert written.read_text() == EXAMPLE_CONFIG  # made by `hushpad init` with --profile
    assert "name" in tomllib.loads(written.read_text())["clinician"]
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    mine = tmp_path / "config.toml"
    mine.write_text('[clinician]\nname = "Dana Reyes"\n')
    assert write_example_config(Config(profile_dir=tmp_path, config_path=mine)) is False
    assert mine.read_text() == '[clinician]\nname = "Dana Reyes"\n'
