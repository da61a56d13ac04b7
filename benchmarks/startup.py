"""Start-up (issue 2): `hushpad` from spawn to first paint of the clients screen, against a
bare Textual hello world spawned in the same run. Goal: ratio of medians <= 1.25x.

Both run in a real pseudo-terminal (120x40). "First paint" is the moment the pty output
first contains the screen's text ("Clients" for hushpad, "Hello" for the baseline). The
hushpad profile's device key is in a throw-away Secret Service (gnome-keyring under a
private dbus session), so the unlock that follows first paint is the real one; the time
to "N clients." on the status line (unlocked and listed) is reported too.

Then one extra run each under `python -X importtime` with a first-paint probe lists which
imports happened before the first frame, and flags keyring, sqlite_utils, sqlcipher3 and
cryptography if any of them did (by design they load in the unlock worker, after).

    .venv/bin/python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    FLOOR_SCRUB_ENV, HUSHPAD, PYTHON, ROOT, PtyProcess, floor_app_path, hello_app_path, machine_line, make_keyring_profile, median, percentile,
    secret_service, table, verdict,
)

GOAL = 1.25
HEAVY = ("keyring", "sqlite_utils", "sqlcipher3", "cryptography")
LISTED = re.compile(r"\b\d+ clients?\b")

# Runs the real entry point with App._display wrapped. With BENCH_PROBE_OUT: at the first
# frame written for the target screen, record sys.modules and which thread imported what
# (an audit hook); used only for the import report, under -X importtime. With
# BENCH_DEFER_UNLOCK=1: an experiment that starts the unlock worker only after the first
# frame, to show what the worker's imports cost first paint.
PROBE_SOURCE = '''\
import json, os, runpy, sys, threading, time
_imported = {}
def _audit(event, args):
    if event == "import" and args[0] not in _imported:
        _imported[args[0]] = threading.current_thread().name
sys.addaudithook(_audit)
# fd 2 may be the -X importtime log file; Textual draws on sys.__stderr__, so point that at the pty.
if os.environ.get("BENCH_PROBE_OUT"):
    sys.__stderr__ = sys.stderr = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="surrogateescape")
from textual.app import App
_out, _screen = os.environ.get("BENCH_PROBE_OUT"), os.environ.get("BENCH_PROBE_SCREEN", "")
_orig = App._display
_done = []
def _display(self, screen, renderable):
    _orig(self, screen, renderable)
    if renderable is not None and not _done and (not _screen or type(self.screen).__name__ == _screen):
        _done.append(1)
        if _out:
            with open(_out, "w") as fh:
                json.dump({"t": time.monotonic(), "modules": sorted(sys.modules), "threads": dict(_imported)}, fh)
        pending = getattr(self, "_bench_pending_unlock", None)
        if pending is not None:
            self.call_later(pending, self)
App._display = _display
target = sys.argv[1]
sys.argv = sys.argv[1:]
if target == "hushpad":
    if os.environ.get("BENCH_DEFER_UNLOCK"):
        from tui.app import HushpadApp
        _unlock = HushpadApp.unlock_with_keyring
        def _deferred(self):
            if _done:
                return _unlock(self)
            self._bench_pending_unlock = _unlock
        HushpadApp.unlock_with_keyring = _deferred
    from tui.cli import main
    sys.exit(main(sys.argv[1:]))
runpy.run_path(target, run_name="__main__")
'''


def first_paint(argv: list[str], env: dict[str, str], marker: str, then: re.Pattern[str] | None = None,
                timeout: float = 30.0) -> tuple[float, float | None, int]:
    proc = PtyProcess(argv, env=env, cwd=ROOT)
    try:
        painted = proc.wait_for(marker, timeout) - proc.spawned_at
        listed = None
        if then is not None:
            listed = proc.wait_for(lambda t: then.search(t) is not None, timeout) - proc.spawned_at
    finally:
        code = proc.close()
    return painted, listed, code


def parse_importtime(path: Path) -> dict[str, tuple[int, int]]:
    """module -> (self us, cumulative us), first occurrence."""
    out: dict[str, tuple[int, int]] = {}
    for line in path.read_text(errors="replace").splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        try:
            _, rest = line.split(":", 1)
            self_us, cum_us, name = rest.split("|", 2)
            out.setdefault(name.strip(), (int(self_us), int(cum_us)))
        except ValueError:
            continue
    return out


def import_report(tmp: Path, env: dict[str, str], label: str, target: list[str], marker: str,
                  screen: str) -> dict[str, object]:
    probe = write_probe(tmp)
    out, err = tmp / f"{label}.json", tmp / f"{label}.importtime"
    penv = dict(env, BENCH_PROBE_OUT=str(out), BENCH_PROBE_SCREEN=screen)
    proc = PtyProcess([PYTHON, "-X", "importtime", str(probe), *target], env=penv, cwd=ROOT, stderr_path=err)
    try:
        proc.wait_for(marker, 60)
        proc.settle(1.0)
    finally:
        proc.close()
    snap = json.loads(out.read_text())
    modules, threads = set(snap["modules"]), snap["threads"]
    times = parse_importtime(err)
    before = {m: times.get(m, (0, 0)) for m in modules if m != "first_paint_probe"}
    after = {m: t for m, t in times.items() if m not in modules}
    return {"before": before, "after": after, "modules": modules, "threads": threads}


def write_probe(tmp: Path) -> Path:
    probe = tmp / "first_paint_probe.py"
    probe.write_text(PROBE_SOURCE)
    return probe


def by_package(entries: dict[str, tuple[int, int]]) -> list[tuple[str, int, float]]:
    groups: dict[str, list[int]] = {}
    for name, (self_us, _) in entries.items():
        top = name.split(".")[0]
        if top == "tui":
            top = ".".join(name.split(".")[:2])
        groups.setdefault(top, []).append(self_us)
    return sorted(((k, len(v), sum(v) / 1000) for k, v in groups.items()), key=lambda r: -r[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--no-experiment", dest="experiment", action="store_false",
                        help="skip the deferred-unlock experiment rows")
    parser.add_argument("--no-floor", dest="floor", action="store_false",
                        help="skip the floor rows (hello world + cryptography + sqlcipher3, with and without the "
                             "heap-scrub restart)")
    args = parser.parse_args()

    print(f"# startup: hushpad first paint vs Textual hello world ({machine_line()})")
    with tempfile.TemporaryDirectory(prefix="hushpad-bench-") as tmpname, secret_service() as service:
        tmp = Path(tmpname)
        profile = make_keyring_profile(service, tmp)
        hello = hello_app_path(tmp)
        env = service.env
        hello_argv = [PYTHON, str(hello)]
        hush_argv = [HUSHPAD, "--profile", str(profile)]

        for _ in range(args.warmup):
            first_paint(hello_argv, env, "Hello")
            first_paint(hush_argv, env, "Clients", LISTED)

        probe = write_probe(tmp)
        probe_env = dict(env, BENCH_PROBE_SCREEN="ClientsScreen")
        variants = {
            "hello": (hello_argv, env, "Hello", None),
            "hushpad": (hush_argv, env, "Clients", LISTED),
        }
        if args.floor:
            floor_argv = [PYTHON, str(floor_app_path(tmp))]
            variants["floor"] = (floor_argv, env, "Hello", None)
            variants["floor_scrub"] = (floor_argv, dict(env, **FLOOR_SCRUB_ENV), "Hello", None)
        if args.experiment:
            variants["probe"] = ([PYTHON, str(probe), "hushpad", "--profile", str(profile)], probe_env, "Clients", LISTED)
            variants["deferred"] = ([PYTHON, str(probe), "hushpad", "--profile", str(profile)],
                                    dict(probe_env, BENCH_DEFER_UNLOCK="1"), "Clients", LISTED)
        painted_t: dict[str, list[float]] = {name: [] for name in variants}
        listed_t: dict[str, list[float]] = {name: [] for name in variants}
        for i in range(args.runs):
            order = list(variants)
            if i % 2:
                order.reverse()
            for name in order:
                argv, venv, marker, then = variants[name]
                painted, listed, code = first_paint(argv, venv, marker, then)
                painted_t[name].append(painted)
                if listed is not None:
                    listed_t[name].append(listed)
                if code != 0:
                    print(f"warning: {name} exited with {code}", file=sys.stderr)
        hello_t, hush_t = painted_t["hello"], painted_t["hushpad"]

        base = median(hello_t)
        labels = [("hello world: first paint", hello_t), ("hushpad: first paint (Clients)", hush_t),
                  ("hushpad: clients listed (unlocked)", listed_t["hushpad"])]
        if args.floor:
            labels += [("floor: hello + cryptography + sqlcipher3", painted_t["floor"]),
                       ("floor + heap-scrub restart (as hushpad)", painted_t["floor_scrub"])]
        if args.experiment:
            labels += [
                ("experiment, as is: first paint", painted_t["probe"]),
                ("experiment, as is: listed", listed_t["probe"]),
                ("experiment, unlock after 1st frame: first paint", painted_t["deferred"]),
                ("experiment, unlock after 1st frame: listed", listed_t["deferred"]),
            ]
        rows = []
        for label, values in labels:
            rows.append((label, len(values), median(values) * 1000, percentile(values, 90) * 1000,
                         min(values) * 1000, max(values) * 1000, f"{median(values) / base:.2f}x"))
        print()
        print(table(("spawn to …", "n", "median ms", "p90 ms", "min ms", "max ms", "vs hello"), rows))
        if args.experiment:
            print("  (experiment rows run the same entry point through a small launcher that wraps App._display;"
                  " 'unlock after 1st frame' starts the unlock worker only once the first frame is written)")

        # -- imports on the first-paint path ------------------------------------------
        hush_rep = import_report(tmp, env, "hushpad", ["hushpad", "--profile", str(profile)], "Clients", "ClientsScreen")
        hello_rep = import_report(tmp, env, "hello", [str(hello)], "Hello", "")
        before, hello_before = hush_rep["before"], hello_rep["before"]
        assert isinstance(before, dict) and isinstance(hello_before, dict)
        total = sum(s for s, _ in before.values()) / 1000
        hello_total = sum(s for s, _ in hello_before.values()) / 1000
        extra = {m: t for m, t in before.items() if m not in hello_rep["modules"]}  # type: ignore[operator]
        print()
        print(f"imports before first paint (python -X importtime, one run each; self times):")
        print(f"  hello world: {len(hello_before)} modules, {hello_total:.0f} ms")
        print(f"  hushpad:     {len(before)} modules, {total:.0f} ms "
              f"({len(extra)} modules / {sum(s for s, _ in extra.values()) / 1000:.0f} ms more than hello world)")
        print()
        print("  modules hushpad imports before first paint that hello world does not, by package:")
        print(textwrap_indent(table(("package", "modules", "self ms"), by_package(extra)[:15]), "    "))
        threads = hush_rep["threads"]
        assert isinstance(threads, dict)
        main_extra = {m: t for m, t in extra.items() if threads.get(m, "MainThread") == "MainThread"}
        side_extra = {m: t for m, t in extra.items() if m not in main_extra}
        print(f"\n  of those, imported by the main thread (on the first-paint path): {len(main_extra)} modules, "
              f"{sum(s for s, _ in main_extra.values()) / 1000:.0f} ms: "
              + ", ".join(f"{k} {v:.0f}" for k, _, v in by_package(main_extra)[:8]))
        print(f"  imported by other threads while the first frame was being built (they share the GIL): "
              f"{len(side_extra)} modules, {sum(s for s, _ in side_extra.values()) / 1000:.0f} ms: "
              + ", ".join(f"{k} {v:.0f}" for k, _, v in by_package(side_extra)[:8])
              + "; threads: " + ", ".join(sorted({threads.get(m, "?") for m in side_extra})))
        tui_mods = sorted(m for m in before if m.startswith("tui"))
        print(f"\n  tui modules before first paint: {', '.join(tui_mods)}")
        flagged = []
        modules = hush_rep["modules"]
        after = hush_rep["after"]
        assert isinstance(after, dict)
        all_times = parse_importtime(tmp / "hushpad.importtime")
        for heavy in HEAVY:
            package_us = sum(t[0] for m, t in all_times.items() if m == heavy or m.startswith(heavy + "."))
            if heavy in modules:  # type: ignore[operator]
                flagged.append(heavy)
                state = f"BEFORE first paint, imported by thread {threads.get(heavy, '?')} (should not be)"
            else:
                state = "after first paint (good)"
            print(f"  {heavy:<13} {state}; whole package import {package_us / 1000:.0f} ms")
        print("  (-X importtime figures are inflated by the probe and by GIL sharing between threads; compare, don't add)")

        ratio = median(hush_t) / base
        floor_words = ""
        if args.floor:
            floor, scrub = median(painted_t["floor"]), median(painted_t["floor_scrub"])
            floor_words = (f"; floor (hello + cryptography + sqlcipher3) {floor * 1000:.0f} ms = {floor / base:.2f}x, "
                           f"with the heap-scrub restart {scrub * 1000:.0f} ms = {scrub / base:.2f}x; "
                           f"hushpad vs that floor {median(hush_t) / scrub:.2f}x")
        print()
        print(f"SUMMARY startup: hushpad first paint {median(hush_t) * 1000:.0f} ms (p90 {percentile(hush_t, 90) * 1000:.0f}) "
              f"vs hello world {base * 1000:.0f} ms (p90 {percentile(hello_t, 90) * 1000:.0f}) = {ratio:.2f}x "
              f"(goal <= {GOAL}x: {verdict(ratio, GOAL)}){floor_words}; clients listed at {median(listed_t['hushpad']) * 1000:.0f} ms "
              f"= {median(listed_t['hushpad']) / base:.2f}x; heavy imports before first paint: {', '.join(flagged) or 'none'}")
    return 0


def textwrap_indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


if __name__ == "__main__":
    sys.exit(main())
