"""Resident memory with the synthetic profile open (the chart of the 10,000-session client
loaded, every row) against a bare Textual hello world, both in a real pty, VmRSS from
/proc after a settle. Goal: ratio <= 3x. Never asserted.

    .venv/bin/python benchmarks/memory_profile.py --profile /tmp/tl [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_profile  # noqa: E402
from _common import PYTHON, ROOT, PtyProcess, base_env, hello_app_path, machine_line, median, table  # noqa: E402
from page_down import open_chart, start_app  # noqa: E402

GOAL = 3.0


def hello_rss(settle: float) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        proc = PtyProcess([PYTHON, str(hello_app_path(Path(tmp)))], env=base_env(), cwd=ROOT)
        try:
            proc.wait_for("Hello, world!", 30)
            proc.settle(settle)
            return proc.rss_kib()
        finally:
            proc.close()


def profile_rss(profile: Path, settle: float) -> tuple[int, int]:
    """(RSS on the client list, RSS with the big chart open)."""
    proc = start_app(profile)
    try:
        proc.settle(settle)
        listed = proc.rss_kib()
        sessions = make_profile.meta(profile)["clients"]["BIG-01"]["sessions"]
        open_chart(proc, "BIG-01", f"{sessions:>5}  ")
        proc.settle(settle + 1.5)
        for _ in range(20):
            proc.send(b"\x1b[6~")
            proc.settle(0.05)
        proc.settle(settle)
        return listed, proc.rss_kib()
    finally:
        proc.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=1.5)
    args = parser.parse_args()
    hello = [hello_rss(args.settle) for _ in range(args.runs)]
    pairs = [profile_rss(args.profile, args.settle) for _ in range(args.runs)]
    base = median(hello)
    rows = [("bare Textual hello world", base / 1024, 1.0),
            ("hushpad, client list (50 clients)", median([p[0] for p in pairs]) / 1024, median([p[0] for p in pairs]) / base),
            ("hushpad, chart of 10,000 sessions open", median([p[1] for p in pairs]) / 1024, median([p[1] for p in pairs]) / base)]
    print(machine_line())
    print(table(["", "RSS MiB (median)", "x hello"], rows))
    ratio = rows[2][2]
    print(f"goal <= {GOAL}x: {'MET' if ratio <= GOAL else 'NOT MET'} ({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
