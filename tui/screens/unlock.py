"""Unlock: passphrase mode, after a lock, or when the keyring cannot give the key."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from ..widgets.key_footer import KeyFooter
from ._base import HushpadScreen
if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.workspace import Workspace


class UnlockScreen(HushpadScreen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+k", "keyring", "Unlock with keyring", id="unlock.keyring"),
        Binding("ctrl+r", "recovery", "Use recovery code", id="unlock.recovery"),
    ]

    def __init__(self, problem: str = "", locked: bool = False) -> None:
        super().__init__()
        self._problem = problem
        self._locked = locked
        self._recovering = False
        self._passphrase_mode = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="unlock-box"):
            yield Static("Locked" if self._locked else "Unlock Hushpad", classes="dialog-title")
            yield Static("", id="unlock-help", markup=False)
            yield Input(id="secret", password=True)
            yield Static("", id="unlock-problem", classes="problem", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.show_problem(self._problem)
        self._find_mode()

    def _find_mode(self) -> None:
        from ..services.access import passphrase_mode

        config = self.app.config
        self.run_task(lambda: passphrase_mode(config), self._mode_known, group="unlock-mode")

    def _mode_known(self, passphrase: bool) -> None:
        self._passphrase_mode = passphrase
        self._show_mode()

    def _show_mode(self) -> None:
        secret = self.query_one("#secret", Input)
        help_text = self.query_one("#unlock-help", Static)
        if self._recovering:
            help_text.update("Type your recovery code (spaces and dashes are fine), then Enter.")
            secret.password = False
            secret.placeholder = "ABCD7-EFGH2-…"
            secret.display = True
            secret.focus()
        elif self._passphrase_mode:
            help_text.update("Type your passphrase, then Enter.")
            secret.password = True
            secret.placeholder = "passphrase"
            secret.display = True
            secret.focus()
        else:
            help_text.update("Press ctrl+k to unlock with this computer's keyring, or ctrl+r to use the recovery code.")
            secret.display = False

    def show_problem(self, text: str) -> None:
        self.query_one("#unlock-problem", Static).update(Text(text))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "keyring":
            return not self._passphrase_mode or self._recovering
        return True

    def action_keyring(self) -> None:
        self._recovering = False
        self.show_problem("Asking the keyring…")
        self._show_mode()
        self.app.unlock_with_keyring()

    def action_recovery(self) -> None:
        self._recovering = True
        self.show_problem("")
        self._show_mode()
        self.refresh_bindings()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value
        event.input.value = ""
        if not value:
            return
        self.show_problem("Unlocking…")
        self._unlock(value, self._recovering)

    def _unlock(self, secret: str, recovering: bool) -> None:
        app, config, passphrase_mode = self.app, self.app.config, self._passphrase_mode

        def unlock() -> "Workspace":
            from ..services import access
            from ..services.workspace import Workspace

            if recovering:
                keystore = None if passphrase_mode else app.keystore
                if keystore is not None and not access.keyring_status(keystore).usable:
                    keystore = None  # open with the code; the keyring can be enrolled later
                profile = access.recover(config, secret, keystore, None)
            else:
                profile = access.unlock(config, passphrase=secret)
            return Workspace(profile, config)

        self.run_task(unlock, app.open_workspace, group="unlock")

    def show_status(self, text: str) -> None:
        self.show_problem(text)
