"""Add or edit a client: code, display name, date of birth, treatment-plan goals."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from ..widgets.jotting_editor import VisibleTextArea
from ..widgets.key_footer import KeyFooter
if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.caseload import ClientRow


class ClientForm(ModalScreen[bool]):
    """Returns True through dismiss() when the client was saved."""

    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="client_form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="client_form.cancel"),
    ]

    class Saved(Message):
        pass

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class GoalsLoaded(Message):
        def __init__(self, goals: list[str], date_of_birth: str) -> None:
            super().__init__()
            self.goals = goals
            self.date_of_birth = date_of_birth

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

    @work(thread=True, exclusive=True, group="client-form")
    def _load_goals(self, client_id: int) -> None:
        workspace = self.app.workspace
        if workspace is not None:
            client = workspace.record.client(client_id) or {}
            self.post_message(self.GoalsLoaded([g["description"] for g in workspace.goals(client_id)],
                                               client.get("date_of_birth") or ""))

    def on_client_form_goals_loaded(self, message: GoalsLoaded) -> None:
        self.query_one("#goals", TextArea).load_text("\n".join(message.goals))
        self.query_one("#dob", Input).value = message.date_of_birth

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

    @work(thread=True, exclusive=True, group="client-form")
    def _save(self, values: dict) -> None:
        from ..errors import HushpadError

        workspace = self.app.workspace
        if workspace is None:
            self.post_message(self.Refused("Hushpad is locked; nothing was saved."))
            return
        try:
            if self.client is None:
                workspace.add_client(values["code"], values["name"], values["dob"], values["goals"])
            else:
                workspace.update_client(self.client.id, values["code"], values["name"], values["dob"], values["goals"])
        except HushpadError as exc:
            self.post_message(self.Refused(str(exc)))
            return
        self.post_message(self.Saved())

    def on_client_form_saved(self, _: Saved) -> None:
        self.dismiss(True)

    def on_client_form_refused(self, message: Refused) -> None:
        self.query_one("#form-problem", Static).update(Text(message.text))

    def action_cancel(self) -> None:
        self.dismiss(False)
