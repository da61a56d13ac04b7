"""Run by the fault-injection tests under LD_PRELOAD=faultshim.so: imports Hushpad once,
then for each job line on stdin forks a child that arms the shim and runs one operation.

The child writes what happened to the job's log (outside the watched folder, unbuffered,
so it survives a SIGKILL): ``ACK <json>`` after each operation Hushpad acknowledged,
``TOLD <message>`` for a HushpadError, ``RAW <repr>`` for anything else (a bug: the user
would see a traceback), and ``CALLS <n>`` at the end. The zygote answers each job with
one JSON line: the child's exit status (negative: killed by that signal).
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from tui.config import Config
from tui.errors import HushpadError
from tui.services.workspace import Workspace
from tui.services.writeup import WriteupService, finding_id
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.paths import ProfilePaths
from tui.storage.profile import recover, unlock
from tui.storage.vault import JottingLine

MODES = {"count": 0, "eio": 1, "enospc": 2, "kill": 3}
SHIM = ctypes.CDLL(None)


class FileKeyring(MemoryKeyring):
    """A keyring that outlives the process (a JSON file outside the watched folder), so
    the test sees what a killed child left in it. Written before set() returns, as a
    real keyring is."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.file = path
        if path.exists():
            for key, value in json.loads(path.read_text()).items():
                super().set(key, value)

    def set(self, profile_id: str, value: str) -> None:
        super().set(profile_id, value)
        data = json.loads(self.file.read_text()) if self.file.exists() else {}
        data[profile_id] = value
        tmp = self.file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.file)


class Log:
    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def __call__(self, kind: str, payload: object = "") -> None:
        text = json.dumps(payload) if kind == "ACK" else str(payload)
        os.write(self.fd, f"{kind} {text}\n".encode())


def config_for(root: Path) -> Config:
    return Config(profile_dir=root, config_path=root / "config.toml", clinician_name="Dana Reyes",
                  credentials="LCSW")


# -- the operations -------------------------------------------------------------------------
def op_jot(job: dict, log: Log) -> None:
    paths = ProfilePaths(Path(job["profile"]))
    profile = unlock(paths, keystore=FileKeyring(Path(job["keyring"])))
    try:
        lines = [JottingLine(3, "slept badly, argued with sister")]
        failures = 0
        for i in range(job.get("saves", 12)):
            if i % 4 == 0:
                lines.append(JottingLine(10 + i, ""))
            lines[-1] = JottingLine(lines[-1].minute, lines[-1].text + f"w{i} ")
            try:
                profile.vault.save_jottings("session:1", list(lines))
            except HushpadError as exc:
                log("TOLD", str(exc))
                failures += 1
                if failures >= 3:
                    break
                continue
            log("ACK", [[line.minute, line.text] for line in lines])
    finally:
        profile.close()


def _workspace(job: dict) -> Workspace:
    root = Path(job["profile"])
    return Workspace(unlock(ProfilePaths(root), keystore=FileKeyring(Path(job["keyring"]))), config_for(root))


def op_draft(job: dict, log: Log) -> None:
    ws = _workspace(job)
    try:
        svc = WriteupService(ws)
        w = svc.open(job["session"])
        key = w.template.sections[0].key
        for i in range(6):
            w.draft.sections[key] = f"draft version {i}"
            try:
                svc.save(w)
            except HushpadError as exc:
                log("TOLD", str(exc))
                continue
            log("ACK", {"section": key, "text": f"draft version {i}"})
    finally:
        ws.close()


def op_sign(job: dict, log: Log) -> None:
    ws = _workspace(job)
    try:
        svc = WriteupService(ws)
        w = svc.open(job["session"])
        for spec in w.template.sections:
            w.draft.sections[spec.key] = f"{spec.title} written before signing."
        w.draft.risk = replace(w.draft.risk, si="denied", hi="denied", self_harm="denied", level="low")
        svc.save(w)
        log("ACK", {"saved": w.note_id})
        warnings = {finding_id(f) for f in svc.lint(w) if f.level == "warning"}
        svc.sign(w, warnings)
        log("ACK", {"signed": w.note_id})
    finally:
        ws.close()


def op_rotate(job: dict, log: Log) -> None:
    keystore = FileKeyring(Path(job["keyring"]))
    profile = unlock(ProfilePaths(Path(job["profile"])), keystore=keystore)
    try:
        profile.rotate_device_key(keystore, "tester")
        log("ACK", "rotated")
    finally:
        profile.close()


def op_newcode(job: dict, log: Log) -> None:
    profile = unlock(ProfilePaths(Path(job["profile"])), keystore=FileKeyring(Path(job["keyring"])))
    try:
        code = profile.new_recovery_code("tester")
        log("ACK", {"code": code})  # what the screen would show now
    finally:
        profile.close()


def op_recover(job: dict, log: Log) -> None:
    keystore = FileKeyring(Path(job["keyring"]))  # empty: a new machine
    profile = recover(ProfilePaths(Path(job["profile"])), job["code"], keystore, None, actor="tester")
    try:
        log("ACK", "recovered")
    finally:
        profile.close()


def op_backup(job: dict, log: Log) -> None:
    profile = unlock(ProfilePaths(Path(job["profile"])), keystore=FileKeyring(Path(job["keyring"])))
    try:
        lines = [JottingLine(3, "slept badly, argued with sister"), JottingLine(50, "before the backup")]
        profile.vault.save_jottings("session:1", lines)
        log("ACK", {"jotting": [[line.minute, line.text] for line in lines]})
        profile.backup(Path(job["backup"]), "tester")
        log("ACK", "backup")
    finally:
        profile.close()


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith("op_")}


def run_child(job: dict) -> None:
    log = Log(Path(job["log"]))
    SHIM.fault_arm(job["watch"].encode(), int(job.get("n", 0)), MODES[job["mode"]])
    try:
        OPS[job["op"]](job, log)
    except HushpadError as exc:
        log("TOLD", str(exc))
    except BaseException as exc:  # noqa: BLE001 - what a user would see as a traceback
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1]
        log("RAW", f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})")
    log("CALLS", str(SHIM.fault_calls()))


def main() -> None:
    SHIM.fault_calls.restype = ctypes.c_long
    SHIM.fault_arm.argtypes = [ctypes.c_char_p, ctypes.c_long, ctypes.c_int]
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            try:
                run_child(job)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(json.dumps({"status": code}), flush=True)


if __name__ == "__main__":
    main()
