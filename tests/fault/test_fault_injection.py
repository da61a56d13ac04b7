"""Fault injection, as SQLite tests its own atomic commit (issue 9, "How to test it").

For the jotting save, the draft save, signing, device-key rotation, a new recovery code,
recovery and backup, every write and fsync (SQLCipher's C-level ones and Python's alike,
via an LD_PRELOAD shim compiled here with gcc) fails in turn:

- ``eio``: an I/O error at the Nth call;
- ``enospc``: a full disk from the Nth call on;
- ``kill``: SIGKILL just before the Nth call.

After each: both stores pass integrity_check and cipher_integrity_check; everything the
operation acknowledged is still there (and the keys the clinician holds still open the
profile); and the user was told: no raw exception, only a HushpadError's message.

N is dense at small N and sampled after (see ``points``); each test prints what it covered,
and a summary line goes to the terminal (run with -s to see it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tui.config import Config
from tui.errors import HushpadError
from tui.services.workspace import Workspace
from tui.services.writeup import WriteupService
from tui.storage import keys as keymod
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.paths import ProfilePaths
from tui.storage.profile import initialise, open_with_deks, recover, unlock
from tui.storage.vault import JottingLine



def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require(condition: object, reason: str) -> None:
    """As tests/conftest.py's: skip locally, fail under CI=true (usable in module fixtures)."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"CI=true and a prerequisite is missing: {reason}", pytrace=False)
    pytest.skip(reason)

ROOT = Path(__file__).parents[2]
HERE = Path(__file__).parent
DENSE, SPARSE = 14, 8  # every N up to DENSE, then SPARSE more spread over the rest
JOTTING = [JottingLine(3, "slept badly, argued with sister")]
TOTALS: dict[str, list[int]] = {}


def points(total: int) -> list[int]:
    dense = list(range(1, min(total, DENSE) + 1))
    if total <= DENSE:
        return dense
    step = (total - DENSE) / SPARSE
    return dense + sorted({min(total, DENSE + round(step * (i + 1))) for i in range(SPARSE)})


# -- the shim and the zygote ----------------------------------------------------------------
@pytest.fixture(scope="module")
def shim(tmp_path_factory) -> Path:
    require(sys.platform.startswith("linux"), "the fault shim uses LD_PRELOAD and /proc (Linux)")
    gcc = shutil.which("gcc") or shutil.which("cc")
    require(gcc, "gcc is needed to build the fault-injection shim")
    out = tmp_path_factory.mktemp("shim") / "faultshim.so"
    result = subprocess.run([gcc, "-shared", "-fPIC", "-O1", "-o", str(out), str(HERE / "faultshim.c"), "-ldl"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return out


class Zygote:
    def __init__(self, shim: Path) -> None:
        env = dict(os.environ, LD_PRELOAD=str(shim), PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen([sys.executable, str(HERE / "_zygote.py")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        ready = self.proc.stdout.readline()
        assert json.loads(ready) == {"ready": True}, ready

    def run(self, job: dict) -> int:
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["status"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def zygote(shim):
    z = Zygote(shim)
    yield z
    z.close()


# -- a profile to copy for every run ----------------------------------------------------------
@dataclass
class Template:
    root: Path  # holds tree/profile, tree/backup (the watched folder) and keyring.json beside it
    code: str
    session: int
    profile_id: str


def config_for(root: Path) -> Config:
    return Config(profile_dir=root, config_path=root / "config.toml", clinician_name="Dana Reyes",
                  credentials="LCSW")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Template:
    root = tmp_path_factory.mktemp("template")
    keystore = MemoryKeyring()
    paths = ProfilePaths(root / "tree" / "profile")
    profile, code = initialise(paths, keystore, None, actor="tester")
    ws = Workspace(profile, config_for(paths.root))
    try:
        client = ws.add_client("AB12", "Alex Example", "", ["Sleep 7 hours"])
        first = ws.start_session(client)
        assert first.doc_key == "session:1"
        ws.save_jottings(first, JOTTING)
        ws.end_session(first)
        second = ws.start_session(client)  # for the draft and the signing
        ws.save_jottings(second, [JottingLine(1, '" I slept a bit better'), JottingLine(2, "! denies SI/HI")])
        ws.end_session(second)
        profile.backup(root / "tree" / "backup", "tester")  # an earlier backup, which must survive a failed one
        profile_id = profile.profile_id
    finally:
        ws.close()
    (root / "keyring.json").write_text(json.dumps({profile_id: keystore.get(profile_id)}))
    return Template(root, code, second.id, profile_id)


@dataclass
class Run:
    base: Path
    status: int = 0
    log: list[tuple[str, str]] = field(default_factory=list)

    @property
    def paths(self) -> ProfilePaths:
        return ProfilePaths(self.base / "tree" / "profile")

    @property
    def backup(self) -> Path:
        return self.base / "tree" / "backup"

    @property
    def keyring_file(self) -> Path:
        return self.base / "keyring.json"

    def keystore(self) -> MemoryKeyring:
        store = MemoryKeyring()
        if self.keyring_file.exists():
            for key, value in json.loads(self.keyring_file.read_text()).items():
                store.set(key, value)
        return store

    def acks(self) -> list:
        return [json.loads(text) for kind, text in self.log if kind == "ACK"]

    def calls(self) -> int:
        return next((int(text) for kind, text in self.log if kind == "CALLS"), -1)


def run_op(zygote: Zygote, template: Template, work: Path, op: str, mode: str, n: int = 0,
           keyring: str = "copy") -> Run:
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(template.root, work)
    run = Run(work)
    if keyring == "empty":
        run.keyring_file.unlink()
    if op == "recover":
        run.paths.keys.unlink()  # the case item 3 is about: keys.json is gone
    log = work / "log"
    # Only the profile and backup folders are watched: the log and keyring sit beside them.
    job = {"op": op, "mode": mode, "n": n, "watch": str((work / "tree").resolve()) + "/", "log": str(log),
           "profile": str(run.paths.root), "keyring": str(run.keyring_file), "backup": str(run.backup),
           "code": template.code, "session": template.session}
    run.status = zygote.run(job)
    text = log.read_text() if log.exists() else ""
    run.log = [tuple(line.split(" ", 1)) if " " in line else (line, "") for line in text.splitlines()]
    return run


# -- what must hold after every fault -----------------------------------------------------------
def open_with_code(run: Run, code: str):  # noqa: ANN201
    """As `hushpad keys recover` finds the keys: keys.json or any surviving copy."""
    found = keymod.open_any_copy(run.paths.keys, code)
    return open_with_deks(run.paths, found.keyfile, found.keys)


def check_stores_whole(run: Run, code: str) -> None:
    profile = open_with_code(run, code)
    try:
        for store in (profile.record, profile.vault):
            assert store.integrity_check() == "ok", store.path.name
            assert store.cipher_check() == "ok", store.path.name
        assert profile.record.client_by_code("AB12") is not None
        assert profile.vault.load_jottings("session:1")[:1] == JOTTING
    finally:
        profile.close()


def held_code(run: Run, template: Template) -> str:
    """The recovery code the clinician holds: a new one once it was shown, else the first."""
    shown = [a["code"] for a in run.acks() if isinstance(a, dict) and "code" in a]
    return shown[-1] if shown else template.code


def check_told(run: Run, mode: str) -> None:
    raw = [text for kind, text in run.log if kind == "RAW"]
    assert not raw, f"a raw exception reached the user: {raw}"
    if mode == "kill":
        return
    assert run.status == 0, run.status


def newest_jotting(run: Run, code: str) -> list[list]:
    profile = open_with_code(run, code)
    try:
        return [[line.minute, line.text] for line in profile.vault.load_jottings("session:1")]
    finally:
        profile.close()


def check_jot(run: Run, template: Template) -> None:
    acked = run.acks()
    if acked:
        saved = newest_jotting(run, template.code)
        # The last acknowledged version, or a later one that reached the disk unacknowledged.
        assert saved[: len(acked[-1])][:-1] == acked[-1][:-1] and saved[len(acked[-1]) - 1][1].startswith(
            acked[-1][-1][1]), (saved, acked[-1])


def check_draft(run: Run, template: Template) -> None:
    acked = run.acks()
    if not acked:
        return
    root = run.paths.root
    ws = Workspace(open_with_code(run, template.code), config_for(root))
    try:
        w = WriteupService(ws).open(template.session)
        text = w.draft.sections[acked[-1]["section"]]
        last = int(acked[-1]["text"].rsplit(" ", 1)[1])
        assert text.startswith("draft version ") and int(text.rsplit(" ", 1)[1]) >= last, (text, acked[-1])
    finally:
        ws.close()


def check_sign(run: Run, template: Template) -> None:
    acked = run.acks()
    profile = open_with_code(run, template.code)
    try:
        note = profile.record.note_for_session(template.session)
        if any("signed" in a for a in acked):
            assert note is not None and note["status"] == "signed" and note["canonical_text"]
        elif acked:  # the draft was saved: it is there, whole, signed or not
            assert note is not None and note["status"] in ("draft", "signed")
        if note is not None and note["status"] == "signed":
            sections = profile.record.query("SELECT count(*) AS n FROM note_sections WHERE note_id = ?", (note["id"],))
            assert sections[0]["n"] > 0  # never a signed note without its sections
    finally:
        profile.close()


def check_device_unlock(run: Run) -> None:
    """Whatever the keyring holds after the fault, a wrap for it is on disk."""
    unlock(run.paths, keystore=run.keystore()).close()


def check_rotate(run: Run, template: Template) -> None:
    check_device_unlock(run)
    open_with_code(run, template.code).close()


def check_newcode(run: Run, template: Template) -> None:
    acked = run.acks()
    check_device_unlock(run)
    # The code the clinician holds: the new one once shown, else the old one. It must
    # open a copy, and recovery from it must work.
    code = acked[-1]["code"] if acked else template.code
    keymod.open_any_copy(run.paths.keys, code)
    recover(run.paths, code, MemoryKeyring(), None, actor="tester").close()


def check_recover(run: Run, template: Template) -> None:
    if run.acks():
        check_device_unlock(run)
    # Interrupted or not, recovery can always be run (again) and restores everything.
    fresh = MemoryKeyring()
    recover(run.paths, template.code, fresh, None, actor="tester").close()
    unlock(run.paths, keystore=fresh).close()


def check_backup(run: Run, template: Template) -> None:
    acked = run.acks()
    backup = ProfilePaths(run.backup)
    # The backup folder holds a whole backup: the earlier one or, once acknowledged, the
    # new one with the jotting saved just before. It opens from the recovery code alone.
    restored = ProfilePaths(run.base / "restored")
    shutil.copytree(backup.root, restored.root)
    for leftover in restored.root.glob(".*tmp*"):
        leftover.unlink()
    restored.keys.unlink()
    profile = recover(restored, template.code, MemoryKeyring(), None, actor="tester")
    try:
        jottings = [[line.minute, line.text] for line in profile.vault.load_jottings("session:1")]
        if "backup" in acked:
            assert jottings == acked[0]["jotting"]
        else:
            assert jottings[:1] == [[3, "slept badly, argued with sister"]]
        for store in (profile.record, profile.vault):
            assert store.integrity_check() == "ok"
    finally:
        profile.close()


CHECKS = {"jot": check_jot, "draft": check_draft, "sign": check_sign, "rotate": check_rotate,
          "newcode": check_newcode, "recover": check_recover, "backup": check_backup}


@pytest.mark.parametrize("mode", ["eio", "enospc", "kill"])
@pytest.mark.parametrize("op", list(CHECKS))
def test_every_write_and_fsync_fails_in_turn(zygote, template, tmp_path, op, mode, capsys):
    keyring = "empty" if op == "recover" else "copy"
    counted = run_op(zygote, template, tmp_path / "count", op, "count", keyring=keyring)
    check_told(counted, "count")
    total = counted.calls()
    assert total > 0, f"no writes seen for {op}: the shim is not intercepting"
    covered, told, failures = 0, 0, []
    for n in points(total):
        run = run_op(zygote, template, tmp_path / f"n{n}", op, mode, n, keyring=keyring)
        try:
            check_told(run, mode)
            if mode == "kill":
                assert run.status == -signal.SIGKILL, f"N={n}: the child was not killed ({run.status})"
            check_stores_whole(run, held_code(run, template))
            CHECKS[op](run, template)
        except (AssertionError, HushpadError) as exc:
            failures.append(f"N={n}: {exc}")
        told += any(kind == "TOLD" for kind, _ in run.log)
        covered += 1
        shutil.rmtree(run.base, ignore_errors=True)
    TOTALS.setdefault(mode, []).append(covered)
    with capsys.disabled():
        print(f"\nfault {op}/{mode}: {total} writes+fsyncs, {covered} injection points, "
              f"{told} told the user, {len(failures)} losses")
    assert not failures, "\n".join(failures)


def test_the_shim_sees_sqlcipher_and_python_writes(zygote, template, tmp_path):
    """Guard for the suite itself: an EIO at the first write of a jotting save must fail
    that save, so the shim really sits under SQLCipher."""
    run = run_op(zygote, template, tmp_path / "guard", "jot", "enospc", 1)
    assert any(kind == "TOLD" for kind, _ in run.log), run.log
