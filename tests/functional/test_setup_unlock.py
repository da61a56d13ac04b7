"""Issue 2, the TUI shell: first-run setup, unlock, the lock key and the idle lock."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from tui.app import make_app
from tui.screens.clients import ClientsScreen
from tui.screens.help import HelpScreen
from tui.screens.scratchpad import ScratchpadScreen
from tui.screens.setup import SetupScreen
from tui.screens.unlock import UnlockScreen
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.recovery_code import decode, last_group

from .helpers import SIZE, make_config, screen_text, settle, wait_for_screen, wait_until

PASSPHRASE = "correct horse battery staple"


def _static_text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _type_into(pilot, selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.pause()
    field.value = text
    await pilot.press("enter")


async def test_first_run_shows_setup_with_the_keyring_backend(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    app = make_app(config, keystore=MemoryKeyring())
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        await wait_until(pilot, lambda: "accepted" in _static_text(screen, "#keyring-line"),
                         "the keyring line to name the backend")
        line = _static_text(screen, "#keyring-line")
        assert "in-memory (demo only)" in line
        assert "Press k" in line
        assert app.workspace is None
        assert not config.paths.is_initialised(), "nothing is written before the user chooses"


async def test_keyring_setup_shows_the_code_once_and_checks_its_last_group(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    keystore = MemoryKeyring()
    app = make_app(config, keystore=keystore)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        await wait_until(pilot, lambda: "accepted" in _static_text(screen, "#keyring-line"), "keyring checked")
        await pilot.press("k")
        await wait_until(pilot, lambda: screen._step == "code", "the recovery-code step")
        await settle(pilot)
        assert config.paths.is_initialised()
        assert keystore._items, "the device key went into the keyring"

        shown = _static_text(screen, "#code-text")
        code = "-".join(shown.split())
        decode(code)  # the code on screen is a whole, valid recovery code
        drawn = [token for token in screen_text(app).split() if token in code.split("-")]
        assert drawn == code.split("-"), "the whole code is drawn on the screen, in order"

        wrong = "AAAAA" if last_group(code) != "AAAAA" else "BBBBB"
        await _type_into(pilot, "#confirm", wrong)
        await settle(pilot)
        assert "not the last group" in _static_text(screen, "#setup-problem")
        assert app.screen is screen and app.workspace is None

        await _type_into(pilot, "#confirm", last_group(code).lower())  # case does not matter
        await wait_for_screen(pilot, ClientsScreen)
        assert app.workspace is not None
        assert screen not in app.screen_stack, "the setup screen (and the code on it) is gone"
        assert screen._code == "", "the code is dropped from memory once confirmed"
        assert "No clients yet" in _static_text(app.screen, "#clients-status")


async def test_passphrase_mode_then_unlock_screen_refuses_a_wrong_passphrase(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    app = make_app(config, keystore=MemoryKeyring())
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        await wait_until(pilot, lambda: screen._status is not None, "keyring checked")
        await pilot.press("p")
        await pilot.pause()
        assert screen.query_one("#pass1", Input).has_focus
        await _type_into(pilot, "#pass1", PASSPHRASE)
        await _type_into(pilot, "#pass2", PASSPHRASE + " typo")
        await settle(pilot)
        assert "differ" in _static_text(screen, "#setup-problem")
        assert not config.paths.is_initialised()

        await _type_into(pilot, "#pass2", PASSPHRASE)
        await wait_until(pilot, lambda: screen._step == "code", "the recovery-code step", timeout=60)
        code = "-".join(_static_text(screen, "#code-text").split())
        await _type_into(pilot, "#confirm", last_group(code))
        await wait_for_screen(pilot, ClientsScreen)
        assert app.workspace is not None

    # A new instance: passphrase mode asks for the passphrase; the keyring is never enough.
    app = make_app(config, keystore=MemoryKeyring())
    async with app.run_test(size=SIZE) as pilot:
        unlock = await wait_for_screen(pilot, UnlockScreen)
        await wait_until(pilot, lambda: unlock._passphrase_mode, "the unlock screen to know its mode")
        secret = unlock.query_one("#secret", Input)
        assert secret.display and secret.password and secret.has_focus

        await pilot.press(*"not it at all")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Wrong passphrase." in _static_text(unlock, "#unlock-problem"),
                         "the wrong-passphrase message", timeout=60)
        assert app.workspace is None
        assert secret.value == "", "a refused passphrase is not left in the field"
        assert app.screen is unlock

        secret.value = PASSPHRASE
        await pilot.press("enter")
        await wait_for_screen(pilot, ClientsScreen, timeout=60)
        assert app.workspace is not None


async def test_lock_key_drops_the_workspace_and_shows_unlock(two_clients) -> None:
    app = two_clients.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one("#clients-table").row_count == 2, "clients listed")
        workspace = app.workspace
        assert workspace is not None
        profile = workspace.profile

        await pilot.press("ctrl+l")
        unlock = await wait_for_screen(pilot, UnlockScreen)
        assert app.workspace is None
        assert profile._deks == {}, "the data keys left memory"
        for store in (profile.record, profile.vault):
            try:
                store.conn.execute("SELECT 1")
            except Exception as exc:  # noqa: BLE001 - sqlcipher3.ProgrammingError
                assert "closed" in str(exc).lower()
            else:
                raise AssertionError(f"{store.name} connection is still open after lock")
        assert "RB-07" not in screen_text(app), "no client code stays on screen while locked"
        assert clients.query_one("#clients-table").row_count == 0

        # Keyring mode: ctrl+k unlocks again, and the list comes back.
        assert unlock.query_one("#secret", Input).display is False
        await pilot.press("ctrl+k")
        await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: app.screen.query_one("#clients-table").row_count == 2, "clients relisted")
        assert app.workspace is not None


async def test_idle_outside_a_session_locks(two_clients) -> None:
    made = two_clients
    made.config = made.config.with_overrides(idle_lock_minutes=0.001)
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: app.workspace is not None, "unlocked")

        app._last_input -= 3600  # an hour without a key
        app._check_idle()
        await wait_for_screen(pilot, UnlockScreen)
        assert app.workspace is None


async def test_idle_does_not_lock_when_recently_used(two_clients) -> None:
    app = two_clients.app()  # default 10 minutes
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: app.workspace is not None, "unlocked")
        app._last_input -= 60  # one idle minute is well inside the limit
        app._check_idle()
        await settle(pilot)
        assert app.workspace is not None
        assert isinstance(app.screen, ClientsScreen)


async def test_idle_in_session_draws_the_curtain_and_never_locks(two_clients) -> None:
    made = two_clients
    made.config = made.config.with_overrides(idle_lock_minutes=0.001, curtain_minutes=0.001)
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one("#clients-table").row_count == 2, "clients listed")
        await pilot.press("j")
        pad = await wait_for_screen(pilot, ScratchpadScreen)

        app._last_input -= 3600
        app._check_idle()
        await settle(pilot)
        assert app.workspace is not None, "idle never locks mid-session"
        assert app.screen is pad

        pad._tick()  # the scratchpad's own idle check: the curtain falls instead
        await pilot.pause()
        assert pad._curtain
        assert pad.query_one("#curtain").display
        assert not pad.query_one("#jottings").display
        assert "RB-07" not in screen_text(app)


async def test_idle_with_help_open_over_a_session_still_does_not_lock(two_clients) -> None:
    made = two_clients
    made.config = made.config.with_overrides(idle_lock_minutes=0.001)
    app = made.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad = await wait_for_screen(pilot, ScratchpadScreen)
        await pilot.press("f1")
        await wait_for_screen(pilot, HelpScreen)
        app._last_input -= 3600
        app._check_idle()
        await settle(pilot)
        assert app.workspace is not None, "idle never locks mid-session, whatever is on top"
        assert pad in app.screen_stack


class BrokenKeyring(MemoryKeyring):
    """A keyring backend that fails in a way no one planned for (not a HushpadError)."""

    broken = False

    def get(self, profile_id: str) -> str | None:
        if self.broken:
            raise RuntimeError("backend exploded near PRIVATE-DETAIL")
        return super().get(profile_id)


async def test_an_unexpected_keyring_failure_opens_unlock_calmly_and_the_code_still_works(made_profile) -> None:
    """The app's unlock worker is on the common worker base: an unexpected exception neither closes
    the app nor leaves a locked list with no way in; its message never reaches the screen."""
    made = made_profile()
    keystore = BrokenKeyring()
    keystore._items = made.keystore._items  # the same device key, behind a backend that will fail
    keystore.broken = True
    app = make_app(made.config, keystore=keystore)
    async with app.run_test(size=SIZE) as pilot:
        unlock = await wait_for_screen(pilot, UnlockScreen)
        problem = _static_text(unlock, "#unlock-problem")
        assert "Something unexpected went wrong (RuntimeError)" in problem
        assert "PRIVATE-DETAIL" not in screen_text(app)
        assert app.return_code is None and app.workspace is None

        await pilot.press("ctrl+k")  # still unexpected: said again, still no crash
        await settle(pilot)
        assert "RuntimeError" in _static_text(unlock, "#unlock-problem") and app.return_code is None

        keystore.broken = False  # the recovery code opens it (the keyring works again, so it is enrolled)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await _type_into(pilot, "#secret", made.recovery_code)
        await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: app.workspace is not None, "unlocked with the recovery code")
