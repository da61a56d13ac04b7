"""A session's private jottings (psychotherapy notes), clearly marked and audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..widgets.key_footer import KeyFooter
from ._base import HushpadScreen
if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.workspace import Workspace

BANNER = ("PRIVATE PSYCHOTHERAPY NOTES: kept apart from the clinical record and never exported unless "
          "explicitly asked. This viewing is recorded in the audit log.")


class PrivateJottingsScreen(HushpadScreen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="private.back"),
    ]

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

    def _load(self) -> None:
        session_id = self.session_id

        def lines(workspace: "Workspace") -> list[tuple[int, str]]:
            from ..services.chart import ClientChart

            return ClientChart(workspace).private_jottings(session_id)  # audited there

        self.run_use_case(lines, self._loaded, group="private-load")

    def show_status(self, text: str) -> None:
        self.query_one("#private-text", Static).update(Text(text))

    def _loaded(self, lines: list[tuple[int, str]]) -> None:
        target = self.query_one("#private-text", Static)
        if not lines:
            target.update(Text(f"No jottings for the session of {self.date}."))
            return
        text = Text(f"Session of {self.date}\n\n", style="dim")
        for minute, line in lines:
            text.append(f"{minute:>4}'  ", style="dim")
            text.append(line + "\n")
        target.update(text)

    def action_back(self) -> None:
        self.dismiss(None)
