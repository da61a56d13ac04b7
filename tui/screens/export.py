"""Export a client's clinical record (records request) from the TUI, like `hushpad export client`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ..widgets.key_footer import KeyFooter
from ..widgets.choice import ChoiceField

if TYPE_CHECKING:
    from ..app import HushpadApp

PRIVATE_WARNING = ("Psychotherapy notes are legally separate from the record and are normally NOT released. "
                   "Include them only when the law or the client's authorisation requires it.")


class ExportForm(ModalScreen[bool]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "export", "Export", id="export.run", priority=True),
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    class Done(Message):
        def __init__(self, text: str, ok: bool) -> None:
            super().__init__()
            self.text = text
            self.ok = ok

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def compose(self) -> ComposeResult:
        default = Path.home() / f"hushpad-record-{self.code}-{date.today().isoformat()}.md"
        with Vertical(classes="dialog", id="export-box"):
            yield Static(Text(f"Export the clinical record of {self.code}"), classes="dialog-title")
            yield ChoiceField("Format", ("md", "json"), "md", id="export-format")
            yield Label("Write to (created with mode 0600)")
            yield Input(str(default), id="export-path", compact=True)
            yield ChoiceField("Include private psychotherapy notes", ("no", "yes"), "no", id="export-private")
            yield Static("", id="export-warning", classes="problem", markup=False)
            yield Static("", id="export-result", markup=False)
        yield KeyFooter()

    def on_choice_field_changed(self, event: ChoiceField.Changed) -> None:
        if event.choice.id == "export-private":
            self.query_one("#export-warning", Static).update(PRIVATE_WARNING if event.value == "yes" else "")
            return
        path = self.query_one("#export-path", Input)
        stem = path.value.rsplit(".", 1)[0] if "." in Path(path.value).name else path.value
        path.value = f"{stem}.{event.value}"

    def action_export(self) -> None:
        self._export(self.query_one("#export-format", ChoiceField).value, self.query_one("#export-path", Input).value,
                     self.query_one("#export-private", ChoiceField).value == "yes")

    @work(thread=True, exclusive=True, group="export")
    def _export(self, fmt: str, path: str, include_private: bool) -> None:
        from ..services.records_export import RecordsExport
        from ..errors import HushpadError
        from ..storage.files import atomic_write

        workspace = self.app.workspace
        if workspace is None:
            self.post_message(self.Done("Hushpad is locked.", False))
            return
        target = Path(path).expanduser()
        if not target.parent.is_dir():
            self.post_message(self.Done(f"No folder {target.parent}.", False))
            return
        try:
            text = RecordsExport(workspace).client(self.code, fmt, include_private=include_private)
            atomic_write(target.absolute(), text.encode("utf-8"))
        except HushpadError as exc:
            self.post_message(self.Done(str(exc), False))
            return
        self.post_message(self.Done(f"Wrote {target}. The export is recorded in the audit log.", True))

    def on_export_form_done(self, message: Done) -> None:
        self.query_one("#export-result", Static).update(Text(message.text, style="" if message.ok else "bold"))

    def action_cancel(self) -> None:
        self.dismiss(False)
