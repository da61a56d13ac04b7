"""Issue 12 item 1: an export works while the TUI is open. It reads one consistent snapshot
of both stores and writes nothing to them; its audit entry waits, encrypted, in the
profile's audit queue until the Hushpad that holds the profile folds it into the chain.

The other Hushpad is a real second process (_export_holder.py) that unlocks the profile
the app's way and commits while the test reads beside it; the keyring is a JSON file both
processes read (never the real keyring). Nothing is mocked.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tui.config import Config
from tui.errors import HushpadError
from tui.services import access
from tui.services.records_export import RecordsExport
from tui.services.workspace import Workspace
from tui.services.writeup import WriteupService, finding_id
from tui.storage import audit_queue
from tui.storage.db import hold_snapshots
from tui.storage.errors import ProfileInUseError
from tui.storage.paths import ProfilePaths
from tui.storage.profile import open_for_reading, unlock
from tui.storage.signing import verify_audit
from tui.storage.vault import JottingLine

from ._export_holder import STEP_DOC, FileKeyring
from .helpers import assert_clear_message

ROOT = Path(__file__).parents[3]
HOLDER = Path(__file__).with_name("_export_holder.py")
CODE = "QX-77"
NAME = "Robin Example"
WORD = "wombatgarden"  # said in session, carried into the signed note
PRIVATE = "JOTCANARY5521"  # a private jotting


# -- the profile --------------------------------------------------------------------------
def config_for(root: Path) -> Config:
    return Config(profile_dir=root, config_path=root / "config.toml", clinician_name="Dana Reyes",
                  credentials="LCSW")


def sign_one(ws: Workspace) -> int:
    """A client, a session with jottings, and its note signed through the real write-up."""
    client_id = ws.add_client(CODE, NAME, "", ["Sleep seven hours"])
    session = ws.start_session(client_id)
    ws.save_jottings(session, [JottingLine(i, t) for i, t in enumerate(
        [f'" planning a trip to {WORD}', "! denies SI/HI/SH", "phq9 1 1 1 1 1 1 1 1 0", "o tired",
         f"~ {PRIVATE} my own reaction"])])
    ws.end_session(session)
    service = WriteupService(ws)
    w = service.open(session.id)
    for spec in w.template.sections:
        target = w.draft.group_part if spec.part == "group" else w.draft.sections
        if spec.required and not target.get(spec.key, "").strip():
            target[spec.key] = f"Written for {spec.title}."
    w.draft.sections["subjective"] = f"Planning a trip to {WORD}."
    w.draft.risk = replace(w.draft.risk, si="denied", hi="denied", self_harm="denied",
                           level=w.draft.risk.level or "low", protective_factors="family")
    service.sign(w, {finding_id(f) for f in service.lint(w) if f.level == "warning"})
    return w.note_id


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, int]:
    base = tmp_path_factory.mktemp("export-open")
    root, keyring_file = base / "profile", base / "keyring.json"
    config = config_for(root)
    profile, _code = access.initialise(config, FileKeyring(keyring_file), None)
    ws = Workspace(profile, config)
    try:
        note_id = sign_one(ws)
    finally:
        ws.close()
    return base, note_id


class Made:
    def __init__(self, base: Path, note_id: int) -> None:
        self.root = base / "profile"
        self.keyring_file = base / "keyring.json"
        self.paths = ProfilePaths(self.root)
        self.config = config_for(self.root)
        self.note_id = note_id

    @property
    def keystore(self) -> FileKeyring:
        return FileKeyring(self.keyring_file)

    def reader(self) -> Workspace:
        return Workspace(open_for_reading(self.paths, keystore=self.keystore), self.config)

    def audit(self) -> list[dict]:
        profile = unlock(self.paths, keystore=self.keystore)
        try:
            return profile.record.query("SELECT * FROM audit_log ORDER BY id")
        finally:
            profile.close()

    def queue_files(self) -> list[Path]:
        folder = audit_queue.queue_dir(self.paths)
        return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def made(template, tmp_path) -> Made:
    base, note_id = template
    shutil.copytree(base / "profile", tmp_path / "profile")
    shutil.copy(base / "keyring.json", tmp_path / "keyring.json")
    return Made(tmp_path, note_id)


class Holder:
    """The other Hushpad, in its own process."""

    def __init__(self, made: Made, passphrase: str | None = None) -> None:
        argv = [sys.executable, str(HOLDER), str(made.root), str(made.keyring_file)]
        if passphrase is not None:
            argv.append(passphrase)
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.strip() == "ready", line + self.proc.stderr.read()

    def __call__(self, command: str) -> str:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        assert answer.startswith("ok"), (answer, command)
        return answer

    def close(self) -> None:
        self("close")
        assert self.proc.wait(10) == 0

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(10) == -signal.SIGKILL

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def holder(made):
    started: list[Holder] = []

    def start(**kw) -> Holder:
        h = Holder(made, **kw)
        started.append(h)
        return h

    yield start
    for h in started:
        h.cleanup()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def store_files(paths: ProfilePaths) -> dict[str, str]:
    return {p.name: sha(p) for p in sorted(paths.root.iterdir()) if p.is_file() and p.name.startswith(("record.db", "vault.db"))}


def without_time(text: str) -> str:
    """The export less the line that says when it was made (the rest is the snapshot)."""
    return "\n".join(line for line in text.splitlines() if "xported" not in line)


# -- the snapshot -----------------------------------------------------------------------------
def test_a_plain_unlock_is_refused_while_the_holder_has_it(made, holder):
    holder()
    with pytest.raises(ProfileInUseError):
        unlock(made.paths, keystore=made.keystore)


def test_the_export_is_the_snapshot_even_when_the_holder_commits_during_it(made, holder):
    h = holder()
    ws = made.reader()
    try:
        export = RecordsExport(ws)
        first = export.client(CODE, "md", include_private=True)
        assert NAME in first and WORD in first and PRIVATE in first
        h("rename Renamed Person")
        grown = int(h("grow 40").split()[1])
        assert grown > 64 * 1024  # past the holder's checkpoint size: it tried to checkpoint under us
        h("step")
        started = time.perf_counter()
        second = RecordsExport(ws).client(CODE, "md", include_private=True)
        note = RecordsExport(ws).note(made.note_id, "md")
        elapsed = time.perf_counter() - started
        assert without_time(second) == without_time(first)
        assert "Renamed Person" not in second and "line 39" not in second
        assert WORD in note
        print(f"\nexport (record md + note md) inside the held snapshot: {elapsed * 1000:.0f} ms")
    finally:
        ws.close()
    # A new reader sees the holder's commits: the old one really held its snapshot.
    fresh = made.reader()
    try:
        text = RecordsExport(fresh).client(CODE, "md", include_private=True)
        assert "Renamed Person" in text and "line 39" in text
    finally:
        fresh.close()


def test_the_reader_changes_no_byte_of_either_store_and_refuses_writes(made, holder):
    holder()
    before = store_files(made.paths)
    assert {"record.db-wal", "record.db-shm", "vault.db-wal", "vault.db-shm"} <= set(before)
    shm_times = {n: (made.root / n).stat().st_mtime_ns for n in ("record.db-shm", "vault.db-shm")}
    ws = made.reader()
    try:
        RecordsExport(ws).client(CODE, "md", include_private=True)
        RecordsExport(ws).note(made.note_id, "txt")
        writes = [
            lambda: ws.add_client("NEW-1", "Someone"),
            lambda: ws.vault.save_jottings("session:1", [JottingLine(1, "typed by the reader")]),
            lambda: ws.record.add_client("NEW-2", "Someone"),
            lambda: ws.record.write(lambda conn: conn.execute("DELETE FROM clients")),
            lambda: ws.profile.signing_seed(),
        ]
        for write in writes:
            with pytest.raises(HushpadError) as info:
                write()
            assert_clear_message(info.value)
        with pytest.raises(HushpadError) as info:
            ws.record.write(lambda conn: None)
        assert "read-only" in str(info.value)
        assert not ws.profile.can_sign
    finally:
        ws.close()
    assert store_files(made.paths) == before
    assert {n: (made.root / n).stat().st_mtime_ns for n in shm_times} == shm_times


def test_the_audit_raw_write_never_reaches_the_store(made, holder):
    """Below the store API too: the reader's connection is query_only, its -shm read-only."""
    holder()
    ws = made.reader()
    try:
        import sqlcipher3

        with pytest.raises(sqlcipher3.Error):
            ws.record.conn.execute("INSERT INTO clients (code, display_name) VALUES ('RAW-1', 'x')")
    finally:
        ws.close()


def test_snapshots_of_record_and_vault_are_one_instant_under_churn(made, holder):
    """The holder writes step N to the record, then to the vault, as fast as it can. Every
    snapshot must show a state that existed: the vault at N or N-1 when the record is at N."""
    h = holder()
    h("step")
    h("churn")
    attempts, worst = [], 0.0
    try:
        for _ in range(60):
            started = time.perf_counter()
            ws = made.reader()
            worst = max(worst, time.perf_counter() - started)
            try:
                record_n = int(ws.record.query(
                    "SELECT detail FROM audit_log WHERE action = 'step' ORDER BY id DESC LIMIT 1")[0]["detail"])
                vault_n = int(ws.vault.load_jottings(STEP_DOC)[0].text)
                assert vault_n in (record_n - 1, record_n), (record_n, vault_n)
            finally:
                ws.close()
    finally:
        stopped = int(h("stop").split()[-1])
    assert stopped > 60
    print(f"\n{stopped} holder steps; slowest open_for_reading under churn {worst * 1000:.0f} ms")


class CommitsFirst:
    """A store whose first BEGIN comes after the holder has made one whole step: the race
    a reader must detect (record read before the step, vault after it)."""

    def __init__(self, store, holder: Holder) -> None:  # noqa: ANN001
        self.store, self.holder, self.done = store, holder, False

    def wal_index_header(self) -> bytes | None:
        return self.store.wal_index_header()

    def begin_snapshot(self) -> None:
        if not self.done:
            self.done = True
            self.holder("step")
        self.store.begin_snapshot()

    def end_snapshot(self) -> None:
        self.store.end_snapshot()


def test_a_step_between_the_two_begins_is_caught_and_read_again(made, holder):
    h = holder()
    h("step")
    ws = made.reader()
    try:
        ws.record.end_snapshot()
        ws.vault.end_snapshot()
        assert hold_snapshots([ws.record, CommitsFirst(ws.vault, h)]) == 2
        record_n = int(ws.record.query(
            "SELECT detail FROM audit_log WHERE action = 'step' ORDER BY id DESC LIMIT 1")[0]["detail"])
        assert int(ws.vault.load_jottings(STEP_DOC)[0].text) == record_n == 2
    finally:
        ws.close()


# -- the audit entry ---------------------------------------------------------------------------
def exported_rows(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["action"] in ("note exported", "client record exported")]


def test_the_queued_entry_lands_when_the_holder_closes_under_a_signed_head(made, holder):
    h = holder()
    ws = made.reader()
    try:
        RecordsExport(ws).note(made.note_id, "md")
    finally:
        ws.close()
    files = made.queue_files()
    assert len(files) == 1
    h.close()
    assert made.queue_files() == []
    profile = unlock(made.paths, keystore=made.keystore)
    try:
        rows = profile.record.query("SELECT * FROM audit_log ORDER BY id")
        (row,) = exported_rows(rows)
        assert row["subject"] == f"note:{made.note_id}" and row["actor"] == "Dana Reyes"
        assert row["detail"].startswith("md; while the profile was open elsewhere, at ")
        assert files[0].name.removesuffix(".entry") in row["detail"]
        head = profile.record.query("SELECT audit_id FROM audit_heads ORDER BY id DESC LIMIT 1")[0]
        assert head["audit_id"] >= row["id"]  # the holder signed its head after the fold
        from tui.domain import signature as sig

        _, problems = verify_audit(profile.record, {sig.fingerprint(sig.public_raw(profile.signing_seed()))})
        assert problems == []
    finally:
        profile.close()


def test_after_the_holder_is_killed_the_next_open_folds_it(made, holder):
    h = holder()
    ws = made.reader()
    try:
        RecordsExport(ws).client(CODE, "md")
    finally:
        ws.close()
    h.kill9()
    assert len(made.queue_files()) == 1
    rows = made.audit()
    (row,) = exported_rows(rows)
    assert row["subject"].startswith("client:") and row["detail"].startswith("md; while the profile was open")
    assert made.queue_files() == []
    assert exported_rows(made.audit()) == [row]  # and not again


def test_no_entry_twice_after_a_crash_between_commit_and_unlink(made, holder):
    """The on-disk state of that crash: the entry in the log and its file still queued."""
    h = holder()
    ws = made.reader()
    try:
        RecordsExport(ws).note(made.note_id, "txt")
    finally:
        ws.close()
    (entry,) = made.queue_files()
    kept = entry.read_bytes()
    h.close()
    assert len(exported_rows(made.audit())) == 1
    fd = os.open(entry, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, kept)
    os.close(fd)
    assert len(exported_rows(made.audit())) == 1
    assert made.queue_files() == []


def test_a_tampered_or_renamed_queue_file_is_logged_unreadable_not_a_crash(made, holder):
    h = holder()
    ws = made.reader()
    try:
        RecordsExport(ws).note(made.note_id, "md")
        RecordsExport(ws).note(made.note_id, "txt")
    finally:
        ws.close()
    h.kill9()
    first, second = made.queue_files()
    data = bytearray(first.read_bytes())
    data[20] ^= 0x01
    first.write_bytes(bytes(data))
    second.rename(second.with_name("0123456789abcdef.entry"))  # sealed for its own id, not this one
    (made.paths.root / "audit-queue" / "junk.entry").write_bytes(b"not an entry at all")
    rows = made.audit()  # the open folds: no exception
    unreadable = [r for r in rows if r["action"] == audit_queue.UNREADABLE]
    assert len(unreadable) == 3 and exported_rows(rows) == []
    for row in unreadable:
        assert "audit-queue" not in row["detail"] and ".entry" not in row["detail"] and "sha256 " in row["detail"]
    assert made.queue_files() == []
    assert len([r for r in made.audit() if r["action"] == audit_queue.UNREADABLE]) == 3


def test_queue_files_are_private_and_hold_no_plaintext(made, holder):
    holder()
    ws = made.reader()
    try:
        RecordsExport(ws).client(CODE, "md", include_private=True)
        RecordsExport(ws).note(made.note_id, "json")
    finally:
        ws.close()
    folder = audit_queue.queue_dir(made.paths)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = made.queue_files()
    assert len(files) == 2
    for path in files:
        assert stat.S_IMODE(path.lstat().st_mode) == 0o600 and path.is_file() and not path.is_symlink()
        assert not path.name.startswith(".")  # no temporaries left
        data = path.read_bytes()
        for word in (CODE, NAME, WORD, PRIVATE, "exported", "note:", "client:", "Dana", str(made.root)):
            assert word.encode() not in data and word.lower().encode() not in data.lower(), word
        assert len(data) < 1024


def test_a_loose_queue_folder_is_tightened_and_a_linked_one_refused(made, holder, tmp_path):
    holder()
    folder = audit_queue.queue_dir(made.paths)
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    ws = made.reader()
    try:
        RecordsExport(ws).note(made.note_id, "md")
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        shutil.rmtree(folder)
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        folder.symlink_to(elsewhere)
        with pytest.raises(HushpadError) as info:
            RecordsExport(ws).note(made.note_id, "md")
        assert "symbolic link" in assert_clear_message(info.value)
        assert list(elsewhere.iterdir()) == []
    finally:
        ws.close()


def test_without_a_holder_open_for_reading_says_try_again(made):
    """No -wal and -shm: nobody holds it (the CLI then unlocks normally)."""
    with pytest.raises(ProfileInUseError) as info:
        open_for_reading(made.paths, keystore=made.keystore)
    assert "try again" in assert_clear_message(info.value)
    assert not Path(f"{made.paths.record}-wal").exists()


# -- the command line -----------------------------------------------------------------------------
PASSPHRASE = "a quiet room with a kettle"


@pytest.fixture(scope="module")
def passphrase_template(tmp_path_factory) -> tuple[Path, int]:
    """A passphrase-only profile (Argon2 is slow: made once) with the signed note."""
    base = tmp_path_factory.mktemp("export-open-pp")
    config = config_for(base / "profile")
    profile, _code = access.initialise(config, None, PASSPHRASE)
    ws = Workspace(profile, config)
    try:
        note_id = sign_one(ws)
    finally:
        ws.close()
    (base / "keyring.json").write_text("{}")
    return base, note_id


@pytest.fixture
def cli_env(passphrase_template, monkeypatch, tmp_path):
    """The CLI in passphrase mode, with keyring's fail backend: no real keyring is touched."""
    import keyring
    import keyring.backends.fail

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    base, note_id = passphrase_template
    shutil.copytree(base / "profile", tmp_path / "pp" / "profile")
    shutil.copy(base / "keyring.json", tmp_path / "pp" / "keyring.json")
    yield Made(tmp_path / "pp", note_id)
    keyring.set_keyring(previous)


def run_cli(root: Path, *argv: str) -> tuple[int, str, str]:
    import io

    from tui.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(PASSPHRASE + "\n"), out, err
    try:
        code = main(["--profile", str(root), *argv])
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def test_cli_exports_while_open_and_write_commands_refuse(cli_env, tmp_path):
    made = cli_env
    h = Holder(made, passphrase=PASSPHRASE)
    try:
        _cli_while_open(made, h, tmp_path)
    finally:
        h.cleanup()


def _cli_while_open(made: Made, h: Holder, tmp_path: Path) -> None:
    out = tmp_path / "note.md"
    before = store_files(made.paths)
    code, _, err = run_cli(made.root, "export", "note", str(made.note_id), "--format", "md", "-o", str(out))
    assert code == 0, err
    assert "reads a snapshot" in err and "Traceback" not in err
    assert WORD in out.read_text() and stat.S_IMODE(out.stat().st_mode) == 0o600
    code, text, err = run_cli(made.root, "export", "client", CODE, "--format", "json")
    assert code == 0, err
    assert json.loads(text)["client"]["code"] == CODE
    assert store_files(made.paths) == before
    refused = [
        ("export", "review", str(made.note_id), "--to", "Sam Lee", "-o", str(tmp_path / "r.json")),
        ("client", "add", "NEW-2", "--name", "New Person"),
        ("backup", str(tmp_path / "bk")),
        ("keys", "rotate"),
    ]
    for argv in refused:
        code, _, err = run_cli(made.root, *argv)
        lines = err.strip().splitlines()
        assert code != 0 and len(lines) == 1 and "Traceback" not in err, (argv, err)
        assert "already open on this profile" in lines[0], (argv, err)
    assert not (tmp_path / "r.json").exists() and not (tmp_path / "bk").exists()
    assert store_files(made.paths) == before
    h.close()
    profile = unlock(made.paths, passphrase=PASSPHRASE)
    try:
        rows = exported_rows(profile.record.query("SELECT * FROM audit_log ORDER BY id"))
    finally:
        profile.close()
    assert [(r["action"], r["detail"].split(";")[0]) for r in rows] == [("note exported", "md"),
                                                                        ("client record exported", "json")]
