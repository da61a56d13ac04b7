"""Issue 14, 'Overlap instead of waiting': `hushpad jot CODE` takes typing before the keyring
has answered and the vault is open. The lines wait in memory ("opening…"), then go through
the normal save path, every character in order. The keyring here is the tests' MemoryKeyring
behind a gate: its get() really blocks (a thread waiting) until the test lets it answer."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tui.app import make_app
from tui.screens.scratchpad import ScratchpadScreen
from tui.screens.unlock import UnlockScreen
from tui.services.early_unlock import EarlyUnlock
from tui.storage.keyring_access import MemoryKeyring
from tui.widgets.jotting_editor import JottingEditor

from .helpers import (
    SIZE, Client, PastSession, settle, shows_saved, status_parts, vault_lines, wait_for_screen, wait_until,
)

TYPED = ['" she slept 4 h', "> sleep hygiene, 2 wk", "? ask about the sister"]


class SlowKeyring(MemoryKeyring):
    """The same device key, but get() waits until `gate` is set (a slow Secret Service)."""

    def __init__(self, inner: MemoryKeyring, *, answers: bool = True) -> None:
        super().__init__()
        self._items = inner._items
        self.gate = threading.Event()
        self.answers = answers  # False: the keyring answers without the key (missing/wrong)
        self.asked = threading.Event()

    def get(self, profile_id: str) -> str | None:
        self.asked.set()
        assert self.gate.wait(30), "the test never opened the gate"
        return super().get(profile_id) if self.answers else None


async def _opening_pad(pilot) -> ScratchpadScreen:
    # Not wait_for_screen: its settle waits for every worker, and the unlock one is blocked.
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ScratchpadScreen)
                     and pilot.app.screen.query_one(JottingEditor).has_focus, "the scratchpad, focused")
    return pilot.app.screen


async def _type(pilot, lines: list[str]) -> None:
    for i, line in enumerate(lines):
        if i:
            await pilot.press("enter")
        await pilot.press(*line)


def _text(pad: ScratchpadScreen) -> str:
    return pad.query_one(JottingEditor).text


@pytest.mark.parametrize("early", [True, False], ids=["cli-early-unlock", "app-worker-unlock"])
async def test_typing_before_the_vault_opens_is_saved_in_order(two_clients, early) -> None:
    keystore = SlowKeyring(two_clients.keystore)
    early_unlock = EarlyUnlock(two_clients.config, keystore) if early else None
    app = make_app(two_clients.config, keystore=keystore, jot_code="RB-07", early=early_unlock)
    async with app.run_test(size=SIZE) as pilot:
        pad = await _opening_pad(pilot)
        assert keystore.asked.wait(10), "the keyring is being asked meanwhile"
        assert app.workspace is None and pad.session is None
        parts = status_parts(pad)
        assert parts[0] == "RB-07" and parts[2] == "opening…", parts
        await _type(pilot, TYPED)
        assert _text(pad) == "\n".join(TYPED), "every keystroke landed in the editor"
        assert app.workspace is None, "typed while the keyring was still being asked"
        assert status_parts(pad)[2] == "opening…"

        keystore.gate.set()
        await wait_until(pilot, lambda: pad.session is not None and shows_saved(pad), "the typed lines saved")
        assert [t for _, t in vault_lines(app, pad)] == TYPED
        await pilot.press(*" more")  # and typing goes on as usual
        await wait_until(pilot, lambda: [t for _, t in vault_lines(app, pad)][-1] == TYPED[-1] + " more"
                         and shows_saved(pad), "the later keystrokes saved")
        sessions = app.workspace.record.query("SELECT * FROM sessions")
        assert len(sessions) == 1 and sessions[0]["id"] == pad.session.id
        assert app.workspace.record.query("SELECT 1 FROM audit_log WHERE action = 'stores opened'")
    # After exit, read through a fresh unlock: nothing was lost or reordered.
    workspace = two_clients.open()
    try:
        row = workspace.record.query_one("SELECT * FROM sessions")
        from tui.storage.vault import doc_key_for

        saved = [line.text for line in workspace.vault.load_jottings(doc_key_for(row))]
        assert saved == [*TYPED[:-1], TYPED[-1] + " more"]
    finally:
        workspace.close()


async def test_a_resumed_session_keeps_its_lines_first_then_what_was_typed(made_profile) -> None:
    started = (datetime.now().astimezone() - timedelta(minutes=7, seconds=5)).replace(microsecond=0)
    made = made_profile([Client("RB-07")], [PastSession("RB-07", started.isoformat(), jottings=[(2, "* earlier")])])
    keystore = SlowKeyring(made.keystore)
    app = make_app(made.config, keystore=keystore, jot_code="RB-07", early=EarlyUnlock(made.config, keystore))
    async with app.run_test(size=SIZE) as pilot:
        pad = await _opening_pad(pilot)
        await _type(pilot, TYPED[:2])
        keystore.gate.set()
        await wait_until(pilot, lambda: pad.session is not None and shows_saved(pad), "saved")
        assert pad.session.resumed and pad.session.id == made.session_ids[0]
        saved = vault_lines(app, pad)
        assert [t for _, t in saved] == ["* earlier", *TYPED[:2]]
        assert saved[0][0] == 2 and {m for m, _ in saved[1:]} <= {7, 8}, saved  # the session's minute
        await pilot.press(*"!")  # the cursor stayed at the end of what was typed
        await wait_until(pilot, lambda: vault_lines(app, pad)[-1][1] == TYPED[1] + "!" and shows_saved(pad),
                         "typed on at the cursor")


async def test_keyring_without_the_key_keeps_the_text_and_saves_it_after_unlock(two_clients) -> None:
    keystore = SlowKeyring(two_clients.keystore, answers=False)
    app = make_app(two_clients.config, keystore=keystore, jot_code="RB-07",
                   early=EarlyUnlock(two_clients.config, keystore))
    async with app.run_test(size=SIZE) as pilot:
        pad = await _opening_pad(pilot)
        await _type(pilot, TYPED)
        keystore.gate.set()
        unlock = await wait_for_screen(pilot, UnlockScreen)
        assert app.workspace is None and _text(pad) == "\n".join(TYPED)

        # Quitting now would lose it: refused, saying so; a second quit within seconds would go.
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code is None and app.is_running
        assert "not quitting: what you typed is not saved" in status_parts(pad)[-1]

        keystore.answers = True  # the keyring has the key again: ctrl+k retries it
        assert app.screen is unlock
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: app.screen is pad and pad.session is not None and shows_saved(pad),
                         "back on the same scratchpad, saved")
        assert [t for _, t in vault_lines(app, pad)] == TYPED
        await settle(pilot)


async def test_quitting_with_unsaved_typing_before_the_vault_opens_is_refused_then_confirmed(two_clients) -> None:
    keystore = SlowKeyring(two_clients.keystore)
    app = make_app(two_clients.config, keystore=keystore, jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad = await _opening_pad(pilot)
        await pilot.press(*"x")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and "quit again within 4 s to throw it away" in status_parts(pad)[-1]
        await pilot.press("ctrl+q")
        await pilot.pause()
        keystore.gate.set()  # let the blocked worker finish so the app can close
    assert app.return_code == 0


async def test_an_unknown_code_keeps_what_was_typed_on_screen_and_says_it_cannot_be_saved(two_clients) -> None:
    keystore = SlowKeyring(two_clients.keystore)
    app = make_app(two_clients.config, keystore=keystore, jot_code="NO-SUCH",
                   early=EarlyUnlock(two_clients.config, keystore))
    async with app.run_test(size=SIZE) as pilot:
        pad = await _opening_pad(pilot)
        await _type(pilot, TYPED[:1])
        keystore.gate.set()
        await wait_until(pilot, lambda: "cannot be saved" in status_parts(pad)[-1], "the problem said")
        assert app.is_running and app.screen is pad and _text(pad) == TYPED[0]
        assert status_parts(pad)[2] == "not saved" and "NO-SUCH" in status_parts(pad)[-1]
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and "not quitting" in status_parts(pad)[-1]
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_an_unexpected_failure_opening_the_session_says_so_and_never_promises_a_save(two_clients,
                                                                                         monkeypatch) -> None:
    """A failure that is not one of Hushpad's own (here the record refusing the session row)
    must not leave "opening…" on screen for ever with a quit message promising a save."""
    import sqlcipher3

    from tui.services.workspace import Workspace

    def broken(self, client_id):  # the fault: the record fails as a damaged file would
        raise sqlcipher3.OperationalError("disk I/O error")

    monkeypatch.setattr(Workspace, "start_session", broken)
    keystore = SlowKeyring(two_clients.keystore)
    app = make_app(two_clients.config, keystore=keystore, jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad = await _opening_pad(pilot)
        await _type(pilot, TYPED[:1])
        keystore.gate.set()
        await wait_until(pilot, lambda: "cannot be saved" in status_parts(pad)[-1], "the problem said")
        assert status_parts(pad)[2] == "not saved" and _text(pad) == TYPED[0]
        assert not pad.waiting_for_session
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and "saved as soon as it opens" not in status_parts(pad)[-1]
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_lock_waits_until_the_scratchpad_has_its_session(two_clients) -> None:
    keystore = SlowKeyring(two_clients.keystore)
    app = make_app(two_clients.config, keystore=keystore, jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad = await _opening_pad(pilot)
        assert pad.waiting_for_session and not app.check_action("lock", ())
        keystore.gate.set()
        await wait_until(pilot, lambda: pad.session is not None, "the session handed over")
        assert not pad.waiting_for_session and app.check_action("lock", ())


# -- the clients screen is not built under `hushpad jot`'s first frame --------------------
def _clients_screens(app) -> list:
    from tui.screens.clients import ClientsScreen

    return [screen for screen in app.screen_stack if isinstance(screen, ClientsScreen)]


async def test_ending_a_jot_session_opens_the_writeup_then_the_clients_list(two_clients) -> None:
    from textual.widgets import DataTable

    from tui.screens.clients import ClientsScreen
    from tui.screens.writeup import WriteupScreen

    app = make_app(two_clients.config, keystore=two_clients.keystore, jot_code="RB-07",
                   early=EarlyUnlock(two_clients.config, two_clients.keystore))
    async with app.run_test(size=SIZE) as pilot:
        pad = await _opening_pad(pilot)
        assert not _clients_screens(app), "nothing is built under the scratchpad's first frame"
        await _type(pilot, ["slept badly"])
        await wait_until(pilot, lambda: shows_saved(pad), "saved")
        await pilot.press("ctrl+o", "ctrl+o")
        await wait_for_screen(pilot, WriteupScreen)
        assert len(_clients_screens(app)) == 1 and app.screen_stack.index(_clients_screens(app)[0]) == 1
        await pilot.press("escape")
        clients = await wait_for_screen(pilot, ClientsScreen)
        table = clients.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 2, "both clients listed")
        assert app.screen_stack[1:] == [clients]


async def test_locking_a_jot_session_leaves_the_locked_list_and_nothing_of_the_pad(two_clients) -> None:
    import asyncio
    import gc

    from tui.screens.clients import ClientsScreen

    app = make_app(two_clients.config, keystore=two_clients.keystore, jot_code="RB-07",
                   early=EarlyUnlock(two_clients.config, two_clients.keystore))
    needle = "zqlockjot"
    async with app.run_test(size=SIZE) as pilot:
        pad = await _opening_pad(pilot)
        await _type(pilot, [f"{needle} woke at 4"])
        await wait_until(pilot, lambda: shows_saved(pad), "saved")
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, UnlockScreen)
        stack = app.screen_stack
        assert len(stack) == 3 and isinstance(stack[1], ClientsScreen) and isinstance(stack[2], UnlockScreen)
        del pad
        await asyncio.sleep(2.5)  # the lock scrub's later passes
        await pilot.pause()
        gc.collect()
        alive = sorted({type(o).__name__ for o in gc.get_objects()
                        if type(o).__name__ in ("ScratchpadScreen", "JottingEditor")})
        assert not alive, f"still alive after lock: {alive}"
        # Unlocking again lands on the list, the session's line saved.
        unlock = app.screen
        assert isinstance(unlock, UnlockScreen)
    workspace = two_clients.open()
    try:
        [session] = workspace.record.query("SELECT * FROM sessions")
        assert [j.text for j in workspace.vault.load_jottings(f"session:{session['id']}")] == [f"{needle} woke at 4"]
    finally:
        workspace.close()


# -- the heap is frozen at the first pause, not between the vault opening and "saved" ------
async def test_a_jot_session_freezes_the_heap_at_the_first_pause(two_clients) -> None:
    import gc

    from tui.heap import HEAP

    app = make_app(two_clients.config, keystore=two_clients.keystore, jot_code="RB-07",
                   early=EarlyUnlock(two_clients.config, two_clients.keystore))
    async with app.run_test(size=SIZE) as pilot:
        pad = await _opening_pad(pilot)
        await _type(pilot, ["slept badly"])
        await wait_until(pilot, lambda: shows_saved(pad), "saved")
        await wait_until(pilot, lambda: HEAP.frozen, "the heap frozen once the clinician paused", timeout=10)
        assert gc.get_threshold()[2] >= 1_000_000, "full collections wait for a pause from then on"
        assert gc.get_freeze_count() > 0


async def test_locking_before_the_pause_never_freezes_the_locked_heap(two_clients) -> None:
    import asyncio
    import gc

    from tui.heap import HEAP

    original = gc.get_threshold()
    app = make_app(two_clients.config, keystore=two_clients.keystore, jot_code="RB-07",
                   early=EarlyUnlock(two_clients.config, two_clients.keystore))
    async with app.run_test(size=SIZE) as pilot:
        pad = await _opening_pad(pilot)
        await _type(pilot, ["slept badly"])
        await wait_until(pilot, lambda: shows_saved(pad), "saved")
        if HEAP.frozen:
            pytest.skip("this machine paused a second before the lock could be pressed")
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, UnlockScreen)
        await asyncio.sleep(1.6)  # past the pause the freeze waited for
        await pilot.pause()
        assert not HEAP.frozen and gc.get_threshold() == original



# The child imports none of tests/functional/helpers.py (it imports DataTable): the profile is
# built here and its config and device key go over stdin.
JOT_UNTIL_SAVED = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from pathlib import Path

    from tui.app import make_app
    from tui.config import Config
    from tui.storage.keyring_access import MemoryKeyring

    given = json.loads(sys.stdin.read())
    keystore = MemoryKeyring()
    for profile_id, value in given["keys"].items():
        keystore.set(profile_id, value)
    profile_dir = Path(given["profile_dir"])
    config = Config(profile_dir=profile_dir, config_path=profile_dir / "config.toml",
                    clinician_name="Test Clinician", credentials="LCSW")
    deferred = ("tui.screens.clients", "textual.widgets._data_table")
    seen = {"before": sorted(m for m in deferred if m in sys.modules)}

    async def main():
        app = make_app(config, keystore=keystore, jot_code="RB-07")
        async with app.run_test(size=(120, 40)) as pilot:
            async def until(condition, what):
                deadline = time.monotonic() + 60
                while not condition():
                    assert time.monotonic() < deadline, f"timed out waiting for: {what}"
                    await pilot.pause(0.02)
            def saved(pad):
                parts = str(pad.query_one("#status").render()).split("  ·  ")
                return pad.session is not None and len(parts) > 2 and parts[2] == "saved"

            await until(lambda: type(app.screen).__name__ == "ScratchpadScreen", "the scratchpad")
            pad = app.screen
            await pilot.press(*"slept 4 h")
            await until(lambda: saved(pad), "saved")
            seen["stack"] = [type(s).__name__ for s in app.screen_stack]
            seen["saved"] = sorted(m for m in deferred if m in sys.modules)
            await pilot.press("ctrl+o", "ctrl+o")  # end the session: the write-up, the list behind it
            await until(lambda: pad not in app.screen_stack, "the session closed")
            seen["closed"] = [type(s).__name__ for s in app.screen_stack]
            seen["after"] = sorted(m for m in deferred if m in sys.modules)
    asyncio.run(main())
    print(json.dumps(seen))
    """
)


def test_the_vault_opening_under_a_jot_scratchpad_leaves_the_clients_list_for_later(two_clients) -> None:
    # A fresh interpreter: sys.modules is per process, and other tests here load the list.
    given = {"profile_dir": str(two_clients.config.profile_dir),
             "keys": {k: v.decode() for k, v in two_clients.keystore._items.items()}}
    done = subprocess.run([sys.executable, "-c", JOT_UNTIL_SAVED], input=json.dumps(given),
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["before"] == [], out
    assert out["stack"] == ["Screen", "ScratchpadScreen"], out
    assert out["saved"] == [], f"loaded when the vault opened under the scratchpad: {out}"
    # ... and the list is there once the session closes, under the write-up.
    assert out["closed"] == ["Screen", "ClientsScreen", "WriteupScreen"], out
    assert set(out["after"]) == {"tui.screens.clients", "textual.widgets._data_table"}, out
