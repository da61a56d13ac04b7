"""Issue 9 item 6 at the object level: after ctrl+l nothing alive holds the session's text.

The real app under Pilot, on a real profile: a named client is opened from the list, two
jottings typed, the app locked. Then every live container the garbage collector tracks is
searched for the jottings and the name, and no scratchpad, jotting editor or document may
still be alive. (The end-to-end test reads the live process's memory; this one says *what*
held the text when it fails.)
"""

from __future__ import annotations

import asyncio
import gc
import secrets

from textual.widgets import DataTable

from tui.screens.scratchpad import ScratchpadScreen
from tui.screens.unlock import UnlockScreen

from .helpers import Client, settle, wait_for_screen, wait_until


def _holders(needles: tuple[str, ...]) -> list[str]:
    found = []
    for obj in gc.get_objects():
        try:
            if isinstance(obj, dict):
                items = list(obj.values()) + list(obj.keys())
            elif isinstance(obj, (list, tuple, set, frozenset)):
                items = list(obj)
            else:
                items = list(getattr(obj, "__dict__", {}).values())
        except Exception:  # noqa: BLE001 - an object that will not be listed holds nothing we typed
            continue
        for item in items:
            if isinstance(item, str) and any(n in item for n in needles) and obj is not needles:
                found.append(f"{type(obj).__module__}.{type(obj).__qualname__} holds {item[:40]!r}")
    return found


async def test_lock_lets_go_of_the_session(made_profile):
    name = f"Quillon Zq{secrets.token_hex(4)}"
    made = made_profile([Client("C-555", name)])
    jot, private = f"zqopen{secrets.token_hex(6)} tired", f"~ zqpriv{secrets.token_hex(6)} mine"
    app = made.app()
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_until(pilot, lambda: app.screen.query(DataTable) and app.screen.query_one(DataTable).row_count,
                         "the client list")
        await pilot.press("j")  # start the session at once (Enter opens Before session)
        await wait_for_screen(pilot, ScratchpadScreen)
        for piece in (jot, private):
            for char in piece:
                await pilot.press(char if char != " " else "space")
            await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, UnlockScreen)
        await asyncio.sleep(2.5)  # the scrub's later passes
        await pilot.pause()
        gc.collect()
        needles = (jot.split()[0], private.split()[1], name)
        holders = [h for h in _holders(needles) if "test_lock_hygiene" not in h]
        alive = sorted({type(o).__name__ for o in gc.get_objects()
                        if type(o).__name__ in ("ScratchpadScreen", "JottingEditor", "Document", "ClientRow")})
        assert not alive, f"still alive after lock: {alive}"
        assert not holders, "\n".join(holders)


async def test_full_collections_wait_for_a_pause_while_unlocked(made_profile):
    """The app defers the interpreter's full collections once unlocked (so none lands on a
    key), runs the due one itself at a pause, and hands collection back on lock (heap.py)."""
    made = made_profile([Client("C-556", "Gc Pause")])
    original = gc.get_threshold()
    app = made.app()
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_until(pilot, lambda: app.screen.query(DataTable) and app.screen.query_one(DataTable).row_count,
                         "the client list")
        assert gc.get_threshold()[2] >= 1_000_000
        full: list[int] = []

        def seen(phase: str, info: dict) -> None:
            if phase == "start" and info["generation"] == 2:
                full.append(1)

        gc.callbacks.append(seen)
        try:
            for _ in range(300_000):  # garbage in cycles: middle-generation passes, no full one
                cycle: list = []
                cycle.append(cycle)
            assert gc.get_count()[2] >= 10 and not full
            app._last_input -= 5  # a pause, as the app's clock sees it
            await wait_until(pilot, lambda: bool(full), "the full collection at the pause")
        finally:
            gc.callbacks.remove(seen)
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, UnlockScreen)
        assert gc.get_threshold() == original
