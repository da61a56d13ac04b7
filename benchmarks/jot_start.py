"""Jot start (issue 3): `hushpad jot CODE`, from spawn to a typing-ready scratchpad, against
a bare Textual hello world's first paint in the same run. Goal: ratio of medians <= 1.5x.

Both run in a real pseudo-terminal (120x40). Typing-ready is the first moment the pty
output shows the scratchpad's status line with the client code and "saved" (the screen
focuses the editor before it writes that line). Since issue 14 the scratchpad takes typing
before that ("opening…" until the vault is open): the first-frame row is that moment. The profile's device key is in a
throw-away Secret Service (gnome-keyring under a private dbus session), so the unlock
on the way is the real one. The first run opens the session; later runs resume it
(the realistic case after a crash or `f10`), and a warm-up run absorbs the difference.

    .venv/bin/python benchmarks/jot_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    FLOOR_SCRUB_ENV, HUSHPAD, PYTHON, ROOT, PtyProcess, floor_app_path, hello_app_path, jot_floor_app_path,
    machine_line,
    make_keyring_profile, median, percentile, secret_service, table, verdict,
)

GOAL = 1.5
CODE = "DEMO-03"
READY = re.compile(re.escape(CODE) + r"\s*·\s*\d+ min\s*·\s*saved")
# The first frame: the scratchpad, already taking typing ("opening…" until the vault is open,
# issue 14), or the clients list (a Hushpad from before that).
TAKES_TYPING = re.compile(re.escape(CODE) + r"\s*·\s*\d+ min\s*·\s*(opening…|saved)")


def first_frame(text: str) -> bool:
    return "Clients" in text or TAKES_TYPING.search(text) is not None


def timed(argv: list[str], env: dict[str, str], ready: str | re.Pattern[str],
          first: str | Callable[[str], bool] | None = None) -> tuple[float, float | None]:
    proc = PtyProcess(argv, env=env, cwd=ROOT)
    try:
        painted = None
        if first is not None:
            painted = proc.wait_for(first, 30) - proc.spawned_at
        if isinstance(ready, str):
            done = proc.wait_for(ready, 30)
        else:
            done = proc.wait_for(lambda t: ready.search(t) is not None, 30)
    finally:
        code = proc.close()
    if code != 0:
        print(f"warning: {argv[0]} exited with {code}", file=sys.stderr)
    return done - proc.spawned_at, painted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--no-floor", dest="floor", action="store_false",
                        help="skip the floor row (hello world + cryptography + sqlcipher3 + the heap-scrub restart)")
    args = parser.parse_args()

    print(f"# jot start: `hushpad jot {CODE}` to typing-ready vs hello world first paint ({machine_line()})")
    with tempfile.TemporaryDirectory(prefix="hushpad-bench-") as tmpname, secret_service() as service:
        tmp = Path(tmpname)
        profile = make_keyring_profile(service, tmp)
        hello = [PYTHON, str(hello_app_path(tmp))]
        jot = [HUSHPAD, "--profile", str(profile), "jot", CODE]
        env = service.env
        for _ in range(args.warmup):
            timed(hello, env, "Hello")
            timed(jot, env, READY, first_frame)
        floor = [PYTHON, str(floor_app_path(tmp))]
        floor_env = dict(env, **FLOOR_SCRUB_ENV)
        jot_floor = [PYTHON, str(jot_floor_app_path(tmp, service)), str(tmp / "jot-floor.db")]
        for _ in range(args.warmup):
            timed(jot_floor, floor_env, "saved", "opening")
        hello_t: list[float] = []
        floor_t: list[float] = []
        jot_floor_t: list[float] = []
        jot_floor_paint: list[float] = []
        jot_t: list[float] = []
        jot_paint: list[float] = []
        names = ("hello", "jot", "floor", "jot-floor") if args.floor else ("hello", "jot")
        for i in range(args.runs):
            for name in (names if i % 2 == 0 else names[::-1]):
                if name == "hello":
                    hello_t.append(timed(hello, env, "Hello")[0])
                elif name == "floor":
                    floor_t.append(timed(floor, floor_env, "Hello")[0])
                elif name == "jot-floor":
                    ready_at, painted = timed(jot_floor, floor_env, "saved", "opening")
                    jot_floor_t.append(ready_at)
                    jot_floor_paint.append(painted or ready_at)
                else:
                    ready_at, painted = timed(jot, env, READY, first_frame)
                    jot_t.append(ready_at)
                    assert painted is not None
                    jot_paint.append(painted)
        base = median(hello_t)
        rows = [(label, len(v), median(v) * 1000, percentile(v, 90) * 1000, min(v) * 1000, max(v) * 1000,
                 f"{median(v) / base:.2f}x")
                for label, v in (("hello world: first paint", hello_t),
                                 ("hushpad jot: first frame (scratchpad takes typing)", jot_paint),
                                 ("hushpad jot: scratchpad typing-ready", jot_t),
                                 ("floor: hello + cryptography + sqlcipher3 + heap-scrub restart", floor_t),
                                 ("jot floor: TextArea app, first frame", jot_floor_paint),
                                 ("jot floor: + key read + one SQLCipher commit, 'saved'", jot_floor_t))
                 if v]
        print()
        print(table(("spawn to …", "n", "median ms", "p90 ms", "min ms", "max ms", "vs hello"), rows))
        ratio = median(jot_t) / base
        print()
        print(f"SUMMARY jot start: typing-ready {median(jot_t) * 1000:.0f} ms (p90 {percentile(jot_t, 90) * 1000:.0f}) vs "
              f"hello world {base * 1000:.0f} ms (p90 {percentile(hello_t, 90) * 1000:.0f}) = {ratio:.2f}x "
              f"(goal <= {GOAL}x: {verdict(ratio, GOAL)})"
              + (f"; floor {median(floor_t) * 1000:.0f} ms = {median(floor_t) / base:.2f}x, typing-ready vs floor "
                 f"{median(jot_t) / median(floor_t):.2f}x" if floor_t else "")
              + (f"; jot floor (TextArea, key read, one SQLCipher commit) first frame "
                 f"{median(jot_floor_paint) / base:.2f}x, saved {median(jot_floor_t) * 1000:.0f} ms = "
                 f"{median(jot_floor_t) / base:.2f}x; hushpad first frame vs jot floor's "
                 f"{median(jot_paint) / median(jot_floor_paint):.2f}x, saved vs jot floor's "
                 f"{median(jot_t) / median(jot_floor_t):.2f}x" if jot_floor_t else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
