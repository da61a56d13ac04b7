"""`hushpad doctor`: is this profile healthy and safe? Reports; changes nothing but loose modes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import HushpadError

if TYPE_CHECKING:
    from ..config import Config
    from ..storage.keyring_access import KeyStore


@dataclass
class DoctorReport:
    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def good(self, what: str, detail: str) -> None:
        self.lines.append(f"ok    {what}: {detail}")

    def bad(self, what: str, detail: str) -> None:
        self.ok = False
        self.lines.append(f"FAIL  {what}: {detail}")

    def note(self, what: str, detail: str) -> None:
        self.lines.append(f"note  {what}: {detail}")


def run_doctor(config: "Config", keystore: "KeyStore", passphrase_reader: Callable[[], str]) -> DoctorReport:
    from ..storage import keys as keymod
    from ..storage.files import ensure_profile_dir, file_modes
    from ..storage.profile import inspection_lock, load_keyfile, open_read_only
    from .access import keyring_status

    report = DoctorReport()
    paths = config.paths
    report.note("profile", str(paths.root))
    from ..hardening import status as hardening_status

    hardening = hardening_status()
    for done in hardening.done:
        report.good("process", done)
    for missing in hardening.missing:
        report.note("process", f"not on this platform or run: {missing}")

    status = keyring_status(keystore)
    if status.info is None:
        report.bad("keyring", status.problem)
    elif status.usable:
        report.good("keyring", f"{status.info.name} (accepted: {status.info.reason})")
    else:
        report.bad("keyring", f"{status.info.name} refused: {status.info.reason}")

    if not paths.root.exists():
        report.bad("profile", "no profile folder; run `hushpad init`")
        return report
    for warning in ensure_profile_dir(paths.root).warnings:
        report.note("permissions", warning)
    loose = {p: m for p, m in file_modes(paths.root).items() if m not in ("700", "600")}
    if loose:
        report.bad("permissions", ", ".join(f"{p} is {m}" for p, m in loose.items()))
    else:
        report.good("permissions", "folder 0700, files 0600")

    try:
        keyfile = load_keyfile(paths)
    except HushpadError as exc:
        report.bad("keys.json", str(exc))
        return report
    report.good("keys.json", f"wraps: {', '.join(sorted(keyfile.kinds()))}")
    # The recovery code stands alone only while these copies exist (read here, never written).
    copies = len(keymod.recovery_copy_paths(paths.keys))
    problems = keymod.recovery_copies_status(keyfile, paths.keys)
    if problems:
        report.bad("recovery copies", "; ".join(problems) + " (the next unlock rewrites missing ones)")
    else:
        report.good("recovery copies", f"all {copies} (keys.json.bak and one beside each store) hold every recovery wrap")

    deks = None
    if "device" in keyfile.kinds():
        try:
            deks = keymod.unlock_device(keyfile, keystore, with_keys=True)
            report.good("key read-back", "the keyring's key opens both data keys")
        except HushpadError as exc:
            report.bad("key read-back", str(exc))
    elif "passphrase" in keyfile.kinds():
        try:
            deks = keymod.unlock_passphrase(keyfile, passphrase_reader(), with_keys=True)
            report.good("passphrase", "opens both data keys")
        except HushpadError as exc:
            report.bad("passphrase", str(exc))
    if deks is None:
        return report

    # Read-only from here: no audit row, no checkpoint, no -wal or -shm created or
    # rewritten. A shared lock keeps a running Hushpad from writing while we read.
    try:
        with inspection_lock(paths):
            stores = open_read_only(paths, deks)
            try:
                for store in stores:
                    result = store.integrity_check()
                    cipher = store.cipher_check()
                    if result == "ok" and cipher == "ok":
                        report.good(f"{store.path.name}",
                                    f"integrity_check ok, cipher pages ok, schema v{store.schema_version}")
                    else:
                        report.bad(f"{store.path.name}", f"integrity_check: {result}; cipher: {cipher}")
                from .signing import check_record

                # Every signed note, its addenda and countersignatures, the audit chain.
                for level, what, detail in check_record(stores[0], keyfile, deks):
                    {"ok": report.good, "FAIL": report.bad}.get(level, report.note)(what, detail)
            finally:
                for store in stores:
                    store.close()
    except HushpadError as exc:
        report.bad("stores", str(exc))
    return report
