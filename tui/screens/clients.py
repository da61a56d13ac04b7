"""The clients screen: who is on the caseload, and where to start a session."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from ..widgets.key_footer import KeyFooter
from ._base import HushpadScreen
from .intents import (
    OpenBeforeSession, OpenChart, OpenNotesDue, OpenScratchpad, OpenSearch, OpenWriteup, Returned, StartSession,
)

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.caseload import ClientRow
    from ..services.workspace import DiscardPlan
    from ..services.workspace import Workspace

SORTS = {
    "code": lambda c: c.code.lower(),
    "last session": lambda c: c.last_session or "",
    "notes due": lambda c: (c.overdue, c.notes_due),
    "risk": lambda c: {"high": 3, "moderate": 2, "low": 1}.get(c.risk_level, 0),
}
DESCENDING = {"last session", "notes due", "risk"}


def _risk_style(level: str | None) -> str:
    # Imported here, not at the top: score_trend brings tui.domain.measures (~9 ms), which the
    # first paint (an empty, locked list) never needs; the caseload load has imported it by now.
    from ..widgets.score_trend import RISK_STYLES

    return RISK_STYLES.get(level, "")


class ClientsScreen(HushpadScreen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        # Enter opens Before session (last plan, homework, risk; Enter there starts): a session is
        # never begun by one stray key. j starts at once, for when there is no time to look.
        Binding("enter,b", "before_session", "Before session", id="clients.before", priority=True),
        Binding("j", "jot", "Start session", id="clients.jot"),
        Binding("a", "add", "Add client", id="clients.add", show=False),
        Binding("e", "edit", "Edit client", id="clients.edit", show=False),
        Binding("space", "mark", "Mark for group", id="clients.mark", show=False),
        Binding("g", "group", "Group session", id="clients.group", show=False),
        Binding("w", "write_up", "Write up", id="clients.write_up", show=False),
        Binding("t", "chart", "Chart", id="clients.chart"),
        Binding("d", "discard", "Discard a session", id="clients.discard", show=False,
                tooltip="The client's latest unsigned session, started by mistake; asks you to type DISCARD"),
        Binding("n", "notes_due", "Notes due", id="clients.notes_due"),
        Binding("slash", "filter", "Filter", id="clients.filter", show=False),  # 100 columns: palette, f1
        Binding("s", "sort", "Sort", id="clients.sort", show=False),
        Binding("ctrl+f", "search", "Search", id="clients.search", tooltip="Search every client's signed notes"),
        Binding("x", "export", "Export record", id="clients.export", show=False),
        # The table's own Home/End scroll without moving the cursor: these move it.
        Binding("home", "first_client", "First client", id="clients.first", show=False, priority=True),
        Binding("end", "last_client", "Last client", id="clients.last", show=False, priority=True),
    ]

    class Refresh(Message):
        """Reload the list from the record."""

    def __init__(self) -> None:
        super().__init__()
        self._all: list[ClientRow] = []
        self._clients: list[ClientRow] = []
        self._marked: set[int] = set()
        self._sort = "code"
        self._said_after_load = ""
        self._stale = True  # nothing listed since the last unlock

    def compose(self) -> ComposeResult:
        with Vertical(id="clients-body"):
            yield Static("Clients", id="clients-title", classes="screen-title")
            yield Input(id="clients-filter", placeholder="filter by code or name", compact=True)
            table: DataTable[Text | str] = DataTable(id="clients-table", cursor_type="row", zebra_stripes=False)
            table.add_columns(" ", "Code", "Name", "Last session", "Notes due", "Risk", "PHQ-9", "GAD-7")
            yield table
            yield Static("Unlocking…", id="clients-status", classes="status-line", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#clients-filter").display = False
        self.query_one(DataTable).focus()
        if self.app.workspace is not None:
            self.post_message(self.Refresh())

    # -- loading -----------------------------------------------------------
    def on_clients_screen_refresh(self, _: Refresh) -> None:
        self.refresh_bindings()  # which actions are live depends on being unlocked
        if self.app.workspace is None:
            self.show_status("Locked.")
            self.query_one(DataTable).clear()
            self._all, self._clients = [], []  # the rows hold client names: not past a lock
            self._stale = True
            self._marked.clear()
            return
        self._load()

    def _load(self) -> None:
        def rows(workspace: "Workspace") -> "list[ClientRow]":
            from ..services.caseload import Caseload

            return Caseload(workspace).client_rows()

        self.run_use_case(rows, self._loaded, group="clients-load")

    def _loaded(self, clients: "list[ClientRow]") -> None:
        self._all = clients
        self._stale = False
        self._fill()
        if self._said_after_load:  # what was just done, over the usual count of clients
            self.show_status(self._said_after_load)
            self._said_after_load = ""

    def on_screen_resume(self) -> None:
        # `hushpad jot CODE` opens its session before this list ever loads: load it on the way back.
        if self.app.workspace is not None and self._stale:
            self.post_message(self.Refresh())

    def on_returned(self, message: Returned) -> None:
        """Back from a screen this one opened: what it changed shows here."""
        if isinstance(message.intent, OpenScratchpad):
            self._marked.clear()
        self.post_message(self.Refresh())

    def _fill(self) -> None:
        needle = self.query_one("#clients-filter", Input).value.strip().casefold()
        rows = [c for c in self._all if needle in c.code.casefold() or needle in c.display_name.casefold()]
        rows.sort(key=SORTS[self._sort], reverse=self._sort in DESCENDING)
        current = self._current()  # the cursor stays on this client, wherever the sort puts them
        self._clients = rows
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for client in rows:
            due = Text(str(client.notes_due) if client.notes_due else "")
            if client.overdue:
                due.append(f" ({client.overdue} overdue)", style="bold #b58a70")
            if client.open_sessions:
                due.append(" in session", style="dim")
            table.add_row(
                "•" if client.id in self._marked else " ",
                Text(client.code),  # Text, not markup: a name like "[bold]x" shows literally
                Text(client.display_name),
                client.last_session or "—",
                due,
                Text(client.risk_level or "—", style=_risk_style(client.risk_level)),
                Text(f"{client.phq9} {client.phq9_band}" if client.phq9 is not None else "—"),
                Text(f"{client.gad7} {client.gad7_band}" if client.gad7 is not None else "—"),
                key=str(client.id),
            )
        if rows:
            same = next((i for i, c in enumerate(rows) if current is not None and c.id == current.id), None)
            table.move_cursor(row=same if same is not None else min(max(cursor, 0), len(rows) - 1))
        total = len(self._all)
        shown = f"{len(rows)} of {total}" if needle else f"{total}"
        status = (f"{shown} client{'s' if total != 1 else ''}, sorted by {self._sort}." if total
                  else "No clients yet. Press a to add one.")
        workspace = self.app.workspace
        if workspace is not None and workspace.profile.warnings:
            status += f"  Note: {len(workspace.profile.warnings)} loose file permission(s) were tightened to private."
        self.show_status(status)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "clients-filter":
            self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "clients-filter":
            self._close_filter()

    def _close_filter(self) -> None:
        field = self.query_one("#clients-filter", Input)
        if not field.value:
            field.display = False
        self.query_one(DataTable).focus()

    def on_key(self, event) -> None:  # noqa: ANN001
        if event.key == "escape" and isinstance(self.focused, Input):
            event.stop()
            self._close_filter()

    def action_filter(self) -> None:
        field = self.query_one("#clients-filter", Input)
        field.display = True
        field.focus()

    def action_sort(self) -> None:
        keys = list(SORTS)
        self._sort = keys[(keys.index(self._sort) + 1) % len(keys)]
        self._fill()

    def action_chart(self) -> None:
        client = self._current()
        if client is not None:
            self.navigate(OpenChart(client.id))

    def action_before_session(self) -> None:
        client = self._current()
        if client is not None:  # Enter there starts this client's session (the navigator's part)
            self.navigate(OpenBeforeSession(client.id))

    def action_export(self) -> None:
        from .export import ExportForm  # a dialog, not a screen

        client = self._current()
        if client is not None:
            self.app.push_screen(ExportForm(client.code), lambda _: self.post_message(self.Refresh()))

    def action_notes_due(self) -> None:
        self.navigate(OpenNotesDue())

    def action_search(self) -> None:
        self.navigate(OpenSearch(None))

    def show_status(self, text: str) -> None:
        self.query_one("#clients-status", Static).update(Text(text))


    # -- actions -----------------------------------------------------------
    def _current(self) -> "ClientRow | None":
        table = self.query_one(DataTable)
        if not self._clients or table.cursor_row < 0 or table.cursor_row >= len(self._clients):
            return None
        return self._clients[table.cursor_row]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.app.workspace is None and action in (
            "jot", "add", "edit", "mark", "group", "write_up", "chart", "before_session", "notes_due", "filter",
            "sort", "search", "export", "discard",
        ):
            return False
        if action == "before_session" and isinstance(self.focused, Input):
            return False  # Enter in the filter box returns to the list instead
        if action in ("first_client", "last_client") and isinstance(self.focused, Input):
            return False  # Home/End move within the filter text there
        return True

    def action_first_client(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=0)

    def action_last_client(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)

    def action_add(self) -> None:
        from .client_form import ClientForm

        self.app.push_screen(ClientForm(None), lambda saved: saved and self.post_message(self.Refresh()))

    def action_edit(self) -> None:
        from .client_form import ClientForm

        client = self._current()
        if client is not None:
            self.app.push_screen(ClientForm(client), lambda saved: saved and self.post_message(self.Refresh()))

    def action_mark(self) -> None:
        client = self._current()
        if client is None:
            return
        self._marked ^= {client.id}
        table = self.query_one(DataTable)
        table.update_cell(str(client.id), table.ordered_columns[0].key, "•" if client.id in self._marked else " ")
        self.show_status(f"{len(self._marked)} marked for a group session. Press g to start it.")

    def action_jot(self) -> None:
        client = self._current()
        if client is not None:
            self.navigate(StartSession(client.id))

    def action_group(self) -> None:
        if len(self._marked) < 2:
            self.show_status("Mark at least two clients with space, then press g.")
            return
        self.navigate(StartSession(group=tuple(sorted(self._marked))))

    def open_writeup(self, session_id: int) -> None:
        self.navigate(OpenWriteup(session_id))

    def action_write_up(self) -> None:
        client = self._current()
        if client is None:
            return
        client_id = client.id

        def opened(session_id: int | None) -> None:
            if session_id is None:
                self.show_status("Every ended session of this client has a signed note.")
            else:
                self.open_writeup(session_id)

        self.run_use_case(lambda workspace: workspace.latest_unsigned_session(client_id), opened,
                          group="session-start")

    def action_discard(self) -> None:
        """The client's latest unsigned session (open, or ended with its draft due) was a mistake."""
        client = self._current()
        if client is None:
            return
        client_id = client.id

        def found(plan: "DiscardPlan | None") -> None:
            from .discard import DiscardDialog  # a dialog, not a screen

            if plan is None:
                self.show_status(f"{client.code} has no unsigned session to discard.")
                return
            self.app.push_screen(DiscardDialog(plan), lambda confirmed: confirmed and self._discard(plan))

        self.run_use_case(lambda workspace: workspace.discard_plan_for_client(client_id), found,
                          group="session-discard")

    def _discard(self, plan: "DiscardPlan") -> None:
        def discarded(_: object) -> None:
            self._said_after_load = f"Session of {', '.join(plan.codes)} discarded; nothing of it stays due."
            self._load()

        self.run_use_case(lambda workspace: workspace.discard_session(plan.session_ids[0],
                                                                      destroying=plan.jotting_lines),
                          discarded, group="session-discard")

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # a click on the highlighted row: as Enter
        self.action_before_session()
