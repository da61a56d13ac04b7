"""The Hushpad App: owns the unlocked workspace and the screens around it."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from .config import Config
from .errors import HushpadError
from .heap import HEAP, IDLE_PAUSE_SECONDS
from .navigator import Navigator
from .screens._base import AppFacing, RunsUseCases, log, unexpected_line, where
from .theme import THEMES
from .widgets._textual_compat import set_start_theme

if TYPE_CHECKING:
    from .services.early_unlock import EarlyUnlock
    from .services.workspace import ScratchpadStart, Workspace
    from .screens.intents import Navigate
    from .screens.scratchpad import ScratchpadScreen
    from .storage.emergency import Pending
    from .storage.keyring_access import KeyStore

STYLES = Path(__file__).parent / "styles"
IDLE_CHECK_SECONDS = 5.0
GC_CHECK_SECONDS = 0.5  # how often a deferred full collection may run at a pause (heap.py)
# `hushpad jot`: freezing the heap starts with a full collection (20-25 ms here), which would sit
# between the vault opening and "saved". It waits for the first pause, this long at most.
BASE_FREEZE_LATEST_SECONDS = 5.0


@dataclass(frozen=True)
class StartRequest:
    """What to open once unlocked: the clients screen, or straight into a jotting session."""

    jot_code: str | None = None


class HushpadApp(RunsUseCases, App[int]):
    TITLE = "Hushpad"
    CSS_PATH: ClassVar[list[str | Path]] = [STYLES / "app.tcss"]
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("ctrl+l", "lock", "Lock", id="app.lock"),
        # Not in the footers (room for each screen's own keys): ctrl+q is every Textual app's quit,
        # and it is in the palette and f1.
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, show=False),
    ]

    def __init__(self, config: Config, *, keystore: "KeyStore | None" = None,
                 start: StartRequest | None = None, early: "EarlyUnlock | None" = None) -> None:
        super().__init__()
        self.config = config
        self.start = start or StartRequest()
        self._keystore = keystore
        self._early = early  # `hushpad jot`: the unlock already under way (cli.run_app)
        self._opening_pad: ScratchpadScreen | None = None  # typing before the vault is open
        self._base_freeze_due: float | None = None  # `hushpad jot`: when the heap is frozen at the latest
        self.workspace: Workspace | None = None
        self.startup_error = ""
        self._last_input = time.monotonic()
        self.navigator = Navigator(self)
        for theme in THEMES:
            self.register_theme(theme)
        set_start_theme(self, config.theme)  # without Textual's full CSS re-parse
        if config.keymap:
            self.set_keymap(config.keymap)

    # -- keystore ----------------------------------------------------------
    @property
    def keystore(self) -> "KeyStore":
        """Built on first use (in a worker), so the keyring import stays off first paint."""
        if self._keystore is None:
            from .services.access import default_keystore

            self._keystore = default_keystore(self.config)
        return self._keystore

    # -- start -------------------------------------------------------------
    def on_mount(self) -> None:
        self.set_interval(IDLE_CHECK_SECONDS, self._check_idle)
        self.set_interval(GC_CHECK_SECONDS, self._collect_garbage)
        jot = bool(self.start.jot_code) and not self.config.demo and self.config.paths.is_initialised()
        if not jot:  # jot: the clients screen (and DataTable, ~6 ms of imports) waits for the session to close
            from .screens.clients import ClientsScreen

            self.push_screen(ClientsScreen())
        if self.config.demo:
            self.call_after_refresh(self._demo_status)
            self._open_demo()
        elif not self.config.paths.is_initialised():
            from .screens.setup import SetupScreen

            self.push_screen(SetupScreen())
        elif jot:
            # Straight into a session: typing-ready is what counts, not the list behind it. The
            # scratchpad takes typing at once; the lines wait in memory until the vault is open.
            # The clients screen is built when the session closes (or on lock), not under the
            # first frame (25-30 ms of it).
            self._push_opening_scratchpad(self.start.jot_code or "")
            if self._early is not None:
                self.call_after_refresh(self._early.painted)
            self.unlock_with_keyring()
        else:
            # After the first frame: the worker's crypto and database imports would
            # otherwise compete with it for the interpreter.
            self.call_after_refresh(self.unlock_with_keyring)

    def unlock_with_keyring(self) -> None:
        """Ask the keyring for the keys (a worker); passphrase mode asks the unlock screen instead."""
        config, keystore, jot = self.config, lambda: self.keystore, bool(self.start.jot_code)
        early, self._early = self._early, None

        def unlock() -> "Workspace | None":
            if early is not None:
                return early.result()
            from .services import access
            from .services.workspace import Workspace

            if access.passphrase_mode(config):
                return None
            profile = access.unlock(config, keystore=keystore())
            if jot:
                from .screens import scratchpad  # noqa: F401 - imported here, off the UI thread
            return Workspace(profile, config)

        self.run_task(unlock, lambda workspace: self.open_workspace(workspace) if workspace is not None
                      else self.ask_to_unlock(""), self.ask_to_unlock, group="unlock")

    def _demo_status(self) -> None:
        if isinstance(self.screen, AppFacing) and self.workspace is None:
            self.screen.show_status("Preparing fictional demo clients…")

    def _open_demo(self) -> None:
        config, keystore = self.config, lambda: self.keystore

        def open_demo() -> "Workspace":
            from .services import access
            from .services.demo import seed_demo
            from .services.workspace import Workspace

            profile, _code = access.initialise(config, keystore(), None)
            workspace = Workspace(profile, config)
            seed_demo(workspace)
            return workspace

        self.run_task(open_demo, self.open_workspace, group="unlock")

    def open_workspace(self, workspace: "Workspace") -> None:
        """Unlocked (by the keyring, the unlock or setup screen, or the demo): the clients list, then
        any emergency copies waiting, then (for `hushpad jot CODE`) the session."""
        self.workspace = workspace
        self._last_input = time.monotonic()
        pad = self._opening_pad if self._opening_pad in self.screen_stack else None
        if pad is None:
            HEAP.freeze_base()
        else:
            self._base_freeze_due = time.monotonic() + BASE_FREEZE_LATEST_SECONDS
        while len(self.screen_stack) > 2 and self.screen is not pad:
            self.pop_screen()  # the unlock screen; never the scratchpad typed into meanwhile
        if pad is None:
            from .screens.clients import ClientsScreen

            if not isinstance(self.screen, ClientsScreen):
                self.push_screen(ClientsScreen())
            if not self.start.jot_code:  # straight into a session: the list loads when it closes
                self.screen.post_message(ClientsScreen.Refresh())
        code, self.start = self.start.jot_code, StartRequest()
        from .services.saving import prepare_and_find

        # Emergency copies from a full disk come back first, before a session could overwrite them.
        self.run_use_case(prepare_and_find, lambda pending: self._offer_restore(pending, code),
                          lambda _problem: self._start_jot(code), group="emergency-find")

    def _offer_restore(self, pending: "Pending", code: str | None) -> None:
        from .screens.restore import RestoreDialog

        def then(restored: str | None) -> None:
            if restored and isinstance(self.screen, AppFacing):
                self.screen.show_status(restored)
            self._start_jot(code)

        if pending.copies:
            self.push_screen(RestoreDialog(pending.copies), then)
            return
        if pending.missing and isinstance(self.screen, AppFacing):
            self.screen.show_status(f"An emergency copy noted at {pending.missing[0]} is not there now "
                                    "(a stick not plugged in?). It is offered again at the next start.")
        elif pending.marker_damaged and isinstance(self.screen, AppFacing):
            self.screen.show_status("This profile's note of emergency copies is damaged; if you wrote one, "
                                    "it is still where you put it.")
        self._start_jot(code)

    def _start_jot(self, code: str | None) -> None:
        pad, self._opening_pad = self._opening_pad, None
        if pad is not None and pad in self.screen_stack and pad.session is None:
            self._open_into(pad, code or pad.opening_code)
        elif code:
            self.open_scratchpad_for_code(code)

    # -- typing before the vault is open (`hushpad jot CODE`, issue 14) ------
    def _push_opening_scratchpad(self, code: str) -> None:
        from .screens.scratchpad import ScratchpadScreen

        pad = ScratchpadScreen(None, [], [], code=code)
        self._opening_pad = pad

        def closed(ended: bool | None) -> None:
            self._ensure_clients_screen()
            if ended and pad.session is not None:
                from .screens.intents import OpenWriteup

                self.navigator.go(OpenWriteup(pad.session.id))

        self.push_screen(pad, closed)

    def _ensure_clients_screen(self) -> None:
        """`hushpad jot` started without the clients screen: it goes in under whatever comes next."""
        from .screens.clients import ClientsScreen

        if not any(isinstance(screen, ClientsScreen) for screen in self.screen_stack):
            while len(self.screen_stack) > 1:
                self.pop_screen()
            self.push_screen(ClientsScreen())

    def _open_into(self, pad: "ScratchpadScreen", code: str) -> None:
        """The vault is open: start (or resume) the session and hand it to the scratchpad already
        on screen, which saves what was typed meanwhile through its normal save path."""

        def start(workspace: "Workspace") -> "ScratchpadStart":
            try:
                return workspace.open_scratchpad(workspace.start_session(workspace.client_by_code(code)["id"]))
            except HushpadError:
                raise
            except Exception as exc:
                # Any failure must reach problem(): otherwise the pad says "opening…" for ever and
                # quitting would promise a save that never comes.
                log.error("unexpected %s at %s", type(exc).__name__, where(exc))
                raise HushpadError(unexpected_line(exc)) from exc

        def problem(text: str) -> None:
            if pad.has_typed_text():
                pad.open_failed(text)  # the text stays on screen; quitting says it is not saved
            else:
                self.startup_failed(text)

        self.run_use_case(start, pad.attach, problem, group="session-start")

    def ask_to_unlock(self, problem: str) -> None:
        """The keyring could not give the keys (or passphrase mode): the unlock screen, saying why."""
        from .screens.unlock import UnlockScreen

        if isinstance(self.screen, UnlockScreen):
            self.screen.show_problem(problem)
        else:
            self.push_screen(UnlockScreen(problem=problem))

    def report_unexpected(self, exc: BaseException) -> None:
        """While locked the only work is unlocking: an unexpected failure there says so on the unlock
        screen (the recovery code still works from it), never a dead end on the locked list."""
        if self.workspace is not None:
            super().report_unexpected(exc)
            return
        log.error("unexpected %s at %s", type(exc).__name__, where(exc))
        self.ask_to_unlock(unexpected_line(exc))

    def open_scratchpad_for_code(self, code: str) -> None:
        """`hushpad jot CODE`: straight into that client's session (a problem ends the program)."""
        from .screens.intents import StartSession

        self.navigator.go(StartSession(code=code))

    def on_navigate(self, message: "Navigate") -> None:
        self.navigator.go(message.intent, message.origin)

    def startup_failed(self, message: str) -> None:
        """`hushpad jot CODE` with a code that cannot be opened: leave with one clear line."""
        self.startup_error = message
        self.exit(1, return_code=1)

    # -- locking -----------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lock":
            # Not while `hushpad jot`'s scratchpad is still being handed its session.
            return self.workspace is not None and not getattr(self.screen, "waiting_for_session", False)
        return True

    def _keys_may_go(self, action: str) -> bool:
        """Every screen saves what it holds, synchronously. One that cannot refuses (and says why)."""
        return all(screen.before_keys_go(action) for screen in reversed(self.screen_stack)
                   if isinstance(screen, AppFacing))

    def action_lock(self) -> None:
        """Drop the data keys and connections from memory; ask again to unlock."""
        if self.workspace is None:
            return
        if not self._keys_may_go("lock"):
            return  # unsaved text stays on screen, with its keys; the screen said why
        workspace, self.workspace = self.workspace, None
        self._base_freeze_due = None
        workspace.close()
        from .screens.clients import ClientsScreen
        from .screens.unlock import UnlockScreen

        removals = []
        if not any(isinstance(screen, ClientsScreen) for screen in self.screen_stack):
            # `hushpad jot`'s scratchpad sits on the bare default screen: it goes too.
            while len(self.screen_stack) > 1:
                removals.append(self.pop_screen())
            self.push_screen(ClientsScreen())
        while len(self.screen_stack) > 2:
            removals.append(self.pop_screen())
        if isinstance(self.screen, ClientsScreen):
            self.screen.post_message(ClientsScreen.Refresh())
        self.push_screen(UnlockScreen(problem="", locked=True))
        HEAP.release()  # what held note text can now be collected
        from .lock_hygiene import scrub_after_lock

        # Once the session's screens are gone: drop what Textual still holds of them (issue 9).
        self.call_later(scrub_after_lock, self, removals)

    def on_event(self, event: events.Event) -> Any:
        if isinstance(event, events.InputEvent) and not event.is_forwarded:
            self._last_input = time.monotonic()
        return super().on_event(event)

    def idle_seconds(self) -> float:
        return time.monotonic() - self._last_input

    def _collect_garbage(self) -> None:
        if self._base_freeze_due is not None:
            if self.workspace is not None and (self.idle_seconds() >= IDLE_PAUSE_SECONDS
                                               or time.monotonic() >= self._base_freeze_due):
                self._base_freeze_due = None
                HEAP.freeze_base()
            return
        # The full collection at a pause instead of on a key (heap.py).
        HEAP.collect_when_idle(self.idle_seconds())

    def _check_idle(self) -> None:
        # In session the scratchpad draws its curtain instead; it never locks mid-session,
        # even with help or the palette open over it.
        if self.workspace is None or any(isinstance(s, AppFacing) and s.in_session for s in self.screen_stack):
            return
        if self.idle_seconds() >= self.config.idle_lock_minutes * 60:
            self.action_lock()

    # -- help and palette --------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key on the current screen is also a palette command."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            node = active.node
            key = self.get_key_display(binding)
            yield SystemCommand(
                binding.description,
                f"{binding.tooltip or binding.description} ({key})",
                lambda action=binding.action, node=node: self.run_action(action, node),
            )
        if isinstance(screen, AppFacing):
            yield from screen.palette_commands()
        yield from super().get_system_commands(screen)

    # -- exit --------------------------------------------------------------
    async def action_quit(self) -> None:
        if self._keys_may_go("quit"):
            self.exit(0)

    def on_unmount(self) -> None:
        if self.workspace is not None:
            self.workspace.close()
            self.workspace = None
        self._base_freeze_due = None
        HEAP.release()  # the heap is process-wide: an app run in-process (tests) leaves it as found


def make_app(config: Config, *, keystore: "KeyStore | None" = None, jot_code: str | None = None,
             early: "EarlyUnlock | None" = None) -> HushpadApp:
    """The one way to build the App: the command line and the tests both come through here."""
    return HushpadApp(config, keystore=keystore, start=StartRequest(jot_code=jot_code), early=early)
