"""A calm one-line prompt for a folder, shown in a screen's status bar (never a pop-up mid-typing)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FolderPrompt(Input):
    DEFAULT_CSS = """
    FolderPrompt { display: none; width: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back to typing", id="folder_prompt.cancel"),
    ]

    class Chosen(Message):
        def __init__(self, folder: str) -> None:
            super().__init__()
            self.folder = folder

    class Cancelled(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(placeholder="/media/you/STICK  (a folder on another disk)", compact=True, id=id,
                         max_length=4096)

    def open(self) -> None:
        self.display = True
        self.focus()

    def close(self) -> None:
        self.display = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.post_message(self.Chosen(event.value.strip()))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())
