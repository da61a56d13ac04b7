"""The write-up: 5–10 minutes from a session's jottings to a signed, locked progress note."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, OptionList, Static
from textual.widgets.option_list import Option

from ..services.saving import describe_failure
from ..widgets.autosaver import Autosaver
from ..widgets.folder_prompt import FolderPrompt
from ..widgets.key_footer import KeyFooter
from ._base import HushpadScreen, key_for
from ..widgets.writeup_steps import (
    CombinedStep, FactsPane, MentalStatusPane, ReviewPane, RiskPane, SectionPane, StepPane, step_part,
)

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..domain.lint import Finding
    from ..services.workspace import Workspace
    from ..services.writeup import DraftSnapshot, SignedNote, Writeup, WriteupService

TARGET_SECONDS = 10 * 60
SAVE_DELAY = 0.3
REVIEW_AFTER = 0.5  # seconds without an edit before the review is worked out ahead


class StepList(OptionList):
    DEFAULT_CSS = """
    StepList { width: 26; height: 1fr; border: none; background: $surface; }
    """


class WriteupScreen(HushpadScreen["int | None"]):
    """Dismisses with the next group member's session id to write up, or None."""

    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "next_step", "Next", id="writeup.next", priority=True),
        Binding("ctrl+b", "previous_step", "Back", id="writeup.back", priority=True),
        Binding("ctrl+g", "go_to_step", "Steps", id="writeup.goto", priority=True),
        Binding("f4", "carry_all", "Carry ◆", id="writeup.carry_all", priority=True),
        Binding("f2", "quick_fill", "Quick fill", id="writeup.quick_fill", priority=True,
                tooltip="Presentation: within normal limits for this line. Risk: denies SI, HI, self-harm; low."),
        Binding("f3", "fill_blank", "WNL blanks", id="writeup.fill_blank", priority=True),
        Binding("ctrl+s", "sign", "Sign", id="writeup.sign", priority=True),
        Binding("ctrl+o", "copy", "Copy for EHR", id="writeup.copy", priority=True),
        Binding("escape", "leave", "Leave", id="writeup.leave", tooltip="The draft is kept."),
        Binding("escape", "close", "Back", id="writeup.close"),
        # Offered only while saving fails: the way out that loses nothing (issue 9).
        Binding("f9", "emergency_copy", "Emergency copy", id="writeup.emergency", priority=True,
                tooltip="Write the draft, encrypted, to a folder on another disk; the next start restores it"),
    ]

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
            self._snapshot, self._write, describe=describe_failure, delay=SAVE_DELAY)
        self._notice = ""
        self._failing = False  # saving fails now: the emergency key is on offer
        self._copied_generation = -1  # the newest change an emergency copy holds
        self._header_line = ""
        # Counts edits of the draft: the review's lint and text are worked out once per
        # revision (and minute: both read the clock), not on every visit.
        self.revision = 0
        self._edited_at = 0.0
        self._review_cache: "tuple[tuple[int, str], str, list[Finding]] | None" = None

    # -- layout -----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("Opening the write-up…", id="writeup-header", markup=False)
        with Horizontal(id="writeup-body"):
            yield StepList(id="steps")
            with Vertical(id="writeup-main"):
                yield ContentSwitcher(id="panes")
        yield FolderPrompt(id="emergency-folder")
        yield KeyFooter()
        yield self.autosave

    def on_mount(self) -> None:
        self._open()
        self.set_interval(1.0, self._tick)

    def _open(self) -> None:
        session_id = self.session_id

        def open_writeup(workspace: "Workspace") -> "tuple[Writeup, WriteupService]":
            from ..services.writeup import WriteupService

            service = WriteupService(workspace)
            return service.open(session_id), service

        self.run_use_case(open_writeup, self._opened, group="writeup-open")

    def _tick(self) -> None:
        self._update_header()
        self._prepare_review()

    def show_status(self, text: str) -> None:
        if self.writeup is None:  # could not open at all
            self.query_one("#writeup-header", Static).update(Text(f"{text}  (Esc to go back)"))
            return
        self._notice = text  # stays until the next edit or step, not just until the clock ticks
        self._update_header()

    async def _opened(self, opened: "tuple[Writeup, WriteupService]") -> None:
        self.writeup, self.service = opened
        await self._build_panes()
        self._show_step(0)
        from ..heap import HEAP

        HEAP.freeze(self)  # the panes live as long as the write-up: out of every collection until it closes

    def on_unmount(self) -> None:
        from ..heap import HEAP

        HEAP.thaw(self)

    # -- steps ------------------------------------------------------------------
    def _make_panes(self) -> list[StepPane]:
        from ..services.writeup import DEFAULT_INTERVENTIONS
        from ..widgets.writeup_steps import build_steps

        assert self.writeup is not None and self.service is not None
        writeup = self.writeup
        # The steps come from tui.domain.steps: at most 7 for an individual note; in a group,
        # the shared part once (until a member's note is signed), then 4 per member.
        return build_steps(
            writeup.template, writeup.draft, writeup.jottings,
            carry=lambda jotting: self.service.carry(self.writeup, jotting),
            template_names={key: t.name for key, t in self.service.templates.items()},
            picks=list(self.app.config.interventions or DEFAULT_INTERVENTIONS),
            members=writeup.members, member=writeup.member, risk_lines=[j.text for j in writeup.risk_lines],
            shared=not writeup.shared_locked, previous=writeup.previous_scores,
            custom_scales=self.app.config.custom_scales,
        )

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
        # Header and pane reach the screen in the same frame: the header is updated first
        # (a fixed one-line widget, so no layout pass of its own).
        self._update_header()
        if isinstance(pane, ReviewPane):
            self._refresh_review()
        risk = step_part(pane, RiskPane)
        if isinstance(risk, RiskPane) and self.writeup:
            risk.show_score_flags([m.risk_flag_text() for m in self.writeup.draft.measures if m.risk_flag])
        self.query_one("#panes", ContentSwitcher).current = pane.id
        self.query_one("#steps", StepList).highlighted = index
        # Focus moves straight into the new pane, before the old one is hidden: otherwise
        # hiding it hands the focus to a sibling in the hidden pane first (a second focus
        # change, each restyling and repainting), and then on to the new pane.
        self._focus_pane(pane)
        # Rebuilding the footer is the costliest part of a step change, and moving the
        # focus into the new pane refreshes the bindings anyway; refresh here only when
        # the step keys on offer actually change (e.g. into Presentation or Review).
        offered = tuple(self.check_action(a, ()) for a in self._STEP_ACTIONS)
        if offered != self._offered:
            self._offered = offered
            self.refresh_bindings()

    _STEP_ACTIONS = ("carry_all", "quick_fill", "fill_blank", "sign", "copy", "leave", "close")
    _offered: tuple[bool | None, ...] = ()

    def _focus_target(self, pane: StepPane):  # noqa: ANN202 - a Widget
        """Where a step opens: the risk control still unanswered, else the pane's first field.
        A part of a combined step is a container, not a field; a pane with no field (the
        review without warnings) takes the focus itself, so the keys scroll the note."""
        risk = step_part(pane, RiskPane)
        target = risk.first_unanswered() if isinstance(risk, RiskPane) else None
        if target is not None:
            return target
        for widget in pane.query("*"):
            if widget.focusable and widget.display and not isinstance(widget, StepPane):
                return widget
        return pane

    def _focus_pane(self, pane: StepPane) -> None:
        target = self._focus_target(pane)
        # Not scrolled into view now: the pane is laid out only in the coming frame.
        self.set_focus(target, scroll_visible=False)
        self.call_after_refresh(target.scroll_visible, animate=False)

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
        line = (f"{self.writeup.client_label} · {self.writeup.template.name} · step {self.step + 1}/{len(self.panes)} "
                f"{pane.title if pane else ''}    write-up {elapsed // 60}:{elapsed % 60:02d} / 10:00{over} · {mark}")
        if line != self._header_line:  # the clock ticks every second; repaint only on a change
            self._header_line = line
            self.query_one("#writeup-header", Static).update(Text(line), layout=False)  # always one line

    # -- edits and autosave ------------------------------------------------------
    async def on_step_pane_edited(self, message: StepPane.Edited) -> None:
        if self.writeup is None or self.signed:
            return
        if not message.pane.is_attached:
            # From a pane already taken down (a template change rebuilds the steps while the
            # picker's change is still queued): its fields are gone, and the draft holds them.
            return
        # No per-keystroke serialising to learn whether anything changed: the save is
        # debounced, and the service skips writing a draft identical to the last one written.
        message.pane.apply(self.writeup.draft)
        self.revision += 1
        self._edited_at = time.monotonic()
        self._notice = ""
        if isinstance(message.pane, FactsPane) and self.writeup.draft.template_key != self.writeup.template.key:
            assert self.service is not None
            self.service.change_template(self.writeup, self.writeup.draft.template_key)
            await self._build_panes()
            self._show_step(0)
            # Back on the template picker, so the next arrow key goes on through the templates
            # (the focus had moved to the new Session step's first field: a trap).
            for picker in self.query("#fact-template"):
                self.set_focus(picker, scroll_visible=False)
                break
        self.autosave.changed()

    def _snapshot(self) -> "DraftSnapshot":
        assert self.service is not None and self.writeup is not None
        return self.service.snapshot(self.writeup)

    def _write(self, snapshot: "DraftSnapshot") -> None:
        assert self.service is not None
        self.service.write(snapshot)

    def on_autosaver_state_changed(self, _: Autosaver.StateChanged) -> None:
        self._update_header()
        if bool(self.autosave.problem) != self._failing:  # the emergency key comes and goes with it
            self._failing = bool(self.autosave.problem)
            self.refresh_bindings()

    def action_emergency_copy(self) -> None:
        self.query_one(FolderPrompt).open()
        self.refresh_bindings()
        self._notice = "type a folder on another disk for an encrypted copy of the draft; Enter writes it, Esc goes back"
        self._update_header()

    def _close_prompt(self, notice: str) -> None:
        self.query_one(FolderPrompt).close()
        self.refresh_bindings()
        self._notice = notice
        self._update_header()
        if self.panes:
            self._focus_pane(self.panes[self.step])

    def on_folder_prompt_cancelled(self, _: FolderPrompt.Cancelled) -> None:
        self._close_prompt("no emergency copy written")

    def on_folder_prompt_chosen(self, message: FolderPrompt.Chosen) -> None:
        from ..services.saving import write_draft_copy

        if self.writeup is None or self.service is None:
            return
        snapshot, generation = self.service.snapshot(self.writeup), self.autosave.generation  # UI thread

        def written(copy) -> None:  # noqa: ANN001 - CopyWritten
            self._copied_generation = max(self._copied_generation, generation)
            later = ("the next start offers to restore it" if copy.noted
                     else "this profile could not note it, so write down that path")
            self._close_prompt(f"encrypted copy of the draft written to {copy.path}; leaving is safe now; {later}")

        self.run_use_case(lambda workspace: write_draft_copy(workspace, snapshot, message.folder), written,
                          self.show_status, group="emergency-copy")

    def _flush(self, refused: str) -> bool:
        """Save synchronously and let go of the draft. If saving fails, say so and keep everything."""
        if self.writeup is None or self.signed:
            return True
        if not self.autosave.flush():
            if self.autosave.generation <= self._copied_generation:
                return True  # the emergency copy holds every change; the next start restores it
            self._notice = (f"{refused}: the last changes are not saved; "
                            f"{key_for(self, 'writeup.emergency')} writes an encrypted emergency copy")
            self._update_header()
            return False
        if self.service:
            try:
                self.service.release(self.writeup)
            except Exception:  # noqa: BLE001 - the draft is saved; a stale claim is cleared on the next open
                pass
        return True

    def before_keys_go(self, action: str) -> bool:
        return self._flush(f"not {'quitting' if action == 'quit' else 'locked'}")

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
        text, findings = self._review()
        review.show(text, findings, finding_id, self.acknowledged)

    def _prepare_review(self) -> None:
        """Once typing pauses, work out the review for the newest revision, so going to
        Review finds it ready (lint compares every section with every other)."""
        if (self.writeup is None or self.service is None or self.signed or not self.panes
                or self.step == len(self.panes) - 1 or time.monotonic() - self._edited_at < REVIEW_AFTER):
            return
        if self._review_cache is None or self._review_cache[0][0] != self.revision:
            self._review()

    def _review(self) -> "tuple[str, list[Finding]]":
        """The note as it would be signed now, and its lint: once per draft revision and minute."""
        assert self.service is not None and self.writeup is not None
        key = (self.revision, self.service.signed_at_now()[:16])  # the text shows the minute
        if self._review_cache is None or self._review_cache[0] != key:
            self._review_cache = (key, self.service.render(self.writeup), self.service.lint(self.writeup))
        return self._review_cache[1], self._review_cache[2]

    def on_selection_list_selected_changed(self, event) -> None:  # noqa: ANN001
        review = self.panes[-1] if self.panes else None
        if isinstance(review, ReviewPane) and event.selection_list.id == "review-warnings":
            self.acknowledged = review.acknowledged()
            self._refresh_review()

    def _pane(self) -> StepPane | None:
        return self.panes[self.step] if self.panes else None

    def _sections(self) -> list[SectionPane]:
        pane = self._pane()
        if isinstance(pane, CombinedStep):
            return [p for p in pane.parts if isinstance(p, SectionPane)]
        return [pane] if isinstance(pane, SectionPane) else []

    def action_carry_all(self) -> None:
        for section in self._sections():  # every ◆ of every section on this step
            section.carry_all()

    def action_quick_fill(self) -> None:
        pane = self._pane()
        mse, risk = step_part(pane, MentalStatusPane), step_part(pane, RiskPane)
        focused = self.focused
        if isinstance(mse, MentalStatusPane) and (risk is None or (focused is not None and mse in focused.ancestors)):
            mse.quick_fill()
        elif isinstance(risk, RiskPane):
            risk.quick_fill()

    def action_fill_blank(self) -> None:
        mse = step_part(self._pane(), MentalStatusPane)
        if isinstance(mse, MentalStatusPane):
            mse.fill_blank()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "emergency_copy":
            return bool(self.autosave.problem) and not self.query_one(FolderPrompt).display
        pane = self._pane()
        if action == "carry_all":
            return bool(self._sections())
        if action == "quick_fill":
            return step_part(pane, MentalStatusPane) is not None or step_part(pane, RiskPane) is not None
        if action == "fill_blank":
            return step_part(pane, MentalStatusPane) is not None
        if action == "leave":
            return self.signed is None  # after signing there is no draft to keep: Esc is "Back"
        if action == "close":
            return self.signed is not None
        on_review = bool(self.panes) and self.step == len(self.panes) - 1
        if action == "sign":
            return on_review and self.signed is None
        if action == "copy":
            return self.signed is not None
        return True

    def action_sign(self) -> None:
        if self.writeup is None or self.service is None or self.signed:
            return
        service, writeup, acknowledged, lock = self.service, self.writeup, set(self.acknowledged), self.autosave.lock

        def sign(_: "Workspace") -> "tuple[SignedNote, int | None]":
            with lock:  # no draft save interleaves with signing
                signed = service.sign(writeup, acknowledged)
            return signed, service.next_unsigned_member(writeup)

        self.run_use_case(sign, self._signed, group="writeup-sign")

    def _signed(self, outcome: "tuple[SignedNote, int | None]") -> None:
        self.signed, self.next_member_session = outcome
        self._notice = ""  # a refusal from before signing ("Acknowledge each warning…") is stale now
        self._refresh_review()
        self._update_header()
        self.refresh_bindings()

    def action_copy(self) -> None:
        """OSC 52, honestly (widgets.clipboard): only when asked, and only the signed text."""
        if self.signed is not None:
            from ..widgets.clipboard import copy_for_ehr

            copy_for_ehr(self, self.signed.text, self._copied)

    def _copied(self, status: str) -> None:
        # The header is one line (at 100 columns ~20 characters are left): the message says it all.
        self._notice = "tmux dropped the copy" if "tmux drops it" in status else "sent by OSC 52"
        self._update_header()
        self.notify(status, timeout=10)

    def action_leave(self) -> None:
        if self._flush("not left"):
            self.dismiss(None)

    def action_close(self) -> None:
        """After signing: back to where the write-up was opened from."""
        self.dismiss(None)
