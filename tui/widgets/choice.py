"""A one-line choice that cycles with ←/→, space or Enter, or jumps by first letter:
quicker by keyboard than a drop-down. Focused, it is drawn in reverse with its keys named."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class ChoiceField(Widget, can_focus=True):
    DEFAULT_CSS = """
    ChoiceField {
        height: 1;
        width: 1fr;
        padding: 0 1;
        color: $text-muted;
        &:focus { color: $foreground; background: $accent 35%; text-style: bold; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,space,enter", "next", "Next choice", show=False),
        Binding("left", "previous", "Previous choice", show=False),
    ]

    value: reactive[str] = reactive("", init=False)

    class Changed(Message):
        def __init__(self, choice: "ChoiceField", value: str) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> "ChoiceField":
            return self.choice

    def __init__(self, label: str, options: Sequence[str], value: str = "", *,
                 labels: dict[str, str] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.options = list(options)
        self._labels = labels or {}
        self.set_reactive(ChoiceField.value, value if value in self.options else self.options[0])

    def render(self) -> Text:
        shown = self._labels.get(self.value, self.value) or "—"
        if self.has_focus:
            return Text.assemble(f"▶ {self.label}: ", "◂ ", (shown, "reverse"), " ▸",
                                 ("   ←/→, space or a letter changes it", "dim"))
        return Text.assemble((f"  {self.label}: ", "dim"), "◂ ", shown, " ▸")

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_key(self, event) -> None:  # noqa: ANN001
        """A letter picks the next option starting with it ("e" endorsed, "d" denied)."""
        char = event.character or ""
        if len(char) != 1 or not char.isalnum():
            return
        labels = [(self._labels.get(o, o) or "").casefold() for o in self.options]
        start = self.options.index(self.value) if self.value in self.options else -1
        for offset in range(1, len(self.options) + 1):
            index = (start + offset) % len(self.options)
            if labels[index].startswith(char.casefold()):
                event.stop()
                event.prevent_default()
                self.value = self.options[index]
                return

    def _step(self, delta: int) -> None:
        index = self.options.index(self.value) if self.value in self.options else 0
        self.value = self.options[(index + delta) % len(self.options)]

    def action_next(self) -> None:
        self._step(1)

    def action_previous(self) -> None:
        self._step(-1)

    def watch_value(self, value: str) -> None:
        self.post_message(self.Changed(self, value))
