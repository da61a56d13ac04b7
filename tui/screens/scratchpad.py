"""The in-session scratchpad: the screen open while a client talks.

Calm by rule: no pop-ups, toasts, animation, bell or colour flashes. One dim status
line; everything else is the jotting editor. Every change is saved, encrypted, within
half a second, off the UI thread.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static

from ..domain.shorthand import DEFAULT_RULES
from ..services.saving import describe_failure
from ..widgets.autosaver import Autosaver
from ..widgets.folder_prompt import FolderPrompt
from ..widgets.key_footer import KeyFooter
from ._base import HushpadScreen, key_for
from ..widgets.jotting_editor import JottingEditor, make_visible, minute_clock

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.workspace import DiscardPlan, ScratchpadStart, SessionInfo
    from ..storage.vault import JottingLine

SAVE_DELAY = 0.3  # first change to save start; a save takes a few ms, so well inside 500 ms
RETRY_DELAY = 2.0
END_CONFIRM_SECONDS = 4.0
CLOCK_SECONDS = 10.0


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


class ScratchpadScreen(HushpadScreen[bool]):
    """Dismisses with True when the session was ended, False when left open."""

    app: "HushpadApp"
    TEACHES_SHORTHAND = True  # f1 lists the markers first
    in_session = True  # the app's idle lock stands down; the curtain covers instead

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+b", "curtain", "Curtain", id="scratchpad.curtain", priority=True),
        Binding("ctrl+o", "end_session", "End session", id="scratchpad.end", priority=True),
        Binding("f8", "discard_session", "Discard session", id="scratchpad.discard", show=False, priority=True,
                tooltip="A session started by mistake: press twice when empty; with jottings, type DISCARD. Audited."),
        # Named where it acts: the folded questions line says "(ctrl+t)".
        Binding("ctrl+t", "toggle_questions", "Last time's ?", id="scratchpad.questions", show=False),
        Binding("ctrl+s", "save_now", "Save now", id="scratchpad.save", show=False),
        Binding("f10", "leave", "Leave open", id="scratchpad.leave", show=False, priority=True),
        # Offered only while saving fails: the way out that loses nothing (issue 9).
        Binding("f9", "emergency_copy", "Emergency copy", id="scratchpad.emergency", priority=True,
                tooltip="Write the jottings, encrypted, to a folder on another disk; the next start restores them"),
    ]

    def __init__(self, session: "SessionInfo | None", lines: list["JottingLine"], questions: list[str], *,
                 code: str = "") -> None:
        """`session` None: opening (`hushpad jot CODE` before the vault is open). The editor takes
        typing at once; the lines stay in memory only, the status says "opening…", and ``attach``
        hands over the session, whose save path then saves them in order."""
        super().__init__()
        self.session = session
        self.opening_code = session.client_code if session is not None else code
        self._opening = session is None  # "opening…" until the first save after the vault opened lands
        self._open_problem = ""  # the session could not be opened: what was typed cannot be saved
        self._quit_armed_until = 0.0
        self._initial = [(line.minute, line.text) for line in lines]
        # Last time's questions come straight from the vault: draw control characters as
        # visible symbols, as the editor does, so a stored ESC can never reach the terminal.
        self._questions = [make_visible(q) for q in questions]
        self._questions_open = bool(questions)
        started = session.started_at.timestamp() if session is not None else time.time()
        elapsed = max(0.0, time.time() - started)
        self._started_monotonic = time.monotonic() - elapsed
        self.autosave: Autosaver[list[tuple[int, str]]] = Autosaver(
            self._snapshot, self._write, describe=describe_failure, delay=SAVE_DELAY, retry=RETRY_DELAY)
        self._end_armed_until = 0.0
        self._curtain = False
        self._status_line = ""
        self._status_mode = ""  # "", "wide" (a note takes the line) or "problem" (saving fails)
        self._notice = ""  # stays until the next edit: refusals and problems must be read
        self._notice_until = math.inf
        self._failing = False  # saving fails now: the emergency key is on offer
        self._prompting = False  # the one-line folder prompt is open
        self._copied_generation = -1  # the newest change an emergency copy holds

    # -- layout ----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        config = self.app.config
        yield Static("", id="questions", markup=False)
        yield JottingEditor(
            self._initial,
            minute_now=minute_clock(self._started_monotonic),
            rules=self.app.workspace.rules if self.app.workspace else DEFAULT_RULES,
            paste_limit=config.paste_limit_kb * 1024,
            id="jottings",
        )
        yield Static("", id="curtain")
        with Horizontal(id="status-bar"):
            yield Static("", id="status", markup=False)
            yield KeyFooter(compact=True, show_command_palette=False)
            yield FolderPrompt(id="emergency-folder")
        yield self.autosave

    def on_mount(self) -> None:
        self.query_one("#curtain").display = False
        self._render_questions()
        editor = self.query_one(JottingEditor)
        editor.focus()
        editor.move_cursor(editor.document.end)
        self._update_status()
        self.set_interval(CLOCK_SECONDS, self._tick)

    # -- status line ------------------------------------------------------------
    def _elapsed_minutes(self) -> int:
        return int((time.monotonic() - self._started_monotonic) // 60)

    def _update_status(self, note: str = "", *, until: float = math.inf) -> None:
        """Redraw the status line; `note` stays (until the next edit, or the monotonic time `until`)."""
        if note:
            self._notice, self._notice_until = note, until
        elif self._notice and time.monotonic() > self._notice_until:
            self._notice = ""
        code = self.opening_code
        if self.session is not None and self.app.config.show_client_names and self.session.client_name:
            code = f"{code} {self.session.client_name}"  # off by default: screens are seen across a room
        if self._open_problem:
            mark = "not saved"
        elif self._opening and not self.autosave.problem:
            mark = "opening…"
        else:
            mark = self.autosave.mark
        parts = [code, f"{self._elapsed_minutes()} min", mark]
        note = self._notice
        if note:
            parts.append(note)
        line = "  ·  ".join(parts)
        if line != self._status_line:  # the mark flips often; a re-render only when it reads differently
            self._status_line = line
            # A note or a problem must be read whole, so while one shows it takes the line from
            # the key hints (the fixed 55% would cut it off). While saving fails, the keys move to
            # a second row instead, so the way out (the emergency copy) stays on screen. These
            # flip rarely; plain typing still never re-lays out the editor.
            mode = "problem" if self.autosave.problem or self._prompting else "wide" if note else ""
            if mode != self._status_mode:
                self._status_mode = mode
                bar = self.query_one("#status-bar")
                bar.styles.height = 2 if mode == "problem" else None
                bar.styles.layout = "vertical" if mode == "problem" else None
                self.query_one("#status").styles.width = "1fr" if mode else None  # None: back to the CSS
                self.query_one("#status-bar Footer").display = mode != "wide" and not self._prompting
            # Fixed-width status (CSS) and layout=False: updating it never re-lays out the editor.
            self.query_one("#status", Static).update(Text(line), layout=False)

    def _tick(self) -> None:
        self._update_status()
        config = self.app.config
        if not self._curtain and self.app.idle_seconds() >= config.curtain_minutes * 60:
            self._set_curtain(True)

    def _render_questions(self) -> None:
        panel = self.query_one("#questions", Static)
        if not self._questions:
            panel.display = False
            return
        panel.display = not self._curtain  # shown again when the session arrived with some (attach)
        if self._questions_open:
            panel.update(Text("Last time:\n" + "\n".join(f"  {q}" for q in self._questions)))
        else:
            panel.update(Text(f"{len(self._questions)} question(s) from last time "
                              f"({key_for(self, 'scratchpad.questions')})"))

    def action_toggle_questions(self) -> None:
        self._questions_open = not self._questions_open
        self._render_questions()

    # -- autosave ----------------------------------------------------------------
    def _snapshot(self) -> list[tuple[int, str]]:
        return self.query_one(JottingEditor).jotting_lines()

    def _write(self, lines: list[tuple[int, str]]) -> None:
        from ..storage.errors import LockedError
        from ..storage.vault import JottingLine

        workspace = self.app.workspace
        if workspace is None:
            raise LockedError("locked")
        workspace.save_jottings(self.session, [JottingLine(m, t) for m, t in lines])

    def on_text_area_changed(self, event: JottingEditor.Changed) -> None:
        self._end_armed_until = 0.0
        self._quit_armed_until = 0.0
        self._notice = ""
        if self.session is None:  # nowhere to save yet: the editor holds it; attach saves it
            self._update_status()
            return
        self.autosave.changed()

    def on_autosaver_state_changed(self, _: Autosaver.StateChanged) -> None:
        if self._opening and self.autosave.all_saved:
            self._opening = False
        self._update_status()
        failing = bool(self.autosave.problem)
        if failing != self._failing:  # the emergency key comes and goes with the problem
            self._failing = failing
            self.refresh_bindings()

    # -- the way out when saving fails: an encrypted copy elsewhere ------------------
    # -- the vault opens while the clinician types (issue 14) ---------------------------
    def has_typed_text(self) -> bool:
        return any(text.strip() for _minute, text in self._snapshot())

    def attach(self, start: "ScratchpadStart") -> None:
        """The session is open: its earlier lines go first, what was typed meanwhile follows (in
        order, stamped with the session's minute now), and the normal save path saves it all."""
        session = start.session
        elapsed = max(0.0, time.time() - session.started_at.timestamp())
        self._started_monotonic = time.monotonic() - elapsed
        editor = self.query_one(JottingEditor)
        typed = self.has_typed_text()
        workspace = self.app.workspace
        editor.take_session([(line.minute, line.text) for line in start.lines],
                            minute_clock(self._started_monotonic),
                            rules=workspace.rules if workspace is not None else None)
        self.session = session
        self.opening_code = session.client_code
        self._questions = [make_visible(q) for q in start.questions]
        self._questions_open = bool(self._questions)
        self._render_questions()
        self.refresh_bindings()
        if typed:
            self.autosave.changed()
            self.autosave.save_now()
        else:
            self._opening = False
        self._update_status()

    @property
    def waiting_for_session(self) -> bool:
        """Typing before the vault opened, and the session not handed over (nor refused) yet."""
        return self.session is None and self._opening

    def open_failed(self, text: str) -> None:
        """The session cannot be opened (say, no such client code) but something was typed."""
        self._open_problem = text
        self._opening = False
        self._update_status(f"{text}; what you typed is only on this screen and cannot be saved")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.session is None and action in (
                "end_session", "discard_session", "leave", "save_now", "emergency_copy", "toggle_questions"):
            return False  # nothing of the session exists yet
        if action == "emergency_copy":
            return bool(self.autosave.problem) and not self._prompting
        return True

    def _copy_holds_everything(self) -> bool:
        return self.autosave.generation <= self._copied_generation

    def action_emergency_copy(self) -> None:
        prompt = self.query_one(FolderPrompt)
        self._prompting = True
        self.query_one("#status-bar Footer").display = False
        prompt.open()
        self.refresh_bindings()
        self._update_status("type a folder on another disk (a USB stick) for an encrypted copy; "
                            "Enter writes it, Esc goes back")

    def _close_prompt(self) -> None:
        self._prompting = False
        self.query_one(FolderPrompt).close()
        self._status_mode = "?"  # re-lay the bar for the current state
        self._status_line = ""
        self.query_one(JottingEditor).focus()
        self.refresh_bindings()

    def on_folder_prompt_cancelled(self, _: FolderPrompt.Cancelled) -> None:
        self._close_prompt()
        self._update_status("no emergency copy written")

    def on_folder_prompt_chosen(self, message: FolderPrompt.Chosen) -> None:
        from ..services.saving import write_jottings_copy

        lines, generation, session = self._snapshot(), self.autosave.generation, self.session  # UI thread

        def written(copy) -> None:  # noqa: ANN001 - CopyWritten
            self._copied_generation = max(self._copied_generation, generation)
            self._close_prompt()
            later = ("the next start offers to restore it" if copy.noted
                     else "this profile could not note it, so write down that path")
            self._update_status(f"encrypted emergency copy written to {copy.path}; quitting is safe now; {later}")

        self.run_use_case(lambda workspace: write_jottings_copy(workspace, session, lines, message.folder),
                          written, lambda text: self._update_status(text), group="emergency-copy")

    def action_save_now(self) -> None:
        self.autosave.save_now()

    def _flush(self, refused: str) -> bool:
        """Save synchronously. If that fails, say so (`refused` names what did not happen) and keep everything."""
        saved = self.autosave.flush()
        if not saved and self._copy_holds_everything():
            return True  # the emergency copy holds every line; the next start restores them
        self._update_status("" if saved else f"{refused}: the last lines are not saved; "
                            f"{key_for(self, 'scratchpad.emergency')} writes an encrypted emergency copy")
        return saved

    def before_keys_go(self, action: str) -> bool:
        if self.session is None:
            return self._may_drop_unopened(action)
        return self._flush(f"not {'quitting' if action == 'quit' else 'locked'}")

    def _may_drop_unopened(self, action: str) -> bool:
        """Before the vault is open there is nowhere to save (an emergency copy needs the store's
        key too), so quitting with typed text is refused, saying so; a second quit within a few
        seconds is taken as meant and leaves the text unsaved."""
        if not self.has_typed_text():
            return True
        now = time.monotonic()
        if action == "quit" and now <= self._quit_armed_until:
            return True
        if action == "quit":
            self._quit_armed_until = now + END_CONFIRM_SECONDS
        self._update_status(
            "not quitting: what you typed is not saved, the vault is not open yet"
            + (f" ({self._open_problem})" if self._open_problem else "; it is saved as soon as it opens")
            + ("; quit again within 4 s to throw it away" if action == "quit" else ""),
            until=self._quit_armed_until or math.inf)
        return False

    def show_status(self, text: str) -> None:
        self._update_status(text)

    # -- curtain -----------------------------------------------------------------
    def action_curtain(self) -> None:
        self._set_curtain(not self._curtain)

    def _set_curtain(self, down: bool) -> None:
        self._curtain = down
        self.query_one("#curtain").display = down
        for widget_id in ("#jottings", "#status-bar"):
            self.query_one(widget_id).display = not down
        self.query_one("#questions").display = not down and bool(self._questions)
        if down:
            self.set_focus(None)
        else:
            self.query_one(JottingEditor).focus()
            self._update_status()

    def on_key(self, event: events.Key) -> None:
        if self._curtain:  # any key lifts it; no unlock needed mid-session
            event.stop()
            event.prevent_default()
            self._set_curtain(False)

    # -- paste limit ---------------------------------------------------------------
    def on_jotting_editor_paste_refused(self, message: JottingEditor.PasteRefused) -> None:
        self._update_status(f"paste of {_size(message.size)} not added (limit {_size(message.limit)})")

    # -- ending ------------------------------------------------------------------
    def action_end_session(self) -> None:
        now = time.monotonic()
        if now > self._end_armed_until:
            self._end_armed_until = now + END_CONFIRM_SECONDS
            self._update_status("press ctrl+o again to end the session", until=self._end_armed_until)
            return
        self._end_armed_until = 0.0
        if not self._flush("session not ended"):
            return
        session = self.session
        self.run_use_case(lambda workspace: workspace.end_session(session), lambda _minutes: self.dismiss(True),
                          lambda text: self.show_status(f"session not ended: {text}"), group="session-end")

    _discard_armed_until = 0.0

    def action_discard_session(self) -> None:
        """A session started by mistake. Empty: f8 twice. With jottings: a dialog that says they will
        be destroyed and goes only when DISCARD is typed. Refused once any note of it is signed."""
        if not self._flush("session not discarded"):
            return  # what is on screen must be in the vault before anyone counts it
        session = self.session
        if not any(text.strip() for _minute, text in self._snapshot()):
            now = time.monotonic()
            if now > self._discard_armed_until:
                self._discard_armed_until = now + END_CONFIRM_SECONDS
                self._update_status(f"press {key_for(self, 'scratchpad.discard')} again to discard this empty "
                                    "session", until=self._discard_armed_until)
                return
            self._discard_armed_until = 0.0
            self._discard(0)
            return
        self.run_use_case(lambda workspace: workspace.discard_plan(session.id), self._confirm_discard,
                          lambda text: self.show_status(f"session not discarded: {text}"), group="session-end")

    def _confirm_discard(self, plan: "DiscardPlan") -> None:
        from .discard import DiscardDialog  # a dialog, not a screen

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self._discard(plan.jotting_lines)
            else:
                self._update_status("nothing discarded")
                self.query_one(JottingEditor).focus()

        self.app.push_screen(DiscardDialog(plan), answered)

    def _discard(self, destroying: int) -> None:
        session = self.session
        self.run_use_case(lambda workspace: workspace.discard_session(session.id, destroying=destroying),
                          lambda _plan: self.dismiss(False),
                          lambda text: self.show_status(f"session not discarded: {text}"), group="session-end")

    def action_leave(self) -> None:
        """Back to the clients screen with the session still open (it resumes later)."""
        if self._flush("not left"):
            self.dismiss(False)
