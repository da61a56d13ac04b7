"""The write-up: 5–10 minutes from a session's jottings to a signed, locked progress note."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, OptionList, Static
from textual.widgets.option_list import Option

from ..widgets.key_footer import KeyFooter
from .autosave import Autosaver
from ..widgets.writeup_steps import (
    FactsPane, GoalsPane, InterventionsPane, MeasuresPane, MentalStatusPane, PlanPane, ReviewPane, RiskPane,
    SectionPane, StepPane,
)

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.writeup import DraftSnapshot, SignedNote, Writeup, WriteupService

TARGET_SECONDS = 10 * 60
SAVE_DELAY = 0.3


class StepList(OptionList):
    DEFAULT_CSS = """
    StepList { width: 26; height: 1fr; border: none; background: $surface; }
    """


class WriteupScreen(Screen["int | None"]):
    """Dismisses with the next group member's session id to write up, or None."""

    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "next_step", "Next step", id="writeup.next", priority=True),
        Binding("ctrl+b", "previous_step", "Back", id="writeup.back", priority=True),
        Binding("ctrl+g", "go_to_step", "Go to step", id="writeup.goto", priority=True),
        Binding("f4", "carry_all", "Carry all ◆", id="writeup.carry_all", priority=True),
        Binding("f2", "quick_fill", "Quick fill", id="writeup.quick_fill", priority=True,
                tooltip="Presentation: within normal limits for this line. Risk: denies SI, HI, self-harm; low."),
        Binding("f3", "fill_blank", "WNL all blank", id="writeup.fill_blank", priority=True),
        Binding("ctrl+s", "sign", "Sign", id="writeup.sign", priority=True),
        Binding("ctrl+o", "copy", "Copy for EHR", id="writeup.copy", priority=True),
        Binding("escape", "leave", "Leave (draft kept)", id="writeup.leave"),
    ]

    class Opened(Message):
        def __init__(self, writeup: "Writeup", service: "WriteupService") -> None:
            super().__init__()
            self.writeup = writeup
            self.service = service

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Signed(Message):
        def __init__(self, signed: "SignedNote", next_member: int | None) -> None:
            super().__init__()
            self.signed = signed
            self.next_member = next_member

    def __init__(self, session_id: int) -> None:
        super().__init__()
        self.session_id = session_id
        self.writeup: Writeup | None = None
        self.service: WriteupService | None = None
        self.panes: list[StepPane] = []
        self.step = 0
        self.acknowledged: set[str] = set()
        self.signed: SignedNote | None = None
        self.next_member_session: int | None = None
        self._opened_at = time.monotonic()
        self.autosave: Autosaver[DraftSnapshot] = Autosaver(
            self, self._snapshot, self._write, on_state=self._update_header, delay=SAVE_DELAY)
        self._notice = ""
        self._last_payload = ""

    # -- layout -----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("Opening the write-up…", id="writeup-header", markup=False)
        with Horizontal(id="writeup-body"):
            yield StepList(id="steps")
            with Vertical(id="writeup-main"):
                yield ContentSwitcher(id="panes")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._open()
        self.set_interval(1.0, self._update_header)

    @work(thread=True, exclusive=True, group="writeup-open")
    def _open(self) -> None:
        from ..services.writeup import WriteupService
        from ..errors import HushpadError

        workspace = self.app.workspace
        if workspace is None:
            self.post_message(self.Failed("Hushpad is locked."))
            return
        service = WriteupService(workspace)
        try:
            writeup = service.open(self.session_id)
        except HushpadError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Opened(writeup, service))

    def on_writeup_screen_failed(self, message: Failed) -> None:
        if self.writeup is None:  # could not open at all
            self.query_one("#writeup-header", Static).update(Text(f"{message.text}  (Esc to go back)"))
            return
        self._notice = message.text  # stays until the next edit or step, not just until the clock ticks
        self._update_header()

    async def on_writeup_screen_opened(self, message: Opened) -> None:
        self.writeup, self.service = message.writeup, message.service
        self._last_payload = self._payload()
        await self._build_panes()
        self._show_step(0)
        from ..heap import freeze_heap

        freeze_heap()  # the panes live as long as the write-up: keep them out of every collection

    # -- steps ------------------------------------------------------------------
    def _make_panes(self) -> list[StepPane]:
        from ..domain.templates import offer_jottings
        from ..services.writeup import DEFAULT_INTERVENTIONS

        assert self.writeup is not None and self.service is not None
        writeup, draft = self.writeup, self.writeup.draft
        template_keys = {key: t.name for key, t in self.service.templates.items()}
        panes: list[StepPane] = [FactsPane(draft.facts, template_keys)]
        for spec in writeup.template.sections:
            offered = offer_jottings(writeup.jottings, spec)
            panes.append(SectionPane(spec, offered, draft.text_for(spec.key, "group" if spec.part == "group" else "note"),
                                     lambda jotting: self.service.carry(self.writeup, jotting)))
        picks = list(self.app.config.interventions or DEFAULT_INTERVENTIONS)
        panes += [
            MentalStatusPane(draft.mental_status),
            InterventionsPane(list(draft.interventions), picks),
            MeasuresPane(list(draft.measures), draft.previous_scores),
            RiskPane(draft.risk),
            GoalsPane(list(draft.goals)),
            PlanPane(draft.plan),
            ReviewPane(),
        ]
        return panes

    async def _build_panes(self) -> None:
        switcher = self.query_one("#panes", ContentSwitcher)
        await switcher.remove_children()
        self.panes = []  # no step keys act until the new panes are mounted
        panes = self._make_panes()
        for pane in panes:  # the switcher only hides children it had at its own mount
            pane.display = False
        switcher.current = None
        await switcher.mount_all(panes)
        self.panes = panes
        steps = self.query_one("#steps", StepList)
        steps.clear_options()
        steps.add_options([Option(Text(f"{i + 1:>2} {pane.title}"), id=str(i)) for i, pane in enumerate(panes)])

    def _show_step(self, index: int) -> None:
        self._notice = ""
        index = max(0, min(index, len(self.panes) - 1))
        self.step = index
        pane = self.panes[index]
        self.query_one("#panes", ContentSwitcher).current = pane.id
        self.query_one("#steps", StepList).highlighted = index
        if isinstance(pane, ReviewPane):
            self._refresh_review()
        if isinstance(pane, RiskPane) and self.writeup:
            phq = next((m for m in self.writeup.draft.measures if m.instrument == "phq9"), None)
            pane.show_item9(phq.item9 if phq else None)
        self.call_after_refresh(self._focus_pane, pane)
        self._update_header()
        # Rebuilding the footer is the costliest part of a step change, and moving the
        # focus into the new pane refreshes the bindings anyway; refresh here only when
        # the step keys on offer actually change (e.g. into Presentation or Review).
        offered = tuple(self.check_action(a, ()) for a in self._STEP_ACTIONS)
        if offered != self._offered:
            self._offered = offered
            self.refresh_bindings()

    _STEP_ACTIONS = ("carry_all", "quick_fill", "fill_blank", "sign", "copy")
    _offered: tuple[bool | None, ...] = ()

    def _focus_pane(self, pane: StepPane) -> None:
        for widget in pane.query("*"):
            if widget.focusable and widget.display:
                widget.focus()
                return

    def action_next_step(self) -> None:
        if self.signed is not None and self.next_member_session:
            self.dismiss(self.next_member_session)  # group: on to the next member's note
        elif self.panes:
            self._show_step(self.step + 1)

    def action_previous_step(self) -> None:
        if self.panes:
            self._show_step(self.step - 1)

    def action_go_to_step(self) -> None:
        self.query_one("#steps", StepList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, StepList):
            event.stop()
            self._show_step(int(event.option.id or 0))

    def palette_commands(self) -> Iterable[SystemCommand]:
        for index, pane in enumerate(self.panes):
            yield SystemCommand(f"Go to step: {pane.title}", f"Write-up step {index + 1}",
                                lambda index=index: self._show_step(index))

    # -- header -----------------------------------------------------------------
    def _update_header(self) -> None:
        if self.writeup is None:
            return
        elapsed = int(time.monotonic() - self._opened_at)
        over = " (over the 10-minute target)" if elapsed > TARGET_SECONDS else ""
        mark = self.autosave.mark
        if self.signed:
            mark = "signed"
        pane = self.panes[self.step] if self.panes else None
        if self._notice:
            mark = f"{mark} · {self._notice}"
        self.query_one("#writeup-header", Static).update(Text(
            f"{self.writeup.client_label} · {self.writeup.template.name} · step {self.step + 1}/{len(self.panes)} "
            f"{pane.title if pane else ''}    write-up {elapsed // 60}:{elapsed % 60:02d} / 10:00{over} · {mark}"
        ))

    # -- edits and autosave ------------------------------------------------------
    def _payload(self) -> str:
        assert self.writeup is not None
        data = self.writeup.draft.to_dict()
        data.pop("previous_scores", None)
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    async def on_step_pane_edited(self, message: StepPane.Edited) -> None:
        if self.writeup is None or self.signed:
            return
        message.pane.apply(self.writeup.draft)
        payload = self._payload()
        if payload == self._last_payload:
            return
        self._last_payload = payload
        self._notice = ""
        if isinstance(message.pane, FactsPane) and self.writeup.draft.template_key != self.writeup.template.key:
            assert self.service is not None
            self.service.change_template(self.writeup, self.writeup.draft.template_key)
            await self._build_panes()
            self._show_step(0)
        self.autosave.changed()

    def _snapshot(self) -> "DraftSnapshot":
        assert self.service is not None and self.writeup is not None
        return self.service.snapshot(self.writeup)

    def _write(self, snapshot: "DraftSnapshot") -> None:
        assert self.service is not None
        self.service.write(snapshot)

    def on_autosaver_finished(self, message: Autosaver.Finished) -> None:
        self.autosave.finished(message)

    def flush_before_lock(self) -> None:
        if self.writeup is None or self.signed:
            return
        if self.autosave.flush() and self.service:
            self.service.release(self.writeup)

    # -- review and signing ------------------------------------------------------
    def _refresh_review(self) -> None:
        from ..services.writeup import finding_id

        if self.writeup is None or self.service is None:
            return
        review = self.panes[-1]
        assert isinstance(review, ReviewPane)
        if self.signed:
            review.show(self.signed.text, [], finding_id, self.acknowledged, signed=True,
                        next_member=bool(self.next_member_session))
            return
        findings = self.service.lint(self.writeup)
        review.show(self.service.render(self.writeup), findings, finding_id, self.acknowledged)

    def on_selection_list_selected_changed(self, event) -> None:  # noqa: ANN001
        review = self.panes[-1] if self.panes else None
        if isinstance(review, ReviewPane) and event.selection_list.id == "review-warnings":
            self.acknowledged = review.acknowledged()
            self._refresh_review()

    def _pane(self) -> StepPane | None:
        return self.panes[self.step] if self.panes else None

    def action_carry_all(self) -> None:
        pane = self._pane()
        if isinstance(pane, SectionPane):
            pane.carry_all()

    def action_quick_fill(self) -> None:
        pane = self._pane()
        if isinstance(pane, (MentalStatusPane, RiskPane)):
            pane.quick_fill()

    def action_fill_blank(self) -> None:
        pane = self._pane()
        if isinstance(pane, MentalStatusPane):
            pane.fill_blank()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        pane = self._pane()
        if action == "carry_all":
            return isinstance(pane, SectionPane)
        if action == "quick_fill":
            return isinstance(pane, (MentalStatusPane, RiskPane))
        if action == "fill_blank":
            return isinstance(pane, MentalStatusPane)
        on_review = bool(self.panes) and self.step == len(self.panes) - 1
        if action == "sign":
            return on_review and self.signed is None
        if action == "copy":
            return self.signed is not None
        return True

    def action_sign(self) -> None:
        if self.writeup is None or self.service is None or self.signed:
            return
        self._sign(set(self.acknowledged))

    @work(thread=True, exclusive=True, group="writeup-sign")
    def _sign(self, acknowledged: set[str]) -> None:
        from ..errors import HushpadError

        assert self.service is not None and self.writeup is not None
        try:
            with self.autosave.lock:  # no draft save interleaves with signing
                signed = self.service.sign(self.writeup, acknowledged)
            next_member = self.service.next_unsigned_member(self.writeup)
        except HushpadError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Signed(signed, next_member))

    def on_writeup_screen_signed(self, message: Signed) -> None:
        self.signed = message.signed
        self.next_member_session = message.next_member
        self._refresh_review()
        self._update_header()
        self.refresh_bindings()

    def action_copy(self) -> None:
        """OSC 52 through Textual: only when asked, and only the signed text."""
        if self.signed is not None:
            self.app.copy_to_clipboard(self.signed.text)
            self._notice = "copied the signed note to the clipboard"
            self._update_header()

    def action_leave(self) -> None:
        self.flush_before_lock()
        self.dismiss(None)
