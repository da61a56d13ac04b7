"""Opening the chart: the 10,000-session client against the 100-session one (same run).
Goal: ratio <= 1.5x and <= 100 ms.

1. The query, in process: ClientChart.chart(limit=CHART_FIRST_PAGE) (what the screen asks for
   first), each client alternately, first call on a fresh connection ("cold") and repeats
   ("warm"); also the whole history (what the screen reads next, off screen).
2. The screen, in a real pty (the app as page_down.py's child, a fresh process per run):
   key `t` on the filtered client list to the first session row drawn on the terminal.

    .venv/bin/python benchmarks/chart_open.py --profile /tmp/tl [--runs 15]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_profile  # noqa: E402
from _common import machine_line, median, percentile, table  # noqa: E402

GOAL_RATIO, GOAL_MS = 1.5, 100.0


def query_times(profile: Path, runs: int) -> dict[str, dict[str, list[float]]]:
    from tui.services.chart import CHART_FIRST_PAGE, ClientChart

    meta = make_profile.meta(profile)
    out: dict[str, dict[str, list[float]]] = {c: {"cold": [], "warm": [], "whole": []} for c in ("BIG-01", "MID-01")}
    for _ in range(3):  # cold: a fresh unlock (new connection, empty page cache) per measurement
        for code in out:
            workspace = make_profile.open_workspace(profile)
            try:
                started = time.perf_counter()
                ClientChart(workspace).chart(meta["clients"][code]["id"], limit=CHART_FIRST_PAGE)
                out[code]["cold"].append((time.perf_counter() - started) * 1000)
            finally:
                workspace.close()
    workspace = make_profile.open_workspace(profile)
    try:
        timeline = ClientChart(workspace)
        for _ in range(runs):
            for code in out:
                client = meta["clients"][code]["id"]
                started = time.perf_counter()
                timeline.chart(client, limit=CHART_FIRST_PAGE)
                out[code]["warm"].append((time.perf_counter() - started) * 1000)
        for _ in range(3):
            for code in out:
                started = time.perf_counter()
                timeline.chart(meta["clients"][code]["id"])
                out[code]["whole"].append((time.perf_counter() - started) * 1000)
    finally:
        workspace.close()
    return out


def screen_times(profile: Path, runs: int) -> dict[str, list[float]]:
    from page_down import open_chart, proc_text_since, start_app

    meta = make_profile.meta(profile)
    out: dict[str, list[float]] = {"BIG-01 first": [], "MID-01 first": [], "BIG-01 again": [], "MID-01 again": []}
    for _ in range(runs):
        for code in ("BIG-01", "MID-01"):  # a fresh app each time: the first chart opened in the process
            proc = start_app(profile)
            try:
                row = f"{meta['clients'][code]['sessions']:>5}  "
                out[f"{code} first"].append(open_chart(proc, code, row) * 1000)
                for _ in range(3):  # then again in the same process (modules imported, caches warm)
                    proc.settle(1.0)
                    proc.send(b"\x1b")
                    proc.wait_for(lambda t: "sorted by" in t[-2500:], 10)
                    proc.settle(0.3)
                    mark = len(proc.output)
                    sent = time.monotonic()
                    proc.send(b"t")
                    proc.wait_for(lambda t, mark=mark: row in proc_text_since(proc, mark), 30)
                    out[f"{code} again"].append((time.monotonic() - sent) * 1000)
            finally:
                proc.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(machine_line())
    q = query_times(args.profile, args.runs)
    rows = []
    for kind in ("cold", "warm", "whole"):
        big, mid = median(q["BIG-01"][kind]), median(q["MID-01"][kind])
        rows.append((f"ClientChart.chart {kind} (median ms)", big, mid, big / mid if mid else float("nan")))
    s = screen_times(args.profile, max(3, args.runs // 3))
    for when in ("first", "again"):
        big, mid = s[f"BIG-01 {when}"], s[f"MID-01 {when}"]
        label = "first chart in a fresh process" if when == "first" else "chart opened again"
        rows.append((f"screen {label}: key t -> first row (median ms)", median(big), median(mid),
                     median(big) / median(mid)))
        rows.append((f"screen {label}: key t -> first row (p95 ms)", percentile(big, 95), percentile(mid, 95),
                     percentile(big, 95) / percentile(mid, 95)))
    print(table(["", "10,000 sessions", "100 sessions", "ratio"], rows))
    warm = rows[1]
    print(f"goal query (first page, warm) ratio <= {GOAL_RATIO} and <= {GOAL_MS} ms: "
          f"{'MET' if warm[3] <= GOAL_RATIO and warm[1] <= GOAL_MS else 'NOT MET'}")
    for screen in (rows[3], rows[5]):
        print(f"goal {screen[0].split(':')[0]}: ratio <= {GOAL_RATIO} and <= {GOAL_MS} ms (median): "
              f"{'MET' if screen[3] <= GOAL_RATIO and screen[1] <= GOAL_MS else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
