"""The other Hushpad, for tests/unit/storage/test_export_while_open.py: a real second
process that unlocks the profile the app's way (``access.unlock``: the profile lock, the
audit row, the fold of queued entries) and holds it while the test reads beside it.

    python _export_holder.py PROFILE KEYRING_FILE [PASSPHRASE]

One command a line on stdin, each answered by one line on stdout ("ok ..." or "error ..."):

    rename NAME      the client's display name (one record commit)
    grow N           N saves of ~4 KB jottings to session 1 (the WAL passes the checkpoint size)
    step             one step: an audit row "step N" in the record, then "N" in the vault
    churn            steps without pause in a thread, until "stop" (answers "ok stopped N")
    close            the app's close (fold, signed head, keys wiped) and exit 0

The test kills it with SIGKILL to stand for a crash.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from tui.storage.keyring_access import MemoryKeyring  # noqa: E402

STEP_DOC = "session:999"


class FileKeyring(MemoryKeyring):
    """A keyring both processes read: a JSON file outside the profile (the test's stand-in
    for the system keyring, which unit tests never touch)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.file = Path(path)
        if self.file.exists():
            for key, value in json.loads(self.file.read_text()).items():
                super().set(key, value)

    def set(self, profile_id: str, value: str) -> None:
        super().set(profile_id, value)
        data = json.loads(self.file.read_text()) if self.file.exists() else {}
        data[profile_id] = value
        tmp = self.file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.file)


def main(argv: list[str]) -> int:
    from tui.config import Config
    from tui.services import access
    from tui.services.workspace import Workspace
    from tui.storage.vault import JottingLine

    root = Path(argv[0])
    config = Config(profile_dir=root, config_path=root / "config.toml", clinician_name="Dana Reyes",
                    credentials="LCSW")
    if len(argv) > 2:
        profile = access.unlock(config, passphrase=argv[2])
    else:
        profile = access.unlock(config, keystore=FileKeyring(Path(argv[1])))
    ws = Workspace(profile, config)
    steps = 0
    stop = threading.Event()
    churner: threading.Thread | None = None

    def step() -> None:
        nonlocal steps
        steps += 1
        profile.record.audit("holder", "step", detail=str(steps))
        profile.vault.save_jottings(STEP_DOC, [JottingLine(0, str(steps))])

    def churn() -> None:
        while not stop.is_set():
            step()

    print("ready", flush=True)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        try:
            if command == "rename":
                with profile.record.transaction() as conn:
                    conn.execute("UPDATE clients SET display_name = ?", (arg,))
                print("ok", flush=True)
            elif command == "grow":
                for i in range(int(arg)):
                    profile.vault.save_jottings("session:1", [JottingLine(1, f"line {i} " + os.urandom(2000).hex())])
                print("ok", os.path.getsize(f"{profile.paths.vault}-wal"), flush=True)
            elif command == "step":
                step()
                print("ok", steps, flush=True)
            elif command == "churn":
                stop.clear()
                churner = threading.Thread(target=churn)
                churner.start()
                print("ok", flush=True)
            elif command == "stop":
                stop.set()
                if churner is not None:
                    churner.join()
                print("ok stopped", steps, flush=True)
            elif command == "close":
                ws.close()
                print("ok closed", flush=True)
                return 0
            else:
                print("error unknown command", command, flush=True)
        except Exception as exc:  # noqa: BLE001 - the test reads it
            print("error", type(exc).__name__, str(exc).replace("\n", " "), flush=True)
    ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
