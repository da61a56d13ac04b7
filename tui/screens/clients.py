"""The clients screen: who is on the caseload, and where to start a session."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from ..widgets.key_footer import KeyFooter
from ..widgets.score_trend import RISK_STYLES
if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.caseload import ClientRow
    from ..services.workspace import ScratchpadStart

SORTS = {
    "code": lambda c: c.code.lower(),
    "last session": lambda c: c.last_session or "",
    "notes due": lambda c: (c.overdue, c.notes_due),
    "risk": lambda c: {"high": 3, "moderate": 2, "low": 1}.get(c.risk_level, 0),
}
DESCENDING = {"last session", "notes due", "risk"}


class ClientsScreen(Screen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "jot", "Start session", id="clients.jot", priority=True),
        Binding("a", "add", "Add client", id="clients.add"),
        Binding("e", "edit", "Edit client", id="clients.edit"),
        Binding("space", "mark", "Mark for group", id="clients.mark"),
        Binding("g", "group", "Group session", id="clients.group"),
        Binding("w", "write_up", "Write up", id="clients.write_up"),
        Binding("t", "chart", "Chart", id="clients.chart"),
        Binding("b", "before_session", "Before session", id="clients.before"),
        Binding("n", "notes_due", "Notes due", id="clients.notes_due"),
        Binding("slash", "filter", "Filter", id="clients.filter"),
        Binding("s", "sort", "Sort", id="clients.sort"),
        Binding("ctrl+f", "search", "Search notes", id="clients.search"),
        Binding("x", "export", "Export record", id="clients.export"),
        # The table's own Home/End scroll without moving the cursor: these move it.
        Binding("home", "first_client", "First client", id="clients.first", show=False, priority=True),
        Binding("end", "last_client", "Last client", id="clients.last", show=False, priority=True),
    ]

    class Refresh(Message):
        """Reload the list from the record."""

    class Loaded(Message):
        def __init__(self, clients: list["ClientRow"]) -> None:
            super().__init__()
            self.clients = clients

    class Problem(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class SessionReady(Message):
        def __init__(self, start: "ScratchpadStart") -> None:
            super().__init__()
            self.start = start

    def __init__(self) -> None:
        super().__init__()
        self._all: list[ClientRow] = []
        self._clients: list[ClientRow] = []
        self._marked: set[int] = set()
        self._sort = "code"

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
            self._set_status("Locked.")
            self.query_one(DataTable).clear()
            self._all, self._clients = [], []  # the rows hold client names: not past a lock
            self._marked.clear()
            return
        self._load()

    @work(thread=True, exclusive=True, group="clients-load")
    def _load(self) -> None:
        workspace = self.app.workspace
        if workspace is None:
            return
        from ..services.caseload import Caseload

        self.post_message(self.Loaded(Caseload(workspace).client_rows()))

    def on_clients_screen_loaded(self, message: Loaded) -> None:
        self._all = message.clients
        self._fill()

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
                Text(client.risk_level or "—", style=RISK_STYLES.get(client.risk_level, "")),
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
        self._set_status(status)

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

    def _open_for_current(self, make) -> None:  # noqa: ANN001
        client = self._current()
        if client is not None:
            self.app.push_screen(make(client), lambda _: self.post_message(self.Refresh()))

    def action_chart(self) -> None:
        from .chart import ChartScreen

        self._open_for_current(lambda c: ChartScreen(c.id))

    def action_before_session(self) -> None:
        from .before_session import BeforeSessionScreen

        client = self._current()
        if client is None:
            return

        def closed(result: "str | None") -> None:
            self.post_message(self.Refresh())
            if result == "start":  # Enter on Before session starts this client's session
                self._start_session(client.id)

        self.app.push_screen(BeforeSessionScreen(client.id), closed)

    def action_export(self) -> None:
        from .export import ExportForm

        self._open_for_current(lambda c: ExportForm(c.code))

    def action_notes_due(self) -> None:
        from .notes_due import NotesDueScreen

        self.app.push_screen(NotesDueScreen(), lambda _: self.post_message(self.Refresh()))

    def action_search(self) -> None:
        from .search import SearchScreen

        self.app.push_screen(SearchScreen(None))

    def on_clients_screen_problem(self, message: Problem) -> None:
        self._set_status(message.text)

    def _set_status(self, text: str) -> None:
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
            "sort", "search", "export",
        ):
            return False
        if action == "jot" and isinstance(self.focused, Input):
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
        self._set_status(f"{len(self._marked)} marked for a group session. Press g to start it.")

    def action_jot(self) -> None:
        client = self._current()
        if client is not None:
            self._start_session(client.id)

    def open_session_for_code(self, code: str) -> None:
        for client in self._clients:
            if client.code.lower() == code.lower():
                self._start_session(client.id)
                return
        self._find_and_start(code)

    @work(thread=True, exclusive=True, group="session-start")
    def _find_and_start(self, code: str) -> None:
        from ..errors import HushpadError

        workspace = self.app.workspace
        if workspace is None:
            return
        try:
            client = workspace.client_by_code(code)
            self.post_message(self.SessionReady(workspace.open_scratchpad(workspace.start_session(client["id"]))))
        except HushpadError as exc:
            self.app.call_from_thread(self.app.startup_failed, str(exc))

    @work(thread=True, exclusive=True, group="session-start")
    def _start_session(self, client_id: int) -> None:
        from ..errors import HushpadError

        workspace = self.app.workspace
        if workspace is None:
            return
        try:
            self.post_message(self.SessionReady(workspace.open_scratchpad(workspace.start_session(client_id))))
        except HushpadError as exc:
            self.post_message(self.Problem(str(exc)))

    def action_group(self) -> None:
        if len(self._marked) < 2:
            self._set_status("Mark at least two clients with space, then press g.")
            return
        self._start_group(sorted(self._marked))

    @work(thread=True, exclusive=True, group="session-start")
    def _start_group(self, client_ids: list[int]) -> None:
        from ..errors import HushpadError

        workspace = self.app.workspace
        if workspace is None:
            return
        try:
            self.post_message(self.SessionReady(workspace.open_scratchpad(workspace.start_group_session(client_ids))))
        except HushpadError as exc:
            self.post_message(self.Problem(str(exc)))

    def on_clients_screen_session_ready(self, message: SessionReady) -> None:
        from .scratchpad import ScratchpadScreen

        self._marked.clear()
        start = message.start

        def after_session(ended: bool | None) -> None:
            self.post_message(self.Refresh())
            if ended:
                self.open_writeup(start.session.id)

        self.app.push_screen(ScratchpadScreen(start.session, start.lines, start.questions), after_session)

    def open_writeup(self, session_id: int) -> None:
        from .writeup import WriteupScreen

        def after_writeup(next_session: int | None) -> None:
            self.post_message(self.Refresh())
            if next_session:
                self.open_writeup(next_session)

        self.app.push_screen(WriteupScreen(session_id), after_writeup)

    def action_write_up(self) -> None:
        client = self._current()
        if client is not None:
            self._find_unsigned(client.id)

    @work(thread=True, exclusive=True, group="session-start")
    def _find_unsigned(self, client_id: int) -> None:
        workspace = self.app.workspace
        if workspace is None:
            return
        session_id = workspace.latest_unsigned_session(client_id)
        if session_id is None:
            self.post_message(self.Problem("Every ended session of this client has a signed note."))
        else:
            self.app.call_from_thread(self.open_writeup, session_id)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_jot()
