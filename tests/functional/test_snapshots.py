"""Snapshot tests (pytest-textual-snapshot): each screen as the clinician sees it.

Deterministic by construction: a fixed terminal size, no cursor blink anywhere, workers
awaited, the screen's layout and paint finished (``ready_for_picture``: a DataTable sizes its
columns only when idle, which under load can come late), and nothing drawn from the wall clock:
sessions carry fixed dates, the scratchpad's elapsed minutes are pinned, and the
recovery code on the setup screen is replaced by a fixed sample before the picture.

Regenerate with `pytest tests/functional/test_snapshots.py --snapshot-update` and look at
the SVGs in tests/functional/__snapshots__/ before accepting them.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text
from textual.widgets import DataTable, Static, TextArea

from tui.app import make_app
from tui.screens.client_form import ClientForm
from tui.screens.clients import ClientsScreen
from tui.screens.help import HelpScreen
from tui.screens.scratchpad import ScratchpadScreen
from tui.screens.setup import SetupScreen
from tui.screens.unlock import UnlockScreen
from tui.storage.keyring_access import MemoryKeyring

from .helpers import SIZE, Client, PastSession, build_profile, make_config, ready_for_picture, wait_for_screen, wait_until

SAMPLE_CODE = "ABCD2-EFGH3-IJKL4-MNOP5-QRST6-UVWX7-YZAB2-CDEF3-GHIJ4-KLMN5-OPQR6-STUV7-WXYZ2"

CASELOAD = [
    Client("AB-03", "Alex Bright", "1979-11-02", ["Return to work part-time"]),
    Client("DM-11", "Dee Morrow"),
    Client("RB-07", "Robin Example", "1984-03-07", ["Sleep 7 hours", "Fewer panic attacks"]),
]
HISTORY = [
    PastSession("RB-07", "2024-03-05T10:00:00+00:00", "2024-03-05T10:50:00+00:00", 50,
                jottings=[(2, "? ask about sister"), (30, "? sleep diary review")]),
    PastSession("AB-03", "2024-03-06T14:00:00+00:00", "2024-03-06T14:45:00+00:00", 45),
]
# Every marker category, so each tint shows; risk and private lines included.
MARKED_LINES = [
    (1, '" I just can\'t switch off at night'),
    (2, "o flat affect, good eye contact"),
    (4, "> CR around 'I always fail'"),
    (6, "< tearful, then calmer"),
    (9, "* perfectionism, fear of judgement"),
    (12, "! denies SI/HI, no plan"),
    (14, "hw sleep diary, 3 nights"),
    (17, "? ask about the sister next time"),
    (21, "~ I felt protective; watch that"),
    (23, "phq9 11"),
    (24, "#sleep #work"),
    (26, "g1 +"),
    (27, "plain line with no marker"),
]


def _profile(tmp_path: Path, sessions=HISTORY, **overrides):
    return build_profile(tmp_path, CASELOAD, sessions, **overrides)


async def _clients_ready(pilot) -> ClientsScreen:
    screen = await wait_for_screen(pilot, ClientsScreen)
    table = screen.query_one(DataTable)
    await wait_until(pilot, lambda: table.row_count == len(CASELOAD), "the caseload")
    await ready_for_picture(pilot)
    return screen


def test_clients_screen(snap_compare, tmp_path: Path) -> None:
    app = _profile(tmp_path).app()
    assert snap_compare(app, terminal_size=SIZE, run_before=_clients_ready)


def test_client_form(snap_compare, tmp_path: Path) -> None:
    app = _profile(tmp_path).app()

    async def run_before(pilot) -> None:
        screen = await _clients_ready(pilot)
        table = screen.query_one(DataTable)
        table.move_cursor(row=[table.get_row_at(i)[1].plain for i in range(table.row_count)].index("RB-07"))
        await pilot.press("e")
        form = await wait_for_screen(pilot, ClientForm)
        goals = form.query_one("#goals", TextArea)
        await wait_until(pilot, lambda: goals.text.startswith("Sleep"), "the goals")
        await ready_for_picture(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, tmp_path: Path) -> None:
    app = _profile(tmp_path).app()

    async def run_before(pilot) -> None:
        await _clients_ready(pilot)
        await pilot.press("f1")
        await wait_for_screen(pilot, HelpScreen)
        await ready_for_picture(pilot)

    assert snap_compare(app, terminal_size=(100, 40), run_before=run_before)


def test_setup_choose_step(snap_compare, tmp_path: Path) -> None:
    app = make_app(make_config(tmp_path), keystore=MemoryKeyring())

    async def run_before(pilot) -> None:
        screen = await wait_for_screen(pilot, SetupScreen)
        await wait_until(pilot, lambda: screen._status is not None, "the keyring check")
        await ready_for_picture(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_setup_recovery_code_step(snap_compare, tmp_path: Path) -> None:
    app = make_app(make_config(tmp_path), keystore=MemoryKeyring())

    async def run_before(pilot) -> None:
        screen = await wait_for_screen(pilot, SetupScreen)
        await wait_until(pilot, lambda: screen._status is not None, "the keyring check")
        await pilot.press("k")
        await wait_until(pilot, lambda: screen._step == "code", "the recovery-code step")
        # The real code is random; draw a fixed sample in its place, the way the screen draws it.
        screen.query_one("#code-text", Static).update(Text(SAMPLE_CODE.replace("-", "  "), style="bold"))
        # The settings path names the test's temporary folder; draw a fixed one.
        screen._problem("Your settings file is /home/dana/.config/hushpad/config.toml: put your name and "
                        "credentials there; they go on every signed note.")
        await ready_for_picture(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_locked_screen(snap_compare, tmp_path: Path) -> None:
    app = _profile(tmp_path).app()

    async def run_before(pilot) -> None:
        await _clients_ready(pilot)
        await pilot.press("ctrl+l")
        unlock = await wait_for_screen(pilot, UnlockScreen)
        await wait_until(pilot, lambda: str(unlock.query_one("#unlock-help").render()).strip(), "the mode")
        await ready_for_picture(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def _scratchpad_ready(pilot) -> ScratchpadScreen:
    pad = await wait_for_screen(pilot, ScratchpadScreen)
    # Elapsed time comes from the wall clock: pin it at 27 minutes for the picture.
    pad._started_monotonic = time.monotonic() - 27 * 60 - 5
    pad._update_status()
    await ready_for_picture(pilot)
    return pad


def _in_session_profile(tmp_path: Path):
    return _profile(tmp_path, [*HISTORY, PastSession("RB-07", "2024-03-12T10:00:00+00:00", jottings=MARKED_LINES)])


def test_scratchpad_with_marker_tints(snap_compare, tmp_path: Path) -> None:
    app = _in_session_profile(tmp_path).app(jot_code="RB-07")
    assert snap_compare(app, terminal_size=SIZE, run_before=_scratchpad_ready)


def test_scratchpad_curtain(snap_compare, tmp_path: Path) -> None:
    app = _in_session_profile(tmp_path).app(jot_code="RB-07")

    async def run_before(pilot) -> None:
        pad = await _scratchpad_ready(pilot)
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: pad._curtain, "the curtain")
        await ready_for_picture(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
