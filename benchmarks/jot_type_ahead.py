"""Jot type-ahead (issue 14, 'Overlap instead of waiting'): `hushpad jot CODE`, from spawn to the
scratchpad taking typing (its status line drawn, "opening…" while the keyring and the vault are
still on their way, or already "saved"), and to "saved" (vault open, session row there), against
a bare Textual hello world's first paint in the same run. Same pty, profile and real Secret
Service as jot_start.py (whose typing-ready is the "saved" moment).

    .venv/bin/python benchmarks/jot_type_ahead.py [--runs 15]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402
from _common import (  # noqa: E402
    PYTHON, hello_app_path, machine_line, make_keyring_profile, median, percentile, secret_service, table,
)
from jot_start import CODE, READY, timed  # noqa: E402

TAKES_TYPING = re.compile(re.escape(CODE) + r"\s*·\s*\d+ min\s*·\s*(opening…|saved)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--hushpad", default=_common.HUSHPAD, help="the hushpad command to time")
    args = parser.parse_args()
    _common.HUSHPAD = args.hushpad  # make_keyring_profile runs `hushpad init` with it

    print(f"# jot type-ahead: `hushpad jot {CODE}` ({machine_line()})")
    with tempfile.TemporaryDirectory(prefix="hushpad-bench-") as tmpname, secret_service() as service:
        tmp = Path(tmpname)
        profile = make_keyring_profile(service, tmp)
        hello = [PYTHON, str(hello_app_path(tmp))]
        jot = [args.hushpad, "--profile", str(profile), "jot", CODE]
        env = service.env
        takes = lambda t: TAKES_TYPING.search(t) is not None  # noqa: E731
        for _ in range(args.warmup):
            timed(hello, env, "Hello")
            timed(jot, env, READY, takes)
        hello_t: list[float] = []
        typing_t: list[float] = []
        saved_t: list[float] = []
        for i in range(args.runs):
            for name in (("hello", "jot") if i % 2 == 0 else ("jot", "hello")):
                if name == "hello":
                    hello_t.append(timed(hello, env, "Hello")[0])
                else:
                    saved_at, typing_at = timed(jot, env, READY, takes)
                    assert typing_at is not None
                    saved_t.append(saved_at)
                    typing_t.append(typing_at)
        base = median(hello_t)
        rows = [(label, len(v), median(v) * 1000, percentile(v, 90) * 1000, min(v) * 1000, max(v) * 1000,
                 f"{median(v) / base:.2f}x")
                for label, v in (("hello world: first paint", hello_t),
                                 ("hushpad jot: scratchpad takes typing", typing_t),
                                 ("hushpad jot: saved (vault open, session row)", saved_t))]
        print()
        print(table(("spawn to …", "n", "median ms", "p90 ms", "min ms", "max ms", "vs hello"), rows))
        print()
        print(f"SUMMARY jot type-ahead: takes typing {median(typing_t) * 1000:.0f} ms ({median(typing_t) / base:.2f}x), "
              f"saved {median(saved_t) * 1000:.0f} ms ({median(saved_t) / base:.2f}x), "
              f"hello world {base * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
