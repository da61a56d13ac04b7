"""Discard a session started by mistake: say exactly what goes, and go only on a typed word.

Typing DISCARD, not pressing y or Enter: "nothing typed is ever lost" means destroying jottings
must take a deliberate act that no stray key (a fast typist's Enter, a key meant for the
scratchpad) can stand in for. The dialog only confirms; the screen that opened it discards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from ..domain.session_facts import display_time
from ..widgets.key_footer import KeyFooter
from ._base import HushpadDialog

if TYPE_CHECKING:
    from ..services.workspace import DiscardPlan

CONFIRM_WORD = "DISCARD"


def what_goes(plan: "DiscardPlan") -> Text:
    who = (f"the group session of {', '.join(plan.codes)}" if plan.group_session_id
           else f"the session of {plan.codes[0]}")
    state = "ended, no note signed" if plan.ended else "still open"
    text = Text(f"Discard {who}, started {display_time(plan.started_at.isoformat())} ({state})?\n\n")
    drafts = plan.drafts
    if plan.group_session_id:
        removed = "every member's session" + (f" and {drafts} unsigned draft{'s' if drafts != 1 else ''}"
                                              if drafts else "")
    else:
        removed = "the session" + (" and its unsigned draft" if drafts else "")
    verb = "are" if plan.group_session_id or drafts else "is"
    text.append(f"• {removed} {verb} removed from the record, so no note of it stays due;\n")
    if plan.jotting_lines:
        lines = "1 jotting line is" if plan.jotting_lines == 1 else f"{plan.jotting_lines} jotting lines are"
        text.append(f"• its {lines} destroyed for good: they cannot be recovered;\n", style="bold")
    else:
        text.append("• nothing was jotted;\n")
    text.append("• the audit log notes the discard (ids and counts, never what was jotted).\n\n")
    text.append(f"Type {CONFIRM_WORD} and press Enter to discard. Esc keeps everything.")
    return text


class DiscardDialog(HushpadDialog[bool]):
    """Dismisses True only when the clinician typed the confirming word."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "keep", "Keep the session", id="discard.keep"),
    ]

    def __init__(self, plan: "DiscardPlan") -> None:
        super().__init__()
        self.plan = plan

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="discard-box"):
            yield Static("Discard a session started by mistake", classes="dialog-title", markup=False)
            yield Static(what_goes(self.plan), id="discard-what")
            yield Input(id="discard-word", placeholder=f"type {CONFIRM_WORD} here", max_length=20, compact=True)
            yield Static("", id="discard-problem", classes="problem", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip().upper() == CONFIRM_WORD:
            self.dismiss(True)
            return
        event.input.value = ""
        self.show_status(f"Nothing discarded. Type {CONFIRM_WORD} to discard, or Esc to keep the session.")

    def show_status(self, text: str) -> None:
        self.query_one("#discard-problem", Static).update(Text(text))

    def action_keep(self) -> None:
        self.dismiss(False)
