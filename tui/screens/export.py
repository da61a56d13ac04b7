"""Export from the TUI, like `hushpad export`: a client's clinical record (a records request)
from the chart or the client list, or one signed note from the note view (issue 12 item 1).

The dialog names what goes out (the note id, the client code), offers the formats the command
line writes, and a path prefilled with a default in the home folder. The export runs in a
worker (run_use_case) through services.export_files, which writes the file the way
`hushpad export -o FILE` does: atomically, mode 0600. Its status line says where it went.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from ..services.export_files import CLIENT_FORMATS, NOTE_FORMATS, default_path, with_format
from ..widgets.choice import ChoiceField
from ..widgets.key_footer import KeyFooter
from ._base import HushpadDialog

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.export_files import Written
    from ..services.workspace import Workspace

PRIVATE_WARNING = ("Psychotherapy notes are legally separate from the record and are normally NOT released. "
                   "Include them only when the law or the client's authorisation requires it.")
FHIR_NO_PRIVATE = "A FHIR export never carries psychotherapy notes, whatever this says."


class ExportForm(HushpadDialog[bool]):
    """Export a client's records request, or (``note_id`` given) that one signed note."""

    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "export", "Export", id="export.run", priority=True),
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def __init__(self, code: str, note_id: int | None = None) -> None:
        super().__init__()
        self.code = code
        self.note_id = note_id
        self.written: "Written | None" = None

    @property
    def formats(self) -> tuple[str, ...]:
        return NOTE_FORMATS if self.note_id is not None else CLIENT_FORMATS

    def compose(self) -> ComposeResult:
        first = self.formats[0]
        default = default_path(self.code, first, note_id=self.note_id)
        what = (f"Export note {self.note_id} ({self.code})" if self.note_id is not None
                else f"Export the clinical record of {self.code} (records request)")
        with Vertical(classes="dialog", id="export-box"):
            yield Static(Text(what), classes="dialog-title", id="export-title")
            yield ChoiceField("Format", self.formats, first, id="export-format")
            yield Label("Write to (a new file, mode 0600; an existing one is replaced)")
            yield Input(str(default), id="export-path", compact=True)
            if self.note_id is None:
                yield ChoiceField("Include private psychotherapy notes", ("no", "yes"), "no", id="export-private")
                identity = ChoiceField("Name and date of birth in the FHIR Patient (else the code only)",
                                       ("no", "yes"), "no", id="export-identity")
                identity.display = first == "fhir"
                yield identity
            yield Static("", id="export-warning", classes="problem", markup=False)
            yield Static("", id="export-result", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#export-format", ChoiceField).focus()

    def _private(self) -> bool:
        return self.note_id is None and self.query_one("#export-private", ChoiceField).value == "yes"

    def _identity(self) -> bool:
        """fhir only (`--include-identity`): the other formats always carry the name and birth date."""
        return any(c.display and c.value == "yes" for c in self.query("#export-identity").results(ChoiceField))

    def _warn(self) -> None:
        fmt = self.query_one("#export-format", ChoiceField).value
        warning = ""
        if self._private():
            warning = FHIR_NO_PRIVATE if fmt == "fhir" else PRIVATE_WARNING
        self.query_one("#export-warning", Static).update(warning)

    def on_choice_field_changed(self, event: ChoiceField.Changed) -> None:
        if event.choice.id == "export-format":
            path = self.query_one("#export-path", Input)
            path.value = with_format(path.value, event.value)
            for identity in self.query("#export-identity").results(ChoiceField):
                identity.display = event.value == "fhir"  # the other formats always carry name and birth date
        self._warn()

    def action_export(self) -> None:
        self._export(self.query_one("#export-format", ChoiceField).value, self.query_one("#export-path", Input).value,
                     self._private(), self._identity())

    def _export(self, fmt: str, path: str, include_private: bool, include_identity: bool = False) -> None:
        code, note_id = self.code, self.note_id

        def export(workspace: "Workspace") -> "Written":
            from ..services import export_files

            if note_id is not None:
                return export_files.write_note(workspace, note_id, fmt, path)
            return export_files.write_client(workspace, code, fmt, path, include_private=include_private,
                                             include_identity=include_identity)

        self._result(f"Exporting to {Path(path).expanduser()} …", ok=True)
        self.run_use_case(export, self._written, group="export")

    def _written(self, written: "Written") -> None:
        self.written = written
        self._result(written.status(), ok=not written.failures)

    def show_status(self, text: str) -> None:
        self._result(text, ok=False)

    def _result(self, text: str, *, ok: bool) -> None:
        self.query_one("#export-result", Static).update(Text(text, style="" if ok else "bold"))

    def action_cancel(self) -> None:
        self.dismiss(self.written is not None)
