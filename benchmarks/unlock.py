"""Unlock (issue 2): the keyring read plus opening both stores, reported apart.

Against a real Secret Service (gnome-keyring under a private dbus session, fresh HOME)
holding the profile's device key:

* cold: a fresh interpreter per run does exactly what the unlock worker does, timed by
  phase: import + find the keyring backend, read the key, import the storage layer
  (cryptography, sqlcipher3, sqlite_utils), load keys.json and unwrap, open record.db,
  open vault.db, write the "stores opened" audit row (a synchronous=FULL commit).
* warm: in one process, repeated: the keyring read alone; a whole unlock + close with the
  in-memory keystore (so the store-open cost is isolated from the keyring); and the
  baseline, a bare `sqlite3.connect` + one query on a plain SQLite file of similar size.

Ratios: store-open vs keyring read, and each vs the sqlite3 baseline.

    .venv/bin/python benchmarks/unlock.py [--runs 10] [--loops 50]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    PYTHON, ROOT, machine_line, make_keyring_profile, median, percentile, secret_service, table,
)

PHASES = [
    ("keyring_import", "keyring: import + find backend"),
    ("keyring_get", "keyring: read the device key (first)"),
    ("storage_import", "import storage (cryptography, sqlcipher3; sqlite_utils only for migrations)"),
    ("unwrap", "keys.json load + AES-GCM unwrap"),
    ("open_record", "open record.db (key, pragmas, schema check)"),
    ("open_vault", "open vault.db"),
    ("audit", "audit row 'stores opened' (FULL commit)"),
]


def child_cold(profile_dir: Path) -> dict[str, float]:
    t: dict[str, float] = {}
    clock = time.perf_counter
    start = clock()
    from tui.storage.keyring_access import OSKeyring

    keystore = OSKeyring()
    a = clock()
    keystore._get_backend()
    t["keyring_import"] = clock() - a
    a = clock()
    # profile id from keys.json without importing the crypto layer
    profile_id = json.loads((profile_dir / "keys.json").read_text())["profile_id"]
    value = keystore.get(profile_id)
    t["keyring_get"] = clock() - a
    assert value
    a = clock()
    from tui.storage import keys as keymod
    from tui.storage import profile as profmod
    from tui.storage.paths import ProfilePaths
    from tui.storage.record import RecordStore
    from tui.storage.vault import VaultStore
    t["storage_import"] = clock() - a
    paths = ProfilePaths(profile_dir)
    a = clock()
    keyfile = profmod.load_keyfile(paths)
    kek_id, kek = keymod.parse_device_value(value)
    deks = keyfile.unwrap("device", kek, kek_id)
    t["unwrap"] = clock() - a
    lock = profmod._lock(paths)
    a = clock()
    record = RecordStore(paths.record, deks["record"])
    t["open_record"] = clock() - a
    a = clock()
    vault = VaultStore(paths.vault, deks["vault"])
    t["open_vault"] = clock() - a
    a = clock()
    record.audit("bench", "stores opened")
    t["audit"] = clock() - a
    t["total"] = clock() - start
    vault.close()
    record.close()
    lock.release()
    return t


def child_warm(profile_dir: Path, loops: int, plain_db: Path) -> dict[str, list[float]]:
    import sqlite3

    from tui.storage import profile as profmod
    from tui.storage.keyring_access import MemoryKeyring, OSKeyring
    from tui.storage.paths import ProfilePaths

    paths = ProfilePaths(profile_dir)
    keystore = OSKeyring()
    profile_id = profmod.load_keyfile(paths).profile_id
    value = keystore.get(profile_id)
    memory = MemoryKeyring()
    memory.set(profile_id, value)
    out: dict[str, list[float]] = {"keyring_get": [], "unlock_memory": [], "unlock_os": [], "sqlite3": []}
    clock = time.perf_counter
    for _ in range(3):  # warm-up
        profmod.unlock(paths, keystore=memory).close()
        sqlite3.connect(plain_db).execute("SELECT count(*) FROM sqlite_master").fetchone()
    for _ in range(loops):
        a = clock()
        keystore.get(profile_id)
        out["keyring_get"].append(clock() - a)
        a = clock()
        p = profmod.unlock(paths, keystore=memory)
        out["unlock_memory"].append(clock() - a)
        p.close()
        a = clock()
        p = profmod.unlock(paths, keystore=keystore)
        out["unlock_os"].append(clock() - a)
        p.close()
        a = clock()
        conn = sqlite3.connect(plain_db)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        out["sqlite3"].append(clock() - a)
        conn.close()
    return out


def child_cold_sqlite3(plain_db: Path) -> float:
    a = time.perf_counter()
    import sqlite3

    conn = sqlite3.connect(plain_db)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return time.perf_counter() - a


def make_plain_db(path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    conn.executemany("INSERT INTO t (body) VALUES (?)", [("x" * 200,) for _ in range(2000)])
    conn.commit()
    conn.close()


def ms(x: float) -> float:
    return x * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh-process (cold) runs")
    parser.add_argument("--loops", type=int, default=50, help="warm in-process iterations")
    parser.add_argument("--child", choices=["cold", "warm", "sqlite3"], help=argparse.SUPPRESS)
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    parser.add_argument("--plain", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "cold":
        print(json.dumps(child_cold(Path(args.profile))))
        return 0
    if args.child == "warm":
        print(json.dumps(child_warm(Path(args.profile), args.loops, Path(args.plain))))
        return 0
    if args.child == "sqlite3":
        print(json.dumps(child_cold_sqlite3(Path(args.plain))))
        return 0

    print(f"# unlock: keyring read and store open ({machine_line()})")
    with tempfile.TemporaryDirectory(prefix="hushpad-bench-") as tmpname, secret_service() as service:
        tmp = Path(tmpname)
        profile = make_keyring_profile(service, tmp)
        plain = tmp / "plain.db"
        make_plain_db(plain)
        sizes = {p.name: p.stat().st_size // 1024 for p in (profile / "record.db", profile / "vault.db", plain)}

        def run(*extra: str) -> object:
            out = subprocess.run([PYTHON, __file__, *extra], env=service.env, cwd=ROOT, capture_output=True,
                                 text=True)
            if out.returncode:
                raise RuntimeError(out.stderr[-3000:])
            return json.loads(out.stdout.strip().splitlines()[-1])

        run("--child", "cold", "--profile", str(profile))  # warm the page cache and .pyc files
        cold: list[dict[str, float]] = []
        cold_sqlite: list[float] = []
        for _ in range(args.runs):
            cold.append(run("--child", "cold", "--profile", str(profile)))  # type: ignore[arg-type]
            cold_sqlite.append(run("--child", "sqlite3", "--plain", str(plain)))  # type: ignore[arg-type]
        warm: dict[str, list[float]] = run("--child", "warm", "--profile", str(profile), "--plain", str(plain),
                                           "--loops", str(args.loops))  # type: ignore[assignment]

        base_cold = median(cold_sqlite)
        print(f"\nfiles: record.db {sizes['record.db']} KiB, vault.db {sizes['vault.db']} KiB "
              f"(six demo clients, ~100 sessions); baseline plain.db {sizes['plain.db']} KiB")
        print(f"\ncold: a fresh interpreter per run, phases in the order the unlock worker runs them (n={args.runs})")
        rows = []
        for key, label in PHASES + [("total", "total")]:
            vals = [c[key] for c in cold]
            rows.append((label, ms(median(vals)), ms(percentile(vals, 90)), f"{median(vals) / base_cold:.1f}x"))
        rows.append(("baseline: import sqlite3 + connect + query", ms(base_cold), ms(percentile(cold_sqlite, 90)), "1.0x"))
        print(table(("phase", "median ms", "p90 ms", "vs sqlite3"), rows))
        kr_cold = median([c["keyring_import"] + c["keyring_get"] for c in cold])
        store_cold = median([c["storage_import"] + c["unwrap"] + c["open_record"] + c["open_vault"] + c["audit"]
                             for c in cold])
        store_open_cold = median([c["open_record"] + c["open_vault"] for c in cold])

        print(f"\nwarm: one process, {args.loops} iterations each")
        base_warm = median(warm["sqlite3"])
        wrows = []
        for key, label in (("keyring_get", "keyring read (Secret Service, D-Bus)"),
                           ("unlock_memory", "unlock with in-memory keystore (= store open)"),
                           ("unlock_os", "unlock with the real keyring (read + store open)"),
                           ("sqlite3", "baseline: sqlite3.connect + query")):
            vals = warm[key]
            wrows.append((label, ms(median(vals)), ms(percentile(vals, 90)), ms(percentile(vals, 99)),
                          f"{median(vals) / base_warm:.1f}x"))
        print(table(("operation", "median ms", "p90 ms", "p99 ms", "vs sqlite3"), wrows))

        kr_warm = median(warm["keyring_get"])
        store_warm = median(warm["unlock_memory"])
        print()
        print(f"SUMMARY unlock: cold (fresh process) keyring {ms(kr_cold):.0f} ms, storage import+unwrap+open "
              f"{ms(store_cold):.0f} ms (of which opening the two files {ms(store_open_cold):.0f} ms), total "
              f"{ms(median([c['total'] for c in cold])):.0f} ms; store-open/keyring = {store_cold / kr_cold:.2f}x cold; "
              f"warm keyring read {ms(kr_warm):.1f} ms = {kr_warm / base_warm:.0f}x sqlite3, store open "
              f"{ms(store_warm):.1f} ms = {store_warm / base_warm:.0f}x sqlite3, store-open/keyring = "
              f"{store_warm / kr_warm:.2f}x warm (no goal set in issue 2; reported apart as asked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
