"""Export a client's clinical record (records request) from the TUI, like `hushpad export client`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from ..widgets.key_footer import KeyFooter
from ..widgets.choice import ChoiceField
from ._base import HushpadDialog

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.workspace import Workspace

PRIVATE_WARNING = ("Psychotherapy notes are legally separate from the record and are normally NOT released. "
                   "Include them only when the law or the client's authorisation requires it.")


class ExportForm(HushpadDialog[bool]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "export", "Export", id="export.run", priority=True),
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

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

    def _export(self, fmt: str, path: str, include_private: bool) -> None:
        code = self.code
        target = Path(path).expanduser()

        def export(workspace: "Workspace") -> str:
            from ..errors import HushpadError
            from ..services.records_export import RecordsExport
            from ..storage.files import atomic_write

            if not target.parent.is_dir():
                raise HushpadError(f"No folder {target.parent}.")
            text = RecordsExport(workspace).client(code, fmt, include_private=include_private)
            atomic_write(target.absolute(), text.encode("utf-8"))
            return f"Wrote {target}. The export is recorded in the audit log."

        self.run_use_case(export, lambda done: self._result(done, ok=True), group="export")

    def show_status(self, text: str) -> None:
        self._result(text, ok=False)

    def _result(self, text: str, *, ok: bool) -> None:
        self.query_one("#export-result", Static).update(Text(text, style="" if ok else "bold"))

    def action_cancel(self) -> None:
        self.dismiss(False)
