"""Write-up step change (issue 4): a key that changes step, to the first frame of the new
step, p95 (goal <= 50 ms), against a baseline in the same run: a ContentSwitcher flipping
between two trivial Static panes on the same key.

How it is measured (Pilot's press() waits ~40 ms per key, so it is not used):
* Both apps run in-process under Textual's headless driver at 120x40. App._display, which
  the compositor calls with each frame update, is wrapped: it renders the update to the
  terminal bytes the real driver would write (render_segments) and timestamps it with
  time.perf_counter_ns(). Headless Textual stops just before writing; the wrapper does the
  rendering the real driver would do, so no work is skipped.
* A key is injected by posting events.Key straight to the app (what the driver's input
  thread does), timestamped just before. Latency = the frame after the key by which the
  new step is on screen: both the header's "step N/7" and the new pane itself (the start
  of its prompt line) have been painted, in that frame or an earlier one since the key;
  for the baseline, the pane's text. That spans key dispatch, the binding, the step change
  (ContentSwitcher, step list, focus, header), layout, compositing and rendering.
* "settled": the last frame before the app is idle again (the footer's keys, the focus
  highlight, the scroll bars): what a key typed right after the step change waits behind.
  It can include the header clock's once-a-second repaint, so read its median.
* hushpad: the real WriteupScreen on a SOAP write-up of a 12-jotting session, a real profile
  (SQLCipher in a temp dir, MemoryKeyring). Keys alternate ctrl+n through all 7 steps and
  ctrl+b back, the next key only once the app is idle again (~20 ms later).

    .venv/bin/python benchmarks/writeup_step.py [--changes 120] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import machine_line, median, percentile, table, verdict  # noqa: E402

from textual import events  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.binding import Binding  # noqa: E402
from textual.widgets import ContentSwitcher, Static  # noqa: E402

GOAL_P95_MS = 50.0
SIZE = (120, 40)
JOTTINGS = ['" cant sleep since the move', "o tired", "! denies SI/HI/SH", "> CR on catastrophizing",
            "< able to reframe", "* avoidance maintains worry", "hw sleep diary", "? ask about sister",
            "~ I felt protective", "phq9 11", "g1 + 2 nights 7 hrs", "gad7 9"]


class FrameClock:
    """Wraps App._display: each frame is rendered to bytes and timestamped."""

    def __init__(self, app: App) -> None:
        self.frames: list[tuple[int, str]] = []
        original = app._display

        def display(screen, renderable):  # noqa: ANN001, ANN202
            if renderable is not None and not app._batch_count:
                render = getattr(renderable, "render_segments", None)
                data = render(app.console) if render else str(renderable)
                self.frames.append((time.perf_counter_ns(), data))
            return original(screen, renderable)

        app._display = display

    async def latency(self, app: App, key: str, shows: "str | Callable[[], list[str]]",
                      timeout: float = 5.0) -> float:
        """ms from the key to the frame by which every text in ``shows`` has been painted
        (each in some frame since the key). A callable is asked again on each look, for a
        text the key itself sets (the review's status line)."""
        self._start_index = start_index = len(self.frames)
        self._sent = sent = time.perf_counter_ns()
        app.post_message(events.Key(key, None))
        deadline = time.monotonic() + timeout
        wanted: list[str] = []
        while time.monotonic() < deadline:
            wanted = [shows] if isinstance(shows, str) else shows()
            seen: dict[str, int] = {}
            for stamp, data in self.frames[start_index:]:
                for text in wanted:
                    if text not in seen and text in data:
                        seen[text] = stamp
                if len(seen) == len(wanted):
                    return (max(seen.values()) - sent) / 1e6
            await asyncio.sleep(0.0005)
        raise TimeoutError(f"no frames showing {wanted!r} within {timeout} s of {key}")

    def settled(self) -> float:
        """ms from the last key to the last frame so far (call once the app is idle)."""
        return (self.frames[-1][0] - self._sent) / 1e6 if len(self.frames) > self._start_index else 0.0


class Baseline(App[None]):
    BINDINGS = [Binding("ctrl+n", "flip", priority=True)]

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="a"):
            yield Static("Pane A: a trivial static pane", id="a")
            yield Static("Pane B: another trivial pane", id="b")

    def action_flip(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "b" if switcher.current == "a" else "a"


async def idle(app: App, pilot) -> None:  # noqa: ANN001
    await app.workers.wait_for_complete()
    await pilot.pause()
    await asyncio.sleep(0.02)


async def measure_baseline(changes: int) -> list[float]:
    app = Baseline()
    out: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        clock = FrameClock(app)
        await idle(app, pilot)
        for n in range(changes):
            shows = "Pane B" if n % 2 == 0 else "Pane A"
            out.append(await clock.latency(app, "ctrl+n", shows))
            await idle(app, pilot)
    return out


def make_profile(root: Path):  # noqa: ANN201
    from tui.config import Config
    from tui.services import access
    from tui.services.workspace import Workspace
    from tui.storage.keyring_access import MemoryKeyring
    from tui.storage.vault import JottingLine

    config = Config(profile_dir=root / "p", config_path=root / "p" / "config.toml", clinician_name="Bench",
                    credentials="LCSW")
    keystore = MemoryKeyring()
    opened, _ = access.initialise(config, keystore, None)
    ws = Workspace(opened, config)
    cid = ws.add_client("BENCH-01", "", "", ["Sleep 7 hours"])
    session = ws.start_session(cid)
    ws.save_jottings(session, [JottingLine(i, t) for i, t in enumerate(JOTTINGS)])
    ws.end_session(session)
    ws.close()
    return config, keystore, session.id


BY_STEP: dict[str, list[float]] = {}  # "-> 3 Objective": latencies into that step


def pane_marker(pane) -> str:  # noqa: ANN001 - a StepPane
    """The start of the pane's first prompt line: on screen once the pane is painted."""
    prompt = pane.query(".step-prompt").first()
    return str(prompt.render()).strip()[:24]


async def measure_writeup(changes: int) -> tuple[list[float], list[float]]:
    from tui.app import make_app
    from tui.screens.writeup import WriteupScreen

    with tempfile.TemporaryDirectory() as tmp:
        config, keystore, session_id = make_profile(Path(tmp))
        app = make_app(config, keystore=keystore)
        out: list[float] = []
        settled: list[float] = []
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(500):
                await idle(app, pilot)
                if app.workspace is not None and hasattr(app.screen, "open_writeup"):
                    break
            app.screen.open_writeup(session_id)
            for _ in range(500):
                await idle(app, pilot)
                if isinstance(app.screen, WriteupScreen) and app.screen.panes:
                    break
            screen = app.screen
            total = len(screen.panes)
            clock = FrameClock(app)
            forward = True
            for _ in range(changes):
                if screen.step == total - 1:
                    forward = False
                elif screen.step == 0:
                    forward = True
                target = screen.step + (1 if forward else -1)
                shows = [f"step {target + 1}/{total}", pane_marker(screen.panes[target])]
                out.append(await clock.latency(app, "ctrl+n" if forward else "ctrl+b", lambda shows=shows: shows))
                BY_STEP.setdefault(f"{'->' if forward else '<-'} {target + 1} {screen.panes[target].title}", []).append(out[-1])
                await idle(app, pilot)
                settled.append(clock.settled())
            await pilot.press("escape")
    return out, settled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    base: list[float] = []
    hush: list[float] = []
    calm: list[float] = []
    for _ in range(args.rounds):
        base += asyncio.run(measure_baseline(args.changes))
        shown, settled = asyncio.run(measure_writeup(args.changes))
        hush += shown
        calm += settled
    rows = []
    for name, values in (("baseline ContentSwitcher", base), ("hushpad write-up step", hush),
                         ("hushpad, settled (last frame)", calm)):
        rows.append((name, len(values), median(values), percentile(values, 95), max(values)))
    print(machine_line())
    print(table(("step change to first frame (ms)", "n", "median", "p95", "max"), rows))
    print()
    print(table(("by step (ms)", "n", "median", "p95", "max"),
                [(name, len(v), median(v), percentile(v, 95), max(v)) for name, v in sorted(BY_STEP.items())]))
    p95 = percentile(hush, 95)
    ratio = p95 / percentile(base, 95)
    print(f"\nwrite-up p95 {p95:.1f} ms (goal <= {GOAL_P95_MS:.0f} ms: {verdict(p95, GOAL_P95_MS)}); "
          f"{ratio:.1f}x the baseline's p95")
    return 0


if __name__ == "__main__":
    sys.exit(main())
