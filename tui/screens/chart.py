"""A client's chart: header, score trends, risk history and every session, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static
from textual.worker import get_current_worker

from ..widgets.key_footer import KeyFooter
from ..widgets.row_list import RowList
from ..services.chart import CHART_FIRST_PAGE
from ..widgets.score_trend import RISK_STYLES, ScoreTrend
from ._base import HushpadScreen
from .intents import (
    OpenBeforeSession, OpenNote, OpenPrivateJottings, OpenSearch, OpenTreatmentPlan, OpenWriteup, Returned,
)

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.chart import Chart, TimelineRow
    from ..services.workspace import Workspace

STATUS_STYLE = {"no note": "dim", "draft": "#b39a6b", "signed": "", "late entry": "#b58a70", "addended": "#8fa3b0",
                "INVALID": "bold reverse"}
# "Note" is the note id `hushpad export note ID` takes (issue 12 item 1); "#" is the session number.
COLUMNS = f"{'Date':<11}{'#':>5}{'Note':>6}  {'Template':<10}{'Status':<11}{'Risk':<9}{'PHQ':>4}{'GAD':>5}  Assessment"


def timeline_row(row: "TimelineRow") -> Text:
    note = row.note_id if row.note_id is not None and row.status not in ("no note", "draft") else "—"
    text = Text(f"{row.date:<11}{row.number:>5}{note:>6}  {row.template or '—':<10}")
    text.append(f"{row.status:<11}", style=STATUS_STYLE.get(row.status, ""))
    text.append(f"{row.risk or '—':<9}", style=RISK_STYLES.get(row.risk, ""))
    text.append(f"{'' if row.phq9 is None else row.phq9:>4}{'' if row.gad7 is None else row.gad7:>5}  ")
    text.append(row.summary)  # plain Text: a summary with [markup] shows literally
    return text


class ChartScreen(HushpadScreen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_note", "Open note", id="chart.open_note", priority=True),
        Binding("j", "private_jottings", "Private jottings", id="chart.private", show=False),
        Binding("b", "before_session", "Before session", id="chart.before"),
        # Short in the footer, which must fit 100 columns with Export in it; the palette says it in full.
        Binding("p", "plan", "Plan", id="chart.plan", tooltip="Open the treatment plan"),
        Binding("slash", "search", "Search", id="chart.search"),
        Binding("w", "write_up", "Write up", id="chart.write_up", show=False),  # 100 columns: palette, f1
        Binding("x", "export", "Export", id="chart.export",
                tooltip="Export the clinical record (records request: md, json, pdf, fhir)"),
        Binding("escape", "back", "Back", id="chart.back"),
    ]

    def __init__(self, client_id: int) -> None:
        super().__init__()
        self.client_id = client_id
        self.chart: Chart | None = None
        self.invalid: dict[int, list[str]] = {}  # note id: why its signature fails (the one verify)
        self.record_problems: list[str] = []
        self._header = Text("")

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="chart-header", markup=False)
        yield ScoreTrend("phq9", [], id="trend-phq9")
        yield ScoreTrend("gad7", [], id="trend-gad7")
        # PCL-5 and the C-SSRS screener: a line each once given (most clients never are).
        for instrument in ("pcl5", "cssrs"):
            trend = ScoreTrend(instrument, [], id=f"trend-{instrument}")
            trend.display = False
            yield trend
        custom = Static("", id="chart-custom", markup=False)  # custom scales, in words; once given
        custom.display = False
        yield custom
        yield Static("", id="chart-risk", markup=False)
        yield Static(Text(COLUMNS, style="dim"), id="chart-columns")
        yield RowList(timeline_row, empty="No sessions yet. Press Esc, then Enter on the client to start one.",
                      id="chart-sessions")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(RowList).focus()
        self.load()

    def load(self) -> None:
        """The newest page first, so the chart draws at once whatever the client's history; then
        every session (at 10,000 sessions that takes a few hundred ms, off screen)."""
        shown = self.chart
        # A reload (back from a note) of a long list keeps the whole list, and the cursor on it,
        # until the whole list is read again, rather than clamping to the first page.
        whole = shown is not None and shown.complete and len(shown.sessions) > CHART_FIRST_PAGE
        self._read(None if whole else CHART_FIRST_PAGE)

    def _read(self, limit: int | None) -> None:
        client_id = self.client_id

        def read(workspace: "Workspace") -> "Chart":
            from ..services.chart import ClientChart

            return ClientChart(workspace).chart(client_id, **({} if limit is None else {"limit": limit}))

        self.run_use_case(read, self._loaded, group="chart-load")

    def show_status(self, text: str) -> None:
        self.query_one("#chart-header", Static).update(Text(text))

    def on_returned(self, message: Returned) -> None:
        if isinstance(message.intent, (OpenNote, OpenWriteup, OpenTreatmentPlan)):
            self.load()  # a note signed, an addendum, a plan edit: show it

    def _loaded(self, chart: "Chart") -> None:
        self.chart = chart
        if not chart.complete:
            # Read the rest once the first page is on screen: reading 10,000 rows holds the GIL
            # often enough to delay that first frame (p95 660 ms before this wait).
            self.call_after_refresh(self._read, None)
        client = chart.client
        parts = [client["code"]]
        if client["display_name"]:
            parts.append(client["display_name"])
        if chart.age is not None:
            parts.append(f"{chart.age} y")
        header = Text("  ·  ".join(parts), style="bold")
        goals = [f"{g['ordinal']}. {g['description']}" for g in chart.goals]
        if chart.diagnoses:
            header.append("\nDiagnoses: " + "; ".join(chart.diagnoses), style="dim")
        header.append("\nGoals: " + ("   ".join(goals) if goals else "none yet (p opens the treatment plan)"), style="dim")
        if chart.plan_status:
            header.append("\n" + chart.plan_status, style="dim")
        self._header = header
        self._show_header()
        self.query_one("#trend-phq9", ScoreTrend).set_scores(chart.phq9)
        self.query_one("#trend-gad7", ScoreTrend).set_scores(chart.gad7)
        for instrument, scores in (("pcl5", chart.pcl5), ("cssrs", chart.cssrs)):
            trend = self.query_one(f"#trend-{instrument}", ScoreTrend)
            trend.set_scores(scores)
            trend.display = bool(scores)
        custom = self.query_one("#chart-custom", Static)
        custom.update(Text("\n".join(t.words for t in chart.custom)))
        custom.display = bool(chart.custom)
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
        self.query_one(RowList).set_rows(self._flagged(chart.sessions), keep_cursor=True)
        if chart.complete:
            self._check()
        if chart.complete and len(chart.sessions) > CHART_FIRST_PAGE:
            from ..heap import HEAP

            # A long history is loaded: out of the collector's way, so full collections (100+ ms
            # with this heap) stop stalling page-down. Thawed when the chart closes.
            HEAP.freeze(self)

    def _check(self) -> None:
        """Doctor's checks for this client, after the list is drawn (they read every note)."""
        client_id = self.client_id

        def check(workspace: "Workspace") -> "tuple[dict[int, list[str]], list[str]]":
            from ..services.chart import ClientChart

            worker = get_current_worker()  # cancelled when this screen unmounts: the check stops then
            return ClientChart(workspace).integrity(client_id, stop=lambda: worker.is_cancelled)

        self.run_use_case(check, self._checked, group="chart-integrity")

    def _checked(self, found: "tuple[dict[int, list[str]], list[str]]") -> None:
        self.invalid, self.record_problems = found
        self._show_header()
        if self.chart is not None:
            self.query_one(RowList).set_rows(self._flagged(self.chart.sessions), keep_cursor=True)

    def _flagged(self, rows: "list[TimelineRow]") -> "list[TimelineRow]":
        if not self.invalid:
            return rows
        return [r._replace(status="INVALID") if r.note_id in self.invalid else r for r in rows]

    def _show_header(self) -> None:
        header = self._header.copy()
        if self.invalid:
            header.append(f"\nSIGNATURE INVALID: {len(self.invalid)} note(s) here fail verification "
                          "(open one to see why). The record may have been altered outside Hushpad.", style="bold")
        for problem in self.record_problems:
            header.append(f"\nRECORD ALTERED: {problem}", style="bold")
        self.query_one("#chart-header", Static).update(header)

    def on_unmount(self) -> None:
        from ..heap import HEAP

        HEAP.thaw(self)

    def _row(self) -> "TimelineRow | None":
        return self.query_one(RowList).current

    @on(RowList.Chosen)
    def _chosen(self, event: RowList.Chosen) -> None:
        event.stop()
        self.action_open_note()

    def action_open_note(self) -> None:
        row = self._row()
        if row is None:
            return
        if row.note_id is None or row.status in ("no note", "draft"):
            self.action_write_up()
            return
        self.navigate(OpenNote(row.note_id))

    def action_write_up(self) -> None:
        row = self._row()
        if row is not None and row.status in ("no note", "draft"):
            self.navigate(OpenWriteup(row.session_id))

    def action_private_jottings(self) -> None:
        row = self._row()
        if row is not None:
            self.navigate(OpenPrivateJottings(row.session_id, row.date))

    def action_before_session(self) -> None:
        self.navigate(OpenBeforeSession(self.client_id))

    def action_plan(self) -> None:
        self.navigate(OpenTreatmentPlan(self.client_id))

    def action_search(self) -> None:
        self.navigate(OpenSearch(self.client_id))

    def action_export(self) -> None:
        from .export import ExportForm  # a dialog, not a screen

        if self.chart is not None:
            self.app.push_screen(ExportForm(self.chart.client["code"]))

    def action_back(self) -> None:
        self.dismiss(None)
