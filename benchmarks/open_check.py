"""What the read-only integrity check at open costs (issue 9 item 4).

    .venv/bin/python benchmarks/make_profile.py --out /tmp/big     # 10,000-note profile
    .venv/bin/python benchmarks/open_check.py /tmp/big [--runs 7]

Opens the profile's record.db the way Hushpad does (``RecordStore``: a read-only
connection, ``cipher_integrity_check`` over every page, then the read-write connection),
and as the baseline in the same run the same class with the check skipped. Also times the
checks alone on a read-only connection: ``cipher_integrity_check`` (page HMACs, what the
open runs), ``quick_check`` and ``integrity_check`` (what `doctor` adds). Medians of warm runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
for p in (ROOT, BENCH):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import make_profile  # noqa: E402

from tui.storage import keys as keymod  # noqa: E402
from tui.storage.db import ReadOnlyFile  # noqa: E402
from tui.storage.profile import load_keyfile  # noqa: E402
from tui.storage.record import RecordStore  # noqa: E402


class Unchecked(RecordStore):
    def _check_before_writing(self, key: bytes) -> None:
        pass


def median_ms(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path, help="a folder made by make_profile.py")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    config, keystore = make_profile.load(args.dir)
    keyfile = load_keyfile(config.paths)
    key = bytes(keymod.unlock_device(keyfile, keystore)["record"])
    path = config.paths.record
    size_mb = path.stat().st_size / 1e6

    def open_close(cls):  # noqa: ANN001, ANN202
        return lambda: cls(path, key).close()

    def pragma(sql: str):  # noqa: ANN202
        def run() -> None:
            ro = ReadOnlyFile(path, key)
            try:
                ro.conn.execute(sql).fetchall()
            finally:
                ro.close()
        return run

    open_close(RecordStore)()  # warm the page cache
    checked = median_ms(open_close(RecordStore), args.runs)
    baseline = median_ms(open_close(Unchecked), args.runs)
    rows = [("open, checked (Hushpad)", checked), ("open, unchecked (baseline)", baseline)]
    for sql in ("PRAGMA cipher_integrity_check", "PRAGMA quick_check", "PRAGMA integrity_check"):
        rows.append((sql, median_ms(pragma(sql), max(3, args.runs // 2))))
    print(f"record.db: {size_mb:.1f} MB")
    for name, ms in rows:
        print(f"{name:<34}{ms:>10.1f} ms")
    print(f"SUMMARY open with the integrity check {checked:.0f} ms vs {baseline:.0f} ms unchecked "
          f"({checked / baseline:.1f}x; {(checked - baseline) / size_mb:.1f} ms per MB); no goal set")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
