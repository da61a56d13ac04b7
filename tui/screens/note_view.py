"""One signed note, its addenda, and its signature checked (the one verify, via ClientChart.open_note)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static, TextArea

from ..domain.session_facts import display_time
from ..domain.visible import make_visible
from ..widgets.clipboard import copy_for_ehr
from ..widgets.key_footer import KeyFooter
from ._base import HushpadDialog, HushpadScreen
if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.chart import NoteView
    from ..services.workspace import Workspace


class NoteViewScreen(HushpadScreen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "addendum", "Add addendum", id="note.addendum"),
        Binding("ctrl+o", "copy", "Copy for EHR", id="note.copy"),
        Binding("x", "export", "Export", id="note.export", tooltip="Export this note (txt, md, json, pdf)"),
        Binding("escape", "back", "Back", id="note.back"),
    ]

    def __init__(self, note_id: int) -> None:
        super().__init__()
        self.note_id = note_id
        self.plain = ""
        self.client_code = ""

    def compose(self) -> ComposeResult:
        # The note id is the one `hushpad export note ID` takes (issue 12 item 1): it leads the seal line.
        yield Static(Text(f"Note {self.note_id}", style="bold"), id="seal", markup=False)
        with VerticalScroll(id="note-scroll"):
            yield Static("Loading…", id="note-text", markup=False)
        yield Static("", id="note-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#note-scroll").focus()
        self.load()

    def load(self) -> None:
        note_id = self.note_id

        def read(workspace: "Workspace") -> "tuple[NoteView, str]":
            from ..services.chart import ClientChart
            from ..services.records_export import RecordsExport

            view = ClientChart(workspace).open_note(note_id)
            return view, RecordsExport(workspace).plain_text(note_id, banner=False)  # the bar shows the verdict

        self.run_use_case(read, self._loaded, group="note-load")

    def show_status(self, text: str) -> None:
        self.query_one("#note-text", Static).update(Text(text))

    def _loaded(self, loaded: "tuple[NoteView, str]") -> None:
        view, self.plain = loaded
        self.client_code = view.client_code
        title = Text(f"Note {self.note_id}  ·  {make_visible(view.client_code)}  ·  ", style="bold")
        seal = self.query_one("#seal", Static)
        verdict = view.verdict
        if view.seal_ok and view.chain_ok:
            how = "sealed (hash only)" if verdict is not None and verdict.status == "sealed (hash only)" else (
                f"signature verified, key {verdict.fingerprint}" if verdict is not None and verdict.fingerprint
                else f"SHA-256 {view.note['content_hash'][:16]}…")
            cosign = "".join(f"\n{c[0].upper()}{c[1:]}" for c in (verdict.cosign if verdict is not None else []))
            if verdict is not None and verdict.awaiting_cosign:
                cosign += "\nAwaiting supervisor co-signature."
            seal.update(title + Text(f"Seal verified: {how}  signed {display_time(view.note['signed_at'])} "
                                     f"by {view.note['signer']}" + cosign, style="dim"))
            seal.remove_class("seal-broken")
        else:
            what = "; ".join(verdict.problems) if verdict is not None else (
                "the note text" if not view.seal_ok else "an addendum")
            seal.update(title + Text(f"SEAL BROKEN. SIGNATURE INVALID: {what}. The record may have been altered "
                                     "outside Hushpad. Keep this copy and investigate.", style="bold"))
            seal.add_class("seal-broken")
        self.query_one("#note-text", Static).update(Text(self.plain))

    def action_addendum(self) -> None:
        self.app.push_screen(AddendumForm(self.note_id), lambda saved: saved and self.load())

    def action_copy(self) -> None:
        """OSC 52, honestly: "sent", never "copied" (widgets.clipboard). Only the signed note and
        its addenda: private jottings are never in it."""
        if self.plain:
            copy_for_ehr(self, self.plain, self._say)

    def action_export(self) -> None:
        from .export import ExportForm  # a dialog, not a screen

        if self.plain:  # loaded: the code is known
            self.app.push_screen(ExportForm(self.client_code, note_id=self.note_id))

    def _say(self, text: str) -> None:
        status = self.query_one("#note-status", Static)
        status.update(Text(text))
        status.set_class(bool(text), "said")

    def action_back(self) -> None:
        self.dismiss(None)


class AddendumForm(HushpadDialog[bool]):
    """A dated correction, hash-linked to what it amends. The note itself never changes."""

    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "sign", "Sign addendum", id="addendum.sign", priority=True),
        Binding("escape", "cancel", "Cancel", id="addendum.cancel"),
    ]

    def __init__(self, note_id: int) -> None:
        super().__init__()
        self.note_id = note_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Addendum", classes="dialog-title")
            yield Static("It is dated and signed now, and linked to the note's seal. The note stays as signed.",
                         markup=False)
            yield TextArea(id="addendum-text", soft_wrap=True)
            yield Static("", id="addendum-problem", classes="problem", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_sign(self) -> None:
        self._sign(self.query_one(TextArea).text)

    def _sign(self, body: str) -> None:
        note_id = self.note_id

        def sign(workspace: "Workspace") -> None:
            from ..services.writeup import NoteRecords

            NoteRecords(workspace).add_addendum(note_id, body)

        self.run_use_case(sign, lambda _: self.dismiss(True), group="addendum")

    def show_status(self, text: str) -> None:
        self.query_one("#addendum-problem", Static).update(Text(text))

    def action_cancel(self) -> None:
        self.dismiss(False)
