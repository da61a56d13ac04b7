"""Page-down in the chart of the 10,000-session client: keypress to frame, in a real
pseudo-terminal. Goal: p99 <= 33 ms.

The app runs as a child on the slave side of a pty (``--child DIR`` below: the real
``make_app`` with the profile's MemoryKeyring from make_profile.load). The parent writes
the pagedown escape sequence (a real key event through the driver's input parsing, not
Pilot) and timestamps the bytes of the next frame as they come out of the pty: "first byte"
is when the frame starts arriving, "frame" when its last byte has (the output then stays
quiet for QUIET s). Never asserted; figures only.

    .venv/bin/python benchmarks/make_profile.py --out /tmp/tl    # once
    .venv/bin/python benchmarks/page_down.py --profile /tmp/tl [--presses 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import PYTHON, ROOT, PtyProcess, base_env, machine_line, median, percentile, table  # noqa: E402

PAGE_DOWN, PAGE_UP, HOME = b"\x1b[6~", b"\x1b[5~", b"\x1b[H"
QUIET = 0.03
GOAL_MS = 33.0


def child(profile: str) -> None:
    import make_profile

    from tui.app import make_app

    config, keystore = make_profile.load(profile)
    if os.environ.get("BENCH_GC") == "off":  # diagnosis only: are the slow frames collections?
        import gc

        gc.disable()
    make_app(config, keystore=keystore).run()


def start_app(profile: Path) -> PtyProcess:
    proc = PtyProcess([PYTHON, str(HERE / "page_down.py"), "--child", str(profile)], env=base_env(), cwd=ROOT)
    proc.wait_for(lambda t: "clients, sorted by" in t, 60)
    proc.settle(0.3)
    return proc


def open_chart(proc: PtyProcess, code: str, first_row: str) -> float:
    """Filter the client list to `code`, press t; seconds from the key to the first session row drawn."""
    proc.send(b"/")
    proc.settle(0.1)
    proc.send(code.encode())
    proc.wait_for(lambda t: f"1 of " in t[-3000:], 10)
    proc.send(b"\r")
    proc.settle(0.2)
    mark = len(proc.output)
    sent = time.monotonic()
    proc.send(b"t")
    proc.wait_for(lambda t: first_row in proc_text_since(proc, mark), 30)
    return time.monotonic() - sent


def proc_text_since(proc: PtyProcess, mark: int) -> str:
    from _common import strip_ansi

    return strip_ansi(bytes(proc.output[mark:]))


def frame_after(proc: PtyProcess, key: bytes, timeout: float = 2.0) -> tuple[float, float]:
    """(first byte, whole frame) in seconds after writing `key`."""
    import os
    import select

    start_len = len(proc.output)
    sent = time.monotonic()
    proc.send(key)
    first = last = None
    deadline = sent + timeout
    while time.monotonic() < deadline:
        wait = QUIET if first is not None else deadline - time.monotonic()
        ready, _, _ = select.select([proc.fd], [], [], max(0.0, wait))
        if not ready:
            if first is not None:
                break
            continue
        chunk = os.read(proc.fd, 65536)
        now = time.monotonic()
        proc.output += chunk
        if first is None:
            first = now
        last = now
    if first is None or len(proc.output) == start_len:
        raise RuntimeError(f"no frame after the key; screen tail: {proc.text()[-1500:]!r}")
    return first - sent, last - sent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--code", default="BIG-01")
    parser.add_argument("--presses", type=int, default=300)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    proc = start_app(args.profile)
    try:
        import make_profile

        sessions = make_profile.meta(args.profile)["clients"][args.code]["sessions"]
        open_chart(proc, args.code, f"{sessions:>5}  ")
        proc.settle(1.5)  # the full list arrives after the first page
        firsts, frames = [], []
        for i in range(args.presses):
            key = PAGE_DOWN if (i // 50) % 2 == 0 else PAGE_UP
            first, frame = frame_after(proc, key)
            firsts.append(first * 1000)
            frames.append(frame * 1000)
        print(machine_line())
        print(f"page-down/up in the chart of {args.code} ({sessions} sessions), {args.presses} presses, pty {proc.pid}")
        rows = [(label, median(v), percentile(v, 95), percentile(v, 99), max(v))
                for label, v in (("key -> first byte of frame (ms)", firsts), ("key -> whole frame (ms)", frames))]
        print(table(["", "median", "p95", "p99", "max"], rows))
        p99 = percentile(frames, 99)
        print(f"goal p99 <= {GOAL_MS} ms: {'MET' if p99 <= GOAL_MS else 'NOT MET'} ({p99:.1f} ms, whole frame)")
    finally:
        proc.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
