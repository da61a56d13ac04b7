"""Imports on the `hushpad jot CODE` path (issue 14, "import less"): one run under
`python -X importtime` through the first-paint probe of startup.py, snapshotting
sys.modules at the scratchpad's first frame (typing-ready, give or take a frame).

Lists the heaviest packages imported by then (self time, every thread: the unlock
worker's imports share the GIL with the UI thread), the top cumulative imports, and
whether modules the jotting path does not need were loaded: sqlite_utils (kept for
exports and FTS work), fpdf, fhir, pypdf, simple_icd_10_cm, markdown-it.

    .venv/bin/python benchmarks/jot_imports.py [--runs 3]

With --runs N it repeats the report N times and prints the run with the smallest total
(the machine may be shared; -X importtime figures are inflated; compare, don't add).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine_line, make_keyring_profile, secret_service, table  # noqa: E402
from startup import by_package, import_report  # noqa: E402

CODE = "DEMO-03"
NOT_NEEDED = ("sqlite_utils", "sqlite_fts4", "fpdf", "fhir", "pypdf", "simple_icd_10_cm", "markdown_it",
              "rich.markdown", "tabulate", "click", "pluggy")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"# jot imports: modules loaded by the scratchpad's first frame ({machine_line()})")
    with tempfile.TemporaryDirectory(prefix="hushpad-bench-") as tmpname, secret_service() as service:
        tmp = Path(tmpname)
        profile = make_keyring_profile(service, tmp)
        reports = []
        for _ in range(args.runs):
            rep = import_report(tmp, service.env, "jot", ["hushpad", "--profile", str(profile), "jot", CODE],
                                "saved", "ScratchpadScreen")
            before = rep["before"]
            assert isinstance(before, dict)
            reports.append((sum(s for s, _ in before.values()) / 1000, rep))
        total, rep = min(reports, key=lambda r: r[0])
        before, modules = rep["before"], rep["modules"]
        assert isinstance(before, dict) and isinstance(modules, set)
        print(f"\nbest of {len(reports)}: {len(before)} modules, {total:.0f} ms self time in all "
              f"(runs: {', '.join(f'{t:.0f}' for t, _ in reports)} ms)")
        print("\nby package (self ms):")
        print(table(("package", "modules", "self ms"), by_package(before)[:20]))
        print("\ntop cumulative imports (us, as -X importtime nests them):")
        top = sorted(before.items(), key=lambda kv: -kv[1][1])[:25]
        print(table(("module", "self ms", "cumulative ms"), [(m, s / 1000, c / 1000) for m, (s, c) in top]))
        print()
        loaded = []
        for name in NOT_NEEDED:
            hit = sorted(m for m in modules if m == name or m.startswith(name + "."))
            if hit:
                loaded.append(name)
            print(f"  {name:<17} {'LOADED (' + str(len(hit)) + ' modules)' if hit else 'not loaded'}")
        print(f"\nSUMMARY jot imports: {len(before)} modules, {total:.0f} ms self time by the scratchpad's first frame; "
              f"not-needed modules loaded: {', '.join(loaded) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
