"""At start: emergency copies written while the disk was full are offered back, once unlocked."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from ..widgets.key_footer import KeyFooter
from ._base import HushpadDialog

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.workspace import Workspace
    from ..storage.emergency import CopyInfo


def describe(copy: "CopyInfo") -> str:
    what = "jottings" if copy.kind == "jottings" else "a write-up draft"
    return (f"{what} ({copy.ref}), written {copy.created[:16].replace('T', ' ')} to\n"
            f"      {copy.path.parent}\n      {copy.path.name}")


class RestoreDialog(HushpadDialog[str]):
    """Dismisses with what was restored (a sentence), or "" when put off until the next start."""

    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "restore", "Restore now", id="restore.run", priority=True),
        Binding("escape", "later", "Ask next time", id="restore.later"),
    ]

    def __init__(self, copies: list["CopyInfo"]) -> None:
        super().__init__()
        self.copies = copies

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="restore-box"):
            yield Static("Emergency copies waiting", classes="dialog-title")
            yield Static(Text("Saved elsewhere, encrypted, when this profile could not be written:\n"
                              + "\n".join(f"  • {describe(c)}" for c in self.copies)
                              + "\n\nRestoring puts every line back; nothing already saved is replaced."),
                         id="restore-list")
            yield Static("", id="restore-problem", classes="problem", markup=False)
        yield KeyFooter()

    def show_status(self, text: str) -> None:
        self.query_one("#restore-problem", Static).update(Text(text))

    def action_restore(self) -> None:
        copies = list(self.copies)

        def restore_all(workspace: "Workspace") -> tuple[list[str], list[str]]:
            from ..errors import HushpadError
            from ..services.saving import restore

            done, problems = [], []
            for copy in copies:
                try:
                    done.append(restore(workspace, copy))
                except HushpadError as exc:
                    problems.append(str(exc))
            return done, problems

        self.show_status("Restoring…")
        self.run_use_case(restore_all, self._restored, group="restore")

    def _restored(self, outcome: tuple[list[str], list[str]]) -> None:
        done, problems = outcome
        if problems:
            self.show_status(" ".join(done + problems) + "  (Esc: ask again next time)")
            return
        self.dismiss(" ".join(done))

    def action_later(self) -> None:
        self.dismiss("")
