"""Before the session: the last plan, homework, open questions, latest scores and risk, on one screen."""

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
    from ..services.chart import BeforeSession
    from ..services.workspace import Workspace


def before_session_text(panel: "BeforeSession") -> Text:
    client = panel.client
    text = Text(f"{client['code']}", style="bold")
    if client["display_name"]:
        text.append(f"  ·  {client['display_name']}")
    text.append(f"\nLast session: {panel.last_session or 'none yet'}\n\n", style="dim")

    def block(title: str, body: str | list[str]) -> None:
        text.append(f"{title}\n", style="bold")
        lines = body if isinstance(body, list) else [body]
        lines = [line for line in lines if line]
        text.append(("\n".join(f"  {line}" for line in lines) if lines else "  —") + "\n\n")

    plan = panel.plan
    block("Plan from the last note", [f"Next focus: {plan.get('next_focus', '')}" if plan.get("next_focus") else "",
                                      f"Coordination: {plan.get('coordination', '')}" if plan.get("coordination") else "",
                                      f"Next session: {plan.get('next_session', '')}" if plan.get("next_session") else ""])
    block("Homework", plan.get("homework", ""))
    block("Questions carried over (?)", panel.questions)
    scores = []
    if panel.phq9:
        scores.append(f"PHQ-9 {panel.phq9[0]} ({panel.phq9[1]})")
    if panel.gad7:
        scores.append(f"GAD-7 {panel.gad7[0]} ({panel.gad7[1]})")
    block("Latest scores", ["   ".join(scores), *panel.more_scores])
    if panel.risk_summary:  # what the latest signed note says, in its words
        level = f"{panel.risk_level} risk" if panel.risk_level else "level not stated"
        block(f"Last risk statement ({level}, {panel.risk_date})" if panel.risk_date else "Last risk statement",
              panel.risk_summary)
    else:
        block("Last risk statement", "not assessed yet")
    if panel.missing_notes:
        block("Notes still to write", [f"{day}: {what}" for day, what in panel.missing_notes])
    block("Active goals", [f"{g['ordinal']}. {g['description']}" for g in panel.goals])
    return text


class BeforeSessionScreen(HushpadScreen["str | None"]):
    """Dismisses with "start" when the clinician starts the session from here."""

    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "start", "Start the session", id="before.start"),
        Binding("escape", "back", "Back", id="before.back"),
    ]

    def __init__(self, client_id: int) -> None:
        super().__init__()
        self.client_id = client_id

    def compose(self) -> ComposeResult:
        yield Static("Before the session", classes="screen-title", markup=False)
        with VerticalScroll(id="before-scroll"):
            yield Static("Loading…", id="before-text", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#before-scroll").focus()
        self._load()

    def _load(self) -> None:
        client_id = self.client_id

        def panel(workspace: "Workspace") -> "BeforeSession":
            from ..services.chart import ClientChart

            return ClientChart(workspace).before_session(client_id)

        self.run_use_case(panel, lambda loaded: self.query_one("#before-text", Static).update(
            before_session_text(loaded)), group="before-load")

    def show_status(self, text: str) -> None:
        self.query_one("#before-text", Static).update(Text(text))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_start(self) -> None:
        self.dismiss("start")
