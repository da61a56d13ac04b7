"""Add or edit a client: code, display name, date of birth, treatment-plan goals."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static, TextArea

from ..widgets.jotting_editor import VisibleTextArea
from ..widgets.key_footer import KeyFooter
from ._base import LOCKED, HushpadDialog
if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.caseload import ClientRow
    from ..services.workspace import Workspace


class ClientForm(HushpadDialog[bool]):
    """Returns True through dismiss() when the client was saved."""

    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="client_form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="client_form.cancel"),
    ]

    def __init__(self, client: "ClientRow | None") -> None:
        super().__init__()
        self.client = client

    def compose(self) -> ComposeResult:
        client = self.client
        with Vertical(id="client-form", classes="dialog"):
            yield Static("Edit client" if client else "Add client", classes="dialog-title")
            yield Label("Code (shown on screen instead of the name)")
            yield Input(client.code if client else "", id="code", max_length=32, placeholder="e.g. RB-07", compact=True)
            yield Label("Display name (optional)")
            yield Input(client.display_name if client else "", id="name", max_length=120, compact=True)
            yield Label("Date of birth (optional, YYYY-MM-DD)")
            yield Input("", id="dob", max_length=10, placeholder="YYYY-MM-DD", compact=True)
            yield Label("Treatment-plan goals, one per line")
            # Pasted goals keep every character in order, controls shown as symbols.
            yield VisibleTextArea("", id="goals", soft_wrap=True, show_line_numbers=False)
            yield Static("", id="form-problem", classes="problem", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#code", Input).focus()
        if self.client is not None:
            self._load_goals(self.client.id)

    def _load_goals(self, client_id: int) -> None:
        def goals(workspace: "Workspace") -> tuple[list[str], str]:
            client = workspace.record.client(client_id) or {}
            return [g["description"] for g in workspace.goals(client_id)], client.get("date_of_birth") or ""

        self.run_use_case(goals, self._goals_loaded, group="client-form")

    def _goals_loaded(self, loaded: tuple[list[str], str]) -> None:
        goals, date_of_birth = loaded
        self.query_one("#goals", TextArea).load_text("\n".join(goals))
        self.query_one("#dob", Input).value = date_of_birth

    def show_status(self, text: str) -> None:
        self.query_one("#form-problem", Static).update(Text(text))

    def action_save(self) -> None:
        values = {
            "code": self.query_one("#code", Input).value,
            "name": self.query_one("#name", Input).value,
            "dob": self.query_one("#dob", Input).value,
            "goals": self.query_one("#goals", TextArea).text.split("\n"),  # one goal per line as shown
        }
        from ..domain.one_line import clean_line  # the same rule as `client add`, said the same way

        name = clean_line(values["name"])
        if name.changed:  # shown first, saved on the next save: nothing changes unseen
            self.query_one("#name", Input).value = name.text
            self.query_one("#form-problem", Static).update(
                Text(name.describe("name") + " Check it, then press the save key again."))
            return
        self._save(values)

    def _save(self, values: dict) -> None:
        client = self.client

        def save(workspace: "Workspace") -> None:
            if client is None:
                workspace.add_client(values["code"], values["name"], values["dob"], values["goals"])
            else:
                workspace.update_client(client.id, values["code"], values["name"], values["dob"], values["goals"])

        self.run_use_case(save, lambda _: self.dismiss(True),
                          lambda text: self.show_status("Hushpad is locked; nothing was saved."
                                                        if text == LOCKED else text), group="client-form")

    def action_cancel(self) -> None:
        self.dismiss(False)
