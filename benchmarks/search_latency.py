"""Search, top 50 results, over the synthetic profile (10,000+ signed notes): p95 of
NoteSearch.search(text, limit=50) across a mix of queries (common, rare, multi-word, FTS
syntax typed literally), all clients and one client. Goal: p95 <= 50 ms. Also the screen's
own cap (SEARCH_LIMIT) for reference. Never asserted.

    .venv/bin/python benchmarks/search_latency.py --profile /tmp/tl [--rounds 20]
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

QUERIES = ["sleep", "worry work", "grief", "panic driving", "sleep diary", "budget", '"better"', "NEAR OR",
           "self-criticism", "avoid*", "(walk", "zzznotfound", "sleep worry work mother", "the"]
GOAL_MS = 50.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    from tui.services.search import SEARCH_LIMIT, NoteSearch

    meta = make_profile.meta(args.profile)
    big = meta["clients"]["BIG-01"]["id"]
    workspace = make_profile.open_workspace(args.profile)
    try:
        timeline = NoteSearch(workspace)
        timeline.search("warm up")
        results: dict[str, list[float]] = {"all clients, top 50": [], "one client (10,000 notes), top 50": [],
                                           f"all clients, top {SEARCH_LIMIT} (the screen's cap)": []}
        totals = {}
        for _ in range(args.rounds):
            for text in QUERIES:
                for label, client, limit in (("all clients, top 50", None, 50),
                                             ("one client (10,000 notes), top 50", big, 50),
                                             (f"all clients, top {SEARCH_LIMIT} (the screen's cap)", None, SEARCH_LIMIT)):
                    started = time.perf_counter()
                    found = timeline.search(text, client, limit=limit)
                    results[label].append((time.perf_counter() - started) * 1000)
                    totals[text] = max(totals.get(text, 0), found.total)
    finally:
        workspace.close()
    print(machine_line())
    print(f"{len(QUERIES)} queries x {args.rounds} rounds; matches per query up to {max(totals.values())}")
    print(table(["", "median ms", "p95 ms", "p99 ms", "max ms"],
                [(k, median(v), percentile(v, 95), percentile(v, 99), max(v)) for k, v in results.items()]))
    p95 = percentile(results["all clients, top 50"], 95)
    print(f"goal top-50 p95 <= {GOAL_MS} ms: {'MET' if p95 <= GOAL_MS else 'NOT MET'} ({p95:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
