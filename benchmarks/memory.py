"""Memory (issue 2): idle RSS of `hushpad` on the clients screen (unlocked, six fictional
clients listed) against a bare Textual hello world, both in a real pseudo-terminal, read
from /proc/PID/status (VmRSS) after a settle. Goal: ratio of medians <= 1.5x.

The profile's device key is in a throw-away Secret Service (gnome-keyring under a private
dbus session). An attribution table follows: the RSS of a bare interpreter after importing
each layer, to show where the difference comes from.

    .venv/bin/python benchmarks/memory.py [--runs 5] [--settle 2]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    FLOOR_SCRUB_ENV, HUSHPAD, PYTHON, ROOT, PtyProcess, floor_app_path, hello_app_path, jot_floor_app_path, machine_line, make_keyring_profile, median, secret_service,
    table, verdict,
)

GOAL = 1.5
LISTED = re.compile(r"\b\d+ clients?\b")

LAYERS = [
    ("python only", ""),
    ("+ textual.app, widgets (hello world's imports)", "import textual.app, textual.widgets; from textual.widgets import Static"),
    ("+ tui.app, clients screen (first-paint imports)",
     "import tui.cli, tui.app, tui.screens.clients; from textual.widgets import DataTable, Footer"),
    ("+ storage: cryptography, sqlcipher3", "import tui.storage.profile, tui.services.workspace"),
    ("+ SecretStorage (the key read, tui/storage/keyring_access.py)", "import secretstorage"),
    ("(+ keyring: storing or removing a key, or a backend the user chose)",
     "import keyring, keyring.backends.SecretService"),
    # Not on the clients screen or the jot path since issue 14: only migrations, FTS and exports load it.
    ("(+ sqlite_utils: migrations and exports only)", "import sqlite_utils"),
]


def idle_rss(argv: list[str], env: dict[str, str], ready: re.Pattern[str] | str, settle: float) -> tuple[int, int]:
    proc = PtyProcess(argv, env=env, cwd=ROOT)
    try:
        if isinstance(ready, str):
            proc.wait_for(ready, 30)
        else:
            proc.wait_for(lambda t: ready.search(t) is not None, 30)
        proc.settle(settle)
        rss = proc.rss_kib()
        with open(f"/proc/{proc.pid}/status") as fh:
            hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    finally:
        proc.close()
    return rss, hwm


def layer_rss(env: dict[str, str]) -> list[tuple[str, float]]:
    rows = []
    code = ""
    for label, stmt in LAYERS:
        code = f"{code}\n{stmt}" if stmt else code
        script = code + "\nimport gc; gc.collect()\nprint(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmRSS:')))"
        out = subprocess.run([PYTHON, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
        rows.append((label, int(out.stdout.strip()) / 1024))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to idle before reading VmRSS")
    args = parser.parse_args()

    print(f"# memory: idle RSS, hushpad clients screen vs Textual hello world ({machine_line()})")
    with tempfile.TemporaryDirectory(prefix="hushpad-bench-") as tmpname, secret_service() as service:
        tmp = Path(tmpname)
        profile = make_keyring_profile(service, tmp)
        hello = hello_app_path(tmp)
        env = service.env
        floor = floor_app_path(tmp)
        jot_floor = [PYTHON, str(jot_floor_app_path(tmp, service)), str(tmp / "jot-floor.db")]
        results: dict[str, list[tuple[int, int]]] = {"hello": [], "hushpad": [], "floor": [], "floor_scrub": [],
                                                     "jot_floor": []}
        for i in range(args.runs):
            order = ["hello", "hushpad", "floor", "floor_scrub", "jot_floor"]
            if i % 2:
                order.reverse()
            for name in order:
                if name == "hello":
                    results[name].append(idle_rss([PYTHON, str(hello)], env, "Hello", args.settle))
                elif name == "floor":
                    results[name].append(idle_rss([PYTHON, str(floor)], env, "Hello", args.settle))
                elif name == "floor_scrub":
                    results[name].append(idle_rss([PYTHON, str(floor)], dict(env, **FLOOR_SCRUB_ENV), "Hello",
                                                  args.settle))
                elif name == "jot_floor":
                    results[name].append(idle_rss(jot_floor, dict(env, **FLOOR_SCRUB_ENV), "saved", args.settle))
                else:
                    results[name].append(idle_rss([HUSHPAD, "--profile", str(profile)], env, LISTED, args.settle))
        base = median([r for r, _ in results["hello"]])
        rows = []
        for label, name in (("hello world (first frame + settle)", "hello"),
                            ("hushpad clients screen, 6 clients listed", "hushpad"),
                            ("floor: hello + cryptography + sqlcipher3", "floor"),
                            ("floor + heap-scrub restart (PYTHONMALLOC=malloc)", "floor_scrub"),
                            ("floor using them: restart, key read, SQLCipher commit, TextArea", "jot_floor")):
            rss = [r for r, _ in results[name]]
            hwm = [h for _, h in results[name]]
            rows.append((label, len(rss), median(rss) / 1024, min(rss) / 1024, max(rss) / 1024, median(hwm) / 1024,
                         f"{median(rss) / base:.2f}x"))
        print()
        print(table(("process", "n", "VmRSS MiB (median)", "min", "max", "VmHWM MiB", "vs hello"), rows))

        print("\nwhere the memory goes (RSS of `python -c` after importing each layer in turn):")
        layers = layer_rss(env)
        prev = 0.0
        lrows = []
        for label, mib in layers:
            lrows.append((label, mib, f"+{mib - prev:.1f}" if prev else ""))
            prev = mib
        print(table(("imports", "VmRSS MiB", "delta"), lrows))

        ratio = median([r for r, _ in results["hushpad"]]) / base
        print()
        print(f"SUMMARY memory: hushpad idle RSS {median([r for r, _ in results['hushpad']]) / 1024:.1f} MiB vs "
              f"hello world {base / 1024:.1f} MiB = {ratio:.2f}x (goal <= {GOAL}x: {verdict(ratio, GOAL)}); "
              f"floor {median([r for r, _ in results['floor']]) / 1024:.1f} MiB = "
              f"{median([r for r, _ in results['floor']]) / base:.2f}x, with the heap-scrub restart "
              f"{median([r for r, _ in results['floor_scrub']]) / 1024:.1f} MiB = "
              f"{median([r for r, _ in results['floor_scrub']]) / base:.2f}x, using them "
              f"{median([r for r, _ in results['jot_floor']]) / 1024:.1f} MiB = "
              f"{median([r for r, _ in results['jot_floor']]) / base:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
