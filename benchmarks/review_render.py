"""Review render (issue 4): showing the review of a 10-section note (a custom 10-section
template, every section filled), goal <= 100 ms, against rendering a plain Static of the
same text in the same run.

How it is measured (the frame clock of writeup_step.py: App._display wrapped to render each
frame update to terminal bytes and timestamp it; keys posted straight to the app):
* hushpad: the real WriteupScreen, a real profile (SQLCipher in a temp dir, MemoryKeyring).
  The ten sections are typed into their editors (as edits, so the draft is what the panes
  hold). From the step before the review, ctrl+n is posted; latency = the frame by which the
  header's "step N/N" and the review's status line have both been painted. That spans the
  step change plus the review itself: lint, the canonical text, the warnings list and the
  Static holding the whole note. Then ctrl+b, an edit (a few characters added to the last
  section, through its editor), and again: every timed review follows an edit, so it is
  worked out afresh (only the forward move is timed). ``--revisit`` leaves out the edit: a
  return to the review with nothing changed. Also timed alone: lint + canonical text (no UI).
* baseline: an App whose key replaces a Static's content with the same note text (as Text)
  and shows it; latency = first frame showing the text's first line.

    .venv/bin/python benchmarks/review_render.py [--renders 40] [--rounds 2] [--revisit]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import machine_line, median, percentile, table, verdict  # noqa: E402
from writeup_step import SIZE, FrameClock, idle  # noqa: E402

from rich.text import Text  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.binding import Binding  # noqa: E402
from textual.containers import VerticalScroll  # noqa: E402
from textual.widgets import Static  # noqa: E402

GOAL_MS = 100.0
TITLES = ["Presenting concerns", "History update", "Observations", "Interventions used", "Client response",
          "Clinical formulation", "Progress on goals", "Barriers", "Coordination notes", "Next steps"]
TEMPLATE = {"ten": {"name": "Ten sections", "sections": [
    {"title": t, "prompt": f"{t}.", "required": True, "feeds": ["quote"] if i == 0 else []}
    for i, t in enumerate(TITLES)]}}
PARAGRAPH = ("Client described the week in detail, with examples from work and home; we explored the "
             "pattern of avoidance and its cost, and agreed a small experiment for the coming days. ")


class Baseline(App[None]):
    BINDINGS = [Binding("ctrl+n", "show", priority=True)]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.flip = False

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("", id="body")

    def action_show(self) -> None:
        self.flip = not self.flip
        self.query_one("#body", Static).update(Text(("A " if self.flip else "B ") + self.text))


def make_profile(root: Path):  # noqa: ANN201
    from tui.config import Config
    from tui.services import access
    from tui.services.workspace import Workspace
    from tui.storage.keyring_access import MemoryKeyring
    from tui.storage.vault import JottingLine

    config = Config(profile_dir=root / "p", config_path=root / "p" / "config.toml", clinician_name="Bench",
                    credentials="LCSW", default_template="ten", templates=TEMPLATE)
    keystore = MemoryKeyring()
    opened, _ = access.initialise(config, keystore, None)
    ws = Workspace(opened, config)
    cid = ws.add_client("BENCH-01", "", "", ["Sleep 7 hours", "Fewer panic attacks"])
    session = ws.start_session(cid)
    ws.save_jottings(session, [JottingLine(0, '" cant sleep'), JottingLine(1, "! denies SI/HI/SH"),
                               JottingLine(2, "> CR"), JottingLine(3, "phq9 11"), JottingLine(4, "hw diary")])
    ws.end_session(session)
    ws.close()
    return config, keystore, session.id


async def measure_hushpad(renders: int, edit: bool = True) -> tuple[list[float], list[float], str]:
    from tui.app import make_app
    from tui.screens.writeup import WriteupScreen

    out: list[float] = []
    pure: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        config, keystore, session_id = make_profile(Path(tmp))
        app = make_app(config, keystore=keystore)
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
            from textual.widgets import TextArea

            from tui.widgets.writeup_steps import SectionPane

            editors = {pane.spec.key: pane.query_one("#section-text", TextArea) for pane in screen.query(SectionPane)}
            for i, spec in enumerate(screen.writeup.template.sections):
                editor = editors[spec.key]
                editor.replace(f"{spec.title} ({i}). " + PARAGRAPH * 3, (0, 0), editor.document.end)
            await idle(app, pilot)
            text = screen.service.render(screen.writeup)
            review = len(screen.panes) - 1
            screen._show_step(review - 1)
            await idle(app, pilot)
            clock = FrameClock(app)
            status = screen.panes[review].query_one("#review-status")

            def shows() -> list[str]:  # the status line this very review writes
                return [f"step {review + 1}/{review + 1}", str(status.render()).strip()[:24]]

            last = editors[screen.writeup.template.sections[-1].key]
            for n in range(renders):
                out.append(await clock.latency(app, "ctrl+n", shows))
                await idle(app, pilot)
                await clock.latency(app, "ctrl+b", f"step {review}/{review + 1}")
                await idle(app, pilot)
                if edit:
                    last.insert(f" {n}.", last.document.end)
                    await idle(app, pilot)
                start = time.perf_counter_ns()
                screen.service.lint(screen.writeup)
                screen.service.render(screen.writeup)
                pure.append((time.perf_counter_ns() - start) / 1e6)
            await pilot.press("escape")
    return out, pure, text


async def measure_baseline(text: str, renders: int) -> list[float]:
    app = Baseline(text)
    out: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        clock = FrameClock(app)
        await idle(app, pilot)
        for n in range(renders):
            out.append(await clock.latency(app, "ctrl+n", ("A " if n % 2 == 0 else "B ") + "PROGRESS NOTE"))
            await idle(app, pilot)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--revisit", action="store_true", help="no edit between reviews")
    args = parser.parse_args()
    hush: list[float] = []
    pure: list[float] = []
    base: list[float] = []
    text = ""
    for _ in range(args.rounds):
        h, p, text = asyncio.run(measure_hushpad(args.renders, edit=not args.revisit))
        hush += h
        pure += p
        base += asyncio.run(measure_baseline(text, args.renders))
    print(machine_line())
    print(f"note: {len(text.splitlines())} lines, {len(text)} characters, 10 template sections; "
          + ("revisits, nothing edited in between" if args.revisit else "an edit before every review"))
    rows = [(name, len(v), median(v), percentile(v, 95), max(v)) for name, v in (
        ("baseline Static, same text", base), ("hushpad review step", hush), ("lint + canonical text only", pure))]
    print(table(("render (ms)", "n", "median", "p95", "max"), rows))
    p95 = percentile(hush, 95)
    print(f"\nreview p95 {p95:.1f} ms (goal <= {GOAL_MS:.0f} ms: {verdict(p95, GOAL_MS)}); "
          f"median {median(hush) / median(base):.1f}x, p95 {p95 / percentile(base, 95):.1f}x the plain Static")
    return 0


if __name__ == "__main__":
    sys.exit(main())
