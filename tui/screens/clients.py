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
from textual.widgets import DataTable, Footer, Static

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.workspace import ClientSummary, ScratchpadStart


def _day(iso: str | None) -> str:
    return iso[:10] if iso else "—"


class ClientsScreen(Screen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "jot", "Start session", id="clients.jot", priority=True),
        Binding("a", "add", "Add client", id="clients.add"),
        Binding("e", "edit", "Edit client", id="clients.edit"),
        Binding("space", "mark", "Mark for group", id="clients.mark"),
        Binding("g", "group", "Group session", id="clients.group"),
        Binding("w", "write_up", "Write up", id="clients.write_up"),
    ]

    class Refresh(Message):
        """Reload the list from the record."""

    class Loaded(Message):
        def __init__(self, clients: list["ClientSummary"]) -> None:
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
        self._clients: list[ClientSummary] = []
        self._marked: set[int] = set()

    def compose(self) -> ComposeResult:
        with Vertical(id="clients-body"):
            yield Static("Clients", id="clients-title", classes="screen-title")
            table: DataTable[Text | str] = DataTable(id="clients-table", cursor_type="row", zebra_stripes=False)
            table.add_columns(" ", "Code", "Name", "Last session", "Notes due")
            yield table
            yield Static("Unlocking…", id="clients-status", classes="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        if self.app.workspace is not None:
            self.post_message(self.Refresh())

    # -- loading -----------------------------------------------------------
    def on_clients_screen_refresh(self, _: Refresh) -> None:
        self.refresh_bindings()  # which actions are live depends on being unlocked
        if self.app.workspace is None:
            self._set_status("Locked.")
            self.query_one(DataTable).clear()
            return
        self._load()

    @work(thread=True, exclusive=True, group="clients-load")
    def _load(self) -> None:
        workspace = self.app.workspace
        if workspace is None:
            return
        self.post_message(self.Loaded(workspace.clients()))

    def on_clients_screen_loaded(self, message: Loaded) -> None:
        self._clients = message.clients
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for client in message.clients:
            due = f"{client.notes_due}" if client.notes_due else ""
            if client.open_sessions:
                due = (due + " · in session").strip(" ·")
            table.add_row(
                "•" if client.id in self._marked else " ",
                Text(client.code),  # Text, not markup: a name like "[bold]x" shows literally
                Text(client.display_name),
                _day(client.last_session),
                Text(due),
                key=str(client.id),
            )
        if message.clients:
            table.move_cursor(row=min(cursor, len(message.clients) - 1))
        count = len(message.clients)
        self._set_status(
            f"{count} client{'s' if count != 1 else ''}." if count else "No clients yet. Press a to add one."
        )

    def on_clients_screen_problem(self, message: Problem) -> None:
        self._set_status(message.text)

    def _set_status(self, text: str) -> None:
        self.query_one("#clients-status", Static).update(Text(text))

    # -- actions -----------------------------------------------------------
    def _current(self) -> "ClientSummary | None":
        table = self.query_one(DataTable)
        if not self._clients or table.cursor_row < 0 or table.cursor_row >= len(self._clients):
            return None
        return self._clients[table.cursor_row]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("jot", "add", "edit", "mark", "group", "write_up") and self.app.workspace is None:
            return False
        return True

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
        from ..storage.errors import HushpadError

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
        from ..storage.errors import HushpadError

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
        from ..storage.errors import HushpadError

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
