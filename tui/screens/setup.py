"""First run: choose how the keys are protected, then see and confirm the recovery code once."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Input, Static

from ..widgets.key_footer import KeyFooter
from ._base import HushpadScreen
if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.access import KeyringStatus
    from ..services.workspace import Workspace

INTRO = (
    "Hushpad keeps two encrypted files in this profile: the vault (your private session jottings) "
    "and the record (clients and signed progress notes). Each has its own key. The keys are locked "
    "by this computer's keyring, or by a passphrase, and also by a recovery code that you write down."
)


class SetupScreen(HushpadScreen[None]):
    app: "HushpadApp"

    # Nothing to type on the first step. Auto-focus would put the cursor in the hidden
    # passphrase field, which would then swallow the k and p keys.
    AUTO_FOCUS = ""  # None would mean the app default ("*")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "use_keyring", "Use keyring", id="setup.keyring"),
        Binding("p", "use_passphrase", "Use passphrase", id="setup.passphrase"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._status: KeyringStatus | None = None
        self._workspace: Workspace | None = None
        self._code = ""
        self._step = "choose"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="setup-box"):
            yield Static("Welcome to Hushpad", classes="dialog-title")
            with ContentSwitcher(initial="choose", id="setup-steps"):
                with Vertical(id="choose"):
                    yield Static(INTRO, markup=False)
                    yield Static("Checking this computer's keyring…", id="keyring-line", markup=False)
                with Vertical(id="passphrase"):
                    yield Static("Choose a passphrase of at least 10 characters. A short sentence is easiest "
                                 "to remember. You will type it each time you unlock.", markup=False)
                    yield Input(id="pass1", password=True, placeholder="passphrase")
                    yield Input(id="pass2", password=True, placeholder="the same again")
                with Vertical(id="code"):
                    yield Static("Your recovery code. Write it on paper now and keep it away from this computer. "
                                 "It is the only way back in if the keyring is lost, and it is shown only once.",
                                 markup=False)
                    yield Static("", id="code-text", markup=False)
                    yield Static("To confirm you have it, type its last group:", markup=False)
                    yield Input(id="confirm", max_length=12)
            yield Static("", id="setup-problem", classes="problem", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self._check_keyring()

    def _check_keyring(self) -> None:
        from ..services.access import keyring_status

        app = self.app
        self.run_task(lambda: keyring_status(app.keystore), self._keyring_checked, group="setup")

    def show_status(self, text: str) -> None:
        self._problem(text)

    def _keyring_checked(self, status: "KeyringStatus") -> None:
        self._status = status
        line = self.query_one("#keyring-line", Static)
        if status.usable and status.info:
            line.update(Text(f"Keyring: {status.info.name}, accepted. Press k to use it "
                             "(recommended), or p to use a passphrase instead."))
        else:
            line.update(Text(f"{status.problem}\n\nPress p to protect the keys with a passphrase."))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._step != "choose":
            return False
        if action == "use_keyring":
            return bool(self._status and self._status.usable)
        return True

    def _problem(self, text: str) -> None:
        self.query_one("#setup-problem", Static).update(Text(text))

    def action_use_keyring(self) -> None:
        self._problem("Creating keys…")
        self._create(use_keyring=True, passphrase=None)

    def action_use_passphrase(self) -> None:
        self._step = "passphrase"
        self.refresh_bindings()
        self.query_one(ContentSwitcher).current = "passphrase"
        self.query_one("#pass1", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "pass1":
            self.query_one("#pass2", Input).focus()
        elif event.input.id == "pass2":
            first = self.query_one("#pass1", Input).value
            if event.value != first:
                self._problem("The two passphrases differ.")
                return
            self._problem("Creating keys (this takes a moment)…")
            self._create(use_keyring=False, passphrase=first)
        elif event.input.id == "confirm":
            self._confirm(event.value)

    def _create(self, use_keyring: bool, passphrase: str | None) -> None:
        app, config = self.app, self.app.config

        def create() -> "tuple[Workspace, str]":
            from ..config import write_example_config
            from ..services import access
            from ..services.workspace import Workspace

            profile, code = access.initialise(config, app.keystore if use_keyring else None, passphrase)
            write_example_config(config)
            return Workspace(profile, config), code

        self.run_task(create, self._created, group="setup")

    def _created(self, created: "tuple[Workspace, str]") -> None:
        self._workspace, self._code = created
        self._step = "code"
        self.refresh_bindings()
        for field in ("#pass1", "#pass2"):
            self.query_one(field, Input).value = ""
        self.query_one("#code-text", Static).update(Text(self._code.replace("-", "  "), style="bold"))
        self.query_one(ContentSwitcher).current = "code"
        self.query_one("#confirm", Input).focus()
        self._problem(f"Your settings file is {self.app.config.config_path}: put your name and credentials "
                      "there; they go on every signed note.")

    def _confirm(self, typed: str) -> None:
        from ..storage.recovery_code import last_group, normalise

        if normalise(typed) != normalise(last_group(self._code)):
            self._problem("That is not the last group. Check what you wrote down.")
            return
        self._code = ""  # shown once: drop it from memory
        self.query_one("#code-text", Static).update("")
        workspace, self._workspace = self._workspace, None
        assert workspace is not None
        self.app.open_workspace(workspace)
