"""A session's private jottings (psychotherapy notes), clearly marked and audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from ..widgets.key_footer import KeyFooter
if TYPE_CHECKING:
    from ..app import HushpadApp

BANNER = ("PRIVATE PSYCHOTHERAPY NOTES: kept apart from the clinical record and never exported unless "
          "explicitly asked. This viewing is recorded in the audit log.")


class PrivateJottingsScreen(Screen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="private.back"),
    ]

    class Loaded(Message):
        def __init__(self, lines: list[tuple[int, str]] | None, problem: str = "") -> None:
            super().__init__()
            self.lines = lines
            self.problem = problem

    def __init__(self, session_id: int, date: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.date = date

    def compose(self) -> ComposeResult:
        yield Static(BANNER, id="private-banner", markup=False)
        with VerticalScroll(id="private-scroll"):
            yield Static("Loading…", id="private-text", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#private-scroll").focus()
        self._load()

    @work(thread=True, exclusive=True, group="private-load")
    def _load(self) -> None:
        from ..services.chart import ClientChart
        from ..errors import HushpadError

        workspace = self.app.workspace
        if workspace is None:
            return
        try:
            self.post_message(self.Loaded(ClientChart(workspace).private_jottings(self.session_id)))
        except HushpadError as exc:
            self.post_message(self.Loaded(None, str(exc)))

    def on_private_jottings_screen_loaded(self, message: Loaded) -> None:
        target = self.query_one("#private-text", Static)
        if message.lines is None:
            target.update(Text(message.problem))
            return
        if not message.lines:
            target.update(Text(f"No jottings for the session of {self.date}."))
            return
        text = Text(f"Session of {self.date}\n\n", style="dim")
        for minute, line in message.lines:
            text.append(f"{minute:>4}'  ", style="dim")
            text.append(line + "\n")
        target.update(text)

    def action_back(self) -> None:
        self.dismiss(None)
