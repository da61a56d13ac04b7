"""Keystroke latency (issue 3): key to frame in the real scratchpad, autosave on, on a
1,000-line jotting, against a plain Textual TextArea (no handlers) on the same document,
in the same run. Goal: median <= 1.1x and p99 <= 1.2x.

How it is measured (Pilot's press() waits ~40 ms per key, so it is not used):
* Each editor runs as a real app in its own pseudo-terminal (120x40). The benchmark writes
  one key byte to the pty master and notes time.monotonic_ns().
* In the child, TextArea.edit is wrapped to count edits and App._display is wrapped to
  report (edit count, time.monotonic_ns()) through a pipe each time a frame has been
  rendered and handed to the driver's writer thread. CLOCK_MONOTONIC is system-wide,
  so latency = first frame whose edit count includes this key - time the key was written.
  That spans: pty, Textual's input thread and parser, key dispatch, the edit, the
  Changed handler (autosave scheduling), layout/compositing, and rendering the update.
* Keys go one at a time, the next 30-60 ms after the previous frame (a brisk typist), so
  autosave (0.3 s after the first change, a worker thread writing the encrypted vault)
  runs for real several times a second. Text is jotting-like, with Enter every line.
* hushpad: the real ScratchpadScreen via make_app(config, keystore=MemoryKeyring, jot_code)
  on a temporary profile whose session holds 1,000 jotting lines saved through the vault.
  plain: App with one TextArea(text) (soft wrap on, the default), same text, cursor at end.
  The two alternate in rounds.

Then the effect of the two TextArea fixes in tui/widgets/jotting_editor.py: a plain
TextArea against a TextArea subclass with only those fixes (LineTrackingDocument and the
render_line that does not join the text), at 1,000 and 10,000 lines, and a cProfile of
the app's main thread while typing into a plain TextArea on the long documents.

    .venv/bin/python benchmarks/keystroke_latency.py [--keys 250] [--rounds 2] [--quick]
"""

from __future__ import annotations

import argparse
import os
import pstats
import random
import select
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    PYTHON, ROOT, PtyProcess, base_env, machine_line, median, percentile, table, verdict,
)

GOAL_MEDIAN, GOAL_P99 = 1.1, 1.2
CODE = "BENCH-01"
JOTTINGS = [
    '" been sleeping maybe 5 hrs, wake at 4',
    "o tired, flat affect, good eye contact",
    "! denies SI/HI",
    "> CR on 'I always mess up'",
    "< able to name alternative thought",
    "* avoidance keeps the worry going #avoidance",
    "hw sleep diary, 3 nights",
    "? ask about sister's visit",
    "~ I felt protective; watch rescuing",
    "g1 + two nights of 7 hrs",
    "talked about work: manager moved the deadline again, felt 'trapped'",
    "phq9 11",
]
TYPED = "o calmer today, more eye contact; c/o headaches w/ stress\r> PE on sleep hygiene, BA plan for weekend\r"


def document_lines(n: int) -> list[tuple[int, str]]:
    return [(i * 50 // n, f"{JOTTINGS[i % len(JOTTINGS)]} ({i})") for i in range(n)]


# == child side ===============================================================================
def _install_hooks(expected_lines: int) -> None:
    """Count edits, report frames through BENCH_FD, optionally cProfile the main thread."""
    from textual.app import App
    from textual.widgets import TextArea

    fd = int(os.environ["BENCH_FD"])
    state = {"edits": 0, "ready": False}
    orig_edit = TextArea.edit
    orig_display = App._display
    profile_path = os.environ.get("BENCH_CPROFILE")
    profiler = None
    if profile_path:
        import cProfile

        profiler = cProfile.Profile()

    def edit(self, edit):  # noqa: ANN001, ANN202
        state["edits"] += 1
        return orig_edit(self, edit)

    def display(self, screen, renderable):  # noqa: ANN001, ANN202
        orig_display(self, screen, renderable)
        if renderable is None:
            return
        now = time.monotonic_ns()
        if not state["ready"]:
            focused = self.focused
            if isinstance(focused, TextArea) and focused.document.line_count >= expected_lines:
                state["ready"] = True
                os.write(fd, f"ready {state['edits']} {focused.document.line_count}\n".encode())
                if profiler is not None:
                    profiler.enable()
            return
        os.write(fd, f"frame {state['edits']} {now}\n".encode())

    TextArea.edit = edit  # type: ignore[method-assign]
    App._display = display  # type: ignore[method-assign]
    if profiler is not None:
        import atexit

        def dump() -> None:
            profiler.disable()
            profiler.dump_stats(profile_path)

        atexit.register(dump)


def fixed_text_area_class():  # noqa: ANN201
    """A TextArea with only the two fixes from JottingEditor, exactly as they ship there."""
    from textual.document._document_navigator import DocumentNavigator
    from textual.widgets import TextArea

    from tui.widgets._textual_compat import LineTrackingDocument, TrackingTextArea

    class FixedTextArea(TextArea):
        def _set_document(self, text: str, language: str | None) -> None:
            super()._set_document(text, language)
            self.wrapped_document = LineTrackingDocument(self.document, tab_width=self.indent_width)
            self.navigator = DocumentNavigator(self.wrapped_document)

        is_empty = TrackingTextArea.is_empty
        render_line = TrackingTextArea.render_line

    return FixedTextArea


def child_plain(kind: str, lines: int) -> int:
    from textual.app import App, ComposeResult
    from textual.widgets import TextArea

    text = "\n".join(t for _, t in document_lines(lines))
    cls = fixed_text_area_class() if kind == "fixed" else TextArea

    class PlainApp(App[None]):
        def compose(self) -> ComposeResult:
            yield cls(text, id="editor")

        def on_mount(self) -> None:
            editor = self.query_one("#editor", TextArea)
            editor.focus()
            editor.move_cursor(editor.document.end)

    _install_hooks(lines)
    PlainApp().run()
    return 0


def child_hushpad(lines: int, workdir: Path) -> int:
    from tui.app import make_app
    from tui.config import Config
    from tui.services import access
    from tui.services.workspace import Workspace
    from tui.storage.keyring_access import MemoryKeyring
    from tui.storage.vault import JottingLine

    profile_dir = workdir / "profile"
    config = Config(profile_dir=profile_dir, config_path=profile_dir / "config.toml", clinician_name="Bench")
    keystore = MemoryKeyring()
    profile, _code = access.initialise(config, keystore, None)
    try:
        workspace = Workspace(profile, config)
        client_id = workspace.add_client(CODE, "Benchmark Client (fictional)")
        session = workspace.start_session(client_id)
        workspace.save_jottings(session, [JottingLine(m, t) for m, t in document_lines(lines)])
    finally:
        profile.close()
    _apply_variant(os.environ.get("BENCH_VARIANT", ""))
    _install_hooks(lines)
    app = make_app(config, keystore=keystore, jot_code=CODE)
    app.run()
    return 0


VARIANTS = {
    "": "hushpad scratchpad, as is",
    "status-no-layout": "experiment: status line fixed width + update(layout=False)",
    "no-status": "experiment: status line never updated",
    "no-autosave": "experiment: autosave off (attribution only)",
}


def _apply_variant(variant: str) -> None:
    """Attribution experiments: monkeypatch the scratchpad in the child only."""
    from textual.widgets import Static

    from tui.screens import scratchpad

    screen_cls = scratchpad.ScratchpadScreen
    original = screen_cls._update_status
    if variant == "no-status":
        def quiet(self, note: str = "", **kwargs: float) -> None:  # noqa: ANN001
            if not getattr(self, "_bench_status_shown", False):
                self._bench_status_shown = True
                original(self, note, **kwargs)
        screen_cls._update_status = quiet  # type: ignore[method-assign]
    elif variant == "status-no-layout":
        def fixed(self, note: str = "", **_kwargs: float) -> None:  # noqa: ANN001
            from rich.text import Text

            # opening_code: the screen takes typing before its session exists (issue 14)
            parts = [self.opening_code, f"{self._elapsed_minutes()} min", self.autosave.mark]
            if note:
                parts.append(note)
            first = not getattr(self, "_bench_status_shown", False)
            self._bench_status_shown = True
            text = "  ·  ".join(parts).ljust(60)[:60]
            self.query_one("#status", Static).update(Text(text), layout=first)
        screen_cls._update_status = fixed  # type: ignore[method-assign]
    elif variant == "no-autosave":
        screen_cls._save_due = lambda self: setattr(self, "_save_timer", None)  # type: ignore[method-assign]
    elif variant:
        raise SystemExit(f"unknown variant {variant}")


# == parent side ==============================================================================
class Run:
    """One editor in a pty, driven key by key."""

    def __init__(self, kind: str, lines: int, workdir: Path, cprofile: Path | None = None, variant: str = "") -> None:
        self.kind = kind
        rfd, wfd = os.pipe()
        env = base_env({"BENCH_FD": str(wfd), "BENCH_VARIANT": variant})
        if cprofile is not None:
            env["BENCH_CPROFILE"] = str(cprofile)
        argv = [PYTHON, __file__, "--child", kind, "--lines", str(lines), "--workdir", str(workdir)]
        self.proc = PtyProcess(argv, env=env, cwd=ROOT, pass_fds=[wfd])
        os.close(wfd)
        self.rfd = rfd
        self.buf = b""
        self.frames: list[tuple[int, int]] = []
        self.base_edits = -1

    def _pump(self, timeout: float) -> None:
        ready, _, _ = select.select([self.rfd, self.proc.fd], [], [], max(0.0, timeout))
        if self.proc.fd in ready:
            if not self.proc.pump(0):
                raise RuntimeError(f"{self.kind}: the app exited; screen tail: {self.proc.text()[-800:]!r}")
        if self.rfd in ready:
            chunk = os.read(self.rfd, 65536)
            if not chunk:
                raise RuntimeError(f"{self.kind}: frame pipe closed; screen tail: {self.proc.text()[-800:]!r}")
            self.buf += chunk
            *complete, self.buf = self.buf.split(b"\n")
            for line in complete:
                parts = line.decode().split()
                if parts[0] == "ready":
                    self.base_edits = int(parts[1])
                else:
                    self.frames.append((int(parts[1]), int(parts[2])))

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.base_edits < 0:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.kind}: editor not ready; screen tail: {self.proc.text()[-800:]!r}")
            self._pump(0.05)

    def idle(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._pump(end - time.monotonic())

    def type_keys(self, keys: str, gap: tuple[float, float], rng: random.Random) -> list[float]:
        """Latency in ms for each key."""
        latencies = []
        edits = self._edits_now()
        for ch in keys:
            edits += 1
            self.frames.clear()
            t0 = time.monotonic_ns()
            self.proc.send(ch.encode())
            deadline = time.monotonic() + 10
            hit = None
            while hit is None:
                for count, stamp in self.frames:
                    if count >= edits:
                        hit = stamp
                        break
                else:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{self.kind}: no frame for key {ch!r}")
                    self._pump(0.5)
            latencies.append((hit - t0) / 1e6)
            self.idle(rng.uniform(*gap))
        return latencies

    def _edits_now(self) -> int:
        # frames report the running edit count; before any key it is base_edits
        return max([self.base_edits] + [c for c, _ in self.frames])

    def close(self) -> None:
        self.proc.close()
        os.close(self.rfd)


def measure(kind: str, lines: int, keys: int, warmup: int, seed: int, cprofile: Path | None = None,
            variant: str = "") -> list[float]:
    rng = random.Random(seed)
    text = (TYPED * (1 + (warmup + keys) // len(TYPED)))[: warmup + keys]
    with tempfile.TemporaryDirectory(prefix="hushpad-bench-") as workdir:
        run = Run(kind, lines, Path(workdir), cprofile, variant)
        try:
            run.wait_ready()
            run.idle(1.0)
            run.type_keys(text[:warmup], (0.03, 0.06), rng)
            return run.type_keys(text[warmup:], (0.03, 0.06), rng)
        finally:
            run.close()


def stats_row(label: str, values: list[float], base: list[float] | None) -> tuple[object, ...]:
    med, p90, p99 = median(values), percentile(values, 90), percentile(values, 99)
    if base:
        return (label, len(values), med, p90, p99, max(values), f"{med / median(base):.2f}x",
                f"{p99 / percentile(base, 99):.2f}x")
    return (label, len(values), med, p90, p99, max(values), "1.00x", "1.00x")


HEADERS = ("editor", "keys", "median ms", "p90 ms", "p99 ms", "max ms", "median vs base", "p99 vs base")


def profile_summary(path: Path, keys: int) -> list[tuple[object, ...]]:
    stats = pstats.Stats(str(path))
    total = stats.total_tt  # type: ignore[attr-defined]
    wanted = {
        ("_wrapped_document.py", "height"): "WrappedDocument.height (sums every line)",
        ("_text_area.py", "text"): "TextArea.text (joins the whole document)",
        ("_document.py", "text"): "Document.text",
        ("_text_area.py", "render_line"): "TextArea.render_line",
        ("_text_area.py", "_render_line"): "TextArea._render_line",
        ("_compositor.py", "_render_chops"): "Compositor._render_chops (one per frame)",
        ("screen.py", "_refresh_layout"): "Screen._refresh_layout",
        ("jotting_editor.py", "_render_line"): "JottingEditor._render_line (gutter)",
        ("scratchpad.py", "_update_status"): "ScratchpadScreen._update_status",
        ("autosave.py", "_due"): "Autosaver._due (main thread part)",
        ("_text_area.py", "edit"): "TextArea.edit",
    }
    rows = []
    for (filename, _line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for (fname, fn), label in wanted.items():
            if filename.endswith(fname) and func == fn:
                rows.append((label, nc, nc / keys, tt * 1000 / keys, ct * 1000 / keys))
    rows.sort(key=lambda r: -float(r[4]))  # type: ignore[arg-type]
    idle = sum(tt for (fn, _l, func), (_cc, _nc, tt, _ct, _c) in stats.stats.items()  # type: ignore[attr-defined]
               if fn == "~" and ("poll" in func or "select" in func))
    rows.insert(0, ("main thread busy (wall minus epoll waits)", "", "", (total - idle) * 1000 / keys, ""))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=250, help="measured keys per editor per round")
    parser.add_argument("--warmup", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--fix-keys", type=int, default=150, help="keys per run in the fix comparison")
    parser.add_argument("--quick", action="store_true", help="fewer keys, for a smoke run")
    parser.add_argument("--no-attribution", dest="attribution", action="store_false",
                        help="skip the monkeypatched experiments that attribute the scratchpad's overhead")
    parser.add_argument("--child", choices=["hushpad", "plain", "fixed"], help=argparse.SUPPRESS)
    parser.add_argument("--lines", type=int, default=1000, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "hushpad":
        return child_hushpad(args.lines, Path(args.workdir))
    if args.child:
        return child_plain(args.child, args.lines)
    if args.quick:
        args.keys, args.warmup, args.rounds, args.fix_keys = 60, 10, 1, 40

    print(f"# keystroke latency: key to frame, in a pty ({machine_line()})")
    results: dict[str, list[float]] = {"hushpad": [], "plain": []}
    for r in range(args.rounds):
        order = ["hushpad", "plain"] if r % 2 == 0 else ["plain", "hushpad"]
        for kind in order:
            results[kind] += measure(kind, 1000, args.keys, args.warmup, seed=r)
    print("\n1,000-line jotting: real ScratchpadScreen (autosave on) vs plain TextArea, same document")
    print(table(HEADERS, [stats_row("plain TextArea (baseline)", results["plain"], None),
                          stats_row("hushpad scratchpad (JottingEditor)", results["hushpad"], results["plain"])]))

    if args.attribution:
        print("\nwhere the scratchpad's extra time goes: one more round each, monkeypatched in the child only")
        att_rows = [stats_row("plain TextArea (baseline, this round)", plain_att := measure("plain", 1000, args.keys,
                                                                                             args.warmup, seed=9), None)]
        for variant, label in VARIANTS.items():
            att_rows.append(stats_row(label, measure("hushpad", 1000, args.keys, args.warmup, seed=9, variant=variant),
                                      plain_att))
        print(table(HEADERS, att_rows))

    print("\nthe two TextArea fixes: plain TextArea vs a subclass with only the fixes")
    fix_rows = []
    fix: dict[tuple[str, int], list[float]] = {}
    for lines in (1000, 10000):
        for kind in ("plain", "fixed"):
            fix[(kind, lines)] = measure(kind, lines, args.fix_keys, args.warmup, seed=lines)
        fix_rows.append(stats_row(f"plain TextArea, {lines:,} lines", fix[("plain", lines)], None))
        fix_rows.append(stats_row(f"with the fixes, {lines:,} lines", fix[("fixed", lines)], fix[("plain", lines)]))
    print(table(HEADERS, fix_rows))

    prof_keys = max(40, args.fix_keys // 2)
    with tempfile.TemporaryDirectory(prefix="hushpad-bench-prof-") as tmp:
        for kind, lines in (("plain", 1000), ("fixed", 1000), ("hushpad", 1000), ("plain", 10000), ("fixed", 10000)):
            path = Path(tmp) / f"{kind}-{lines}.prof"
            measure(kind, lines, prof_keys, 5, seed=1, cprofile=path)
            print(f"\ncProfile, main thread, {'hushpad scratchpad' if kind == 'hushpad' else kind + ' TextArea'}, {lines:,} lines, per keystroke ({prof_keys + 5} keys, "
                  f"incl. clock/idle frames):")
            print(table(("function", "calls", "calls/key", "own ms/key", "cum ms/key"),
                        profile_summary(path, prof_keys + 5)))

    base, hush = results["plain"], results["hushpad"]
    r_med = median(hush) / median(base)
    r_p99 = percentile(hush, 99) / percentile(base, 99)
    f10 = median(fix[("plain", 10000)]) / median(fix[("fixed", 10000)])
    print()
    print(f"SUMMARY keystroke: 1,000 lines, hushpad median {median(hush):.1f} ms / p99 {percentile(hush, 99):.1f} ms vs "
          f"plain TextArea {median(base):.1f} / {percentile(base, 99):.1f} ms = median {r_med:.2f}x "
          f"(goal <= {GOAL_MEDIAN}x: {verdict(r_med, GOAL_MEDIAN)}), p99 {r_p99:.2f}x "
          f"(goal <= {GOAL_P99}x: {verdict(r_p99, GOAL_P99)}); at 10,000 lines the fixes make a plain TextArea "
          f"{f10:.1f}x faster (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
