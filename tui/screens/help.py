"""Help: every key that works on the screen underneath, and what it does."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from ..widgets._textual_compat import node_bindings
from ..widgets.key_footer import KeyFooter
if TYPE_CHECKING:
    from ..app import HushpadApp

GENERAL = [
    ("ctrl+p", "Palette: every action here, by name"),
    ("tab / shift+tab", "Move between fields"),
]


def bindings_for_screen(screen: Screen) -> list[tuple[str, str, str]]:
    """(key, what it does, remap id) for every binding live on that screen, app keys included."""
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        rows.append((screen.app.get_key_display(binding), binding.description, binding.id or ""))
    # Keys the screen offers only at times (the emergency copy while saving fails) are listed too.
    for bindings in node_bindings(screen).key_to_bindings.values():
        for binding in bindings:
            if binding.description and binding.id and binding.action not in seen:
                seen.add(binding.action)
                rows.append((screen.app.get_key_display(binding), f"{binding.description} (when offered)",
                             binding.id))
    # Hushpad's own actions first; the widgets' cursor keys after them.
    return sorted(rows, key=lambda row: not row[2])


class HelpScreen(ModalScreen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close help", id="help.close"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-box"):
            yield Static("Keys", classes="dialog-title")
            table: DataTable[Text] = DataTable(id="help-table", cursor_type="row", show_cursor=False)
            table.add_columns("Key", "Action", "Remap id")
            yield table
            yield Static("Remap a key in config.toml under [keys], e.g.  \"scratchpad.curtain\" = \"f2\"",
                         markup=False, classes="hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        if getattr(self.under, "TEACHES_SHORTHAND", False):
            # Where jottings are typed, the markers come first: they are what is used most.
            from ..domain.shorthand import DEFAULT_RULES, marker_guide

            workspace = self.app.workspace
            rules = workspace.rules if workspace is not None else DEFAULT_RULES
            for typed, meaning in marker_guide(rules):
                table.add_row(Text(typed, style="bold"), Text(meaning), Text("marker"))
        for key, label, binding_id in [*bindings_for_screen(self.under), *[(k, d, "") for k, d in GENERAL]]:
            table.add_row(Text(key), Text(label), Text(binding_id))

    def action_close(self) -> None:
        self.dismiss(None)

