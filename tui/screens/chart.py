"""A client's chart: header, score trends, risk history and every session, newest first."""

from __future__ import annotations

import gc
import threading
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from ..widgets.key_footer import KeyFooter
from ..widgets.row_list import RowList
from ..services.chart import CHART_FIRST_PAGE
from ..widgets.score_trend import RISK_STYLES, ScoreTrend

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.chart import Chart, TimelineRow

STATUS_STYLE = {"no note": "dim", "draft": "#b39a6b", "signed": "", "late entry": "#b58a70", "addended": "#8fa3b0"}
COLUMNS = f"{'Date':<11}{'#':>5}  {'Template':<10}{'Status':<11}{'Risk':<9}{'PHQ':>4}{'GAD':>5}  Assessment"


def timeline_row(row: "TimelineRow") -> Text:
    text = Text(f"{row.date:<11}{row.number:>5}  {row.template or '—':<10}")
    text.append(f"{row.status:<11}", style=STATUS_STYLE.get(row.status, ""))
    text.append(f"{row.risk or '—':<9}", style=RISK_STYLES.get(row.risk, ""))
    text.append(f"{'' if row.phq9 is None else row.phq9:>4}{'' if row.gad7 is None else row.gad7:>5}  ")
    text.append(row.summary)  # plain Text: a summary with [markup] shows literally
    return text


class ChartScreen(Screen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_note", "Open note", id="chart.open_note", priority=True),
        Binding("j", "private_jottings", "Private jottings", id="chart.private"),
        Binding("b", "before_session", "Before session", id="chart.before"),
        Binding("p", "plan", "Treatment plan", id="chart.plan"),
        Binding("slash", "search", "Search", id="chart.search"),
        Binding("w", "write_up", "Write up", id="chart.write_up"),
        Binding("x", "export", "Export record", id="chart.export"),
        Binding("escape", "back", "Back", id="chart.back"),
    ]

    class Loaded(Message):
        def __init__(self, chart: "Chart") -> None:
            super().__init__()
            self.chart = chart

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, client_id: int) -> None:
        super().__init__()
        self.client_id = client_id
        self.chart: Chart | None = None
        self._frozen = False
        self._first_drawn = threading.Event()

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="chart-header", markup=False)
        yield ScoreTrend("phq9", [], id="trend-phq9")
        yield ScoreTrend("gad7", [], id="trend-gad7")
        yield Static("", id="chart-risk", markup=False)
        yield Static(Text(COLUMNS, style="dim"), id="chart-columns")
        yield RowList(timeline_row, empty="No sessions yet. Press Esc, then Enter on the client to start one.",
                      id="chart-sessions")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(RowList).focus()
        self.load()

    @work(thread=True, exclusive=True, group="chart-load")
    def load(self) -> None:
        from ..services.chart import ClientChart
        from ..errors import HushpadError

        workspace = self.app.workspace
        if workspace is None:
            return
        timeline = ClientChart(workspace)
        try:
            # The newest page first, so the chart draws at once whatever the client's history;
            # then every session (at 10,000 sessions that takes a few hundred ms, off screen).
            shown = self.chart
            if shown is not None and shown.complete and len(shown.sessions) > CHART_FIRST_PAGE:
                # A reload (back from a note): keep the whole list, and the cursor on it, until
                # the whole list is read again, rather than clamping to the first page.
                self.post_message(self.Loaded(timeline.chart(self.client_id)))
                return
            first = timeline.chart(self.client_id, limit=CHART_FIRST_PAGE)
            self._first_drawn.clear()
            self.post_message(self.Loaded(first))
            if not first.complete:
                # Read the rest once the first page is on screen: reading 10,000 rows here holds
                # the GIL often enough to delay that first frame (p95 660 ms before this wait).
                self._first_drawn.wait(timeout=2.0)
                self.post_message(self.Loaded(timeline.chart(self.client_id)))
        except HushpadError as exc:
            self.post_message(self.Failed(str(exc)))

    def on_chart_screen_failed(self, message: Failed) -> None:
        self.query_one("#chart-header", Static).update(Text(message.text))

    def on_chart_screen_loaded(self, message: Loaded) -> None:
        chart = self.chart = message.chart
        client = chart.client
        parts = [client["code"]]
        if client["display_name"]:
            parts.append(client["display_name"])
        if chart.age is not None:
            parts.append(f"{chart.age} y")
        header = Text("  ·  ".join(parts), style="bold")
        goals = [f"{g['ordinal']}. {g['description']}" for g in chart.goals]
        header.append("\nGoals: " + ("   ".join(goals) if goals else "none yet (p opens the treatment plan)"), style="dim")
        self.query_one("#chart-header", Static).update(header)
        self.query_one("#trend-phq9", ScoreTrend).set_scores(chart.phq9)
        self.query_one("#trend-gad7", ScoreTrend).set_scores(chart.gad7)
        risk = Text("Risk   ")
        if chart.risk:
            # In words, not a letter strip: the latest level and how the levels ran.
            day, level = chart.risk[-1]
            risk.append(f"latest {level or 'level not stated'} on {day}", style=RISK_STYLES.get(level, ""))
            counts = {name: sum(1 for _, lv in chart.risk if lv == name) for name in ("high", "moderate", "low")}
            ran = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
            risk.append(f"; {len(chart.risk)} assessment{'s' if len(chart.risk) != 1 else ''}"
                        + (f" ({ran})" if ran else ""), style="dim")
        else:
            risk.append("no risk assessments yet", style="dim")
        self.query_one("#chart-risk", Static).update(risk)
        self.query_one(RowList).set_rows(chart.sessions, keep_cursor=True)
        self.call_after_refresh(self._first_drawn.set)
        if chart.complete and len(chart.sessions) > CHART_FIRST_PAGE and not self._frozen:
            # A long history is loaded: move what is alive now out of the collector's way, so
            # full collections (100+ ms with this heap) stop stalling page-down. Undone on unmount.
            gc.freeze()
            self._frozen = True

    def on_unmount(self) -> None:
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def _row(self) -> "TimelineRow | None":
        return self.query_one(RowList).current

    @on(RowList.Chosen)
    def _chosen(self, event: RowList.Chosen) -> None:
        event.stop()
        self.action_open_note()

    def action_open_note(self) -> None:
        from .note_view import NoteViewScreen

        row = self._row()
        if row is None:
            return
        if row.note_id is None or row.status in ("no note", "draft"):
            self.action_write_up()
            return
        self.app.push_screen(NoteViewScreen(row.note_id), lambda _: self.load())

    def action_write_up(self) -> None:
        from .writeup import WriteupScreen

        row = self._row()
        if row is not None and row.status in ("no note", "draft"):
            self.app.push_screen(WriteupScreen(row.session_id), lambda _: self.load())

    def action_private_jottings(self) -> None:
        from .private_jottings import PrivateJottingsScreen

        row = self._row()
        if row is not None:
            self.app.push_screen(PrivateJottingsScreen(row.session_id, row.date))

    def action_before_session(self) -> None:
        from .before_session import BeforeSessionScreen

        self.app.push_screen(BeforeSessionScreen(self.client_id))

    def action_plan(self) -> None:
        from .treatment_plan import TreatmentPlanScreen

        self.app.push_screen(TreatmentPlanScreen(self.client_id), lambda _: self.load())

    def action_search(self) -> None:
        from .search import SearchScreen

        self.app.push_screen(SearchScreen(self.client_id))

    def action_export(self) -> None:
        from .export import ExportForm

        if self.chart is not None:
            self.app.push_screen(ExportForm(self.chart.client["code"]))

    def action_back(self) -> None:
        self.dismiss(None)
