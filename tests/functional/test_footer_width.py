"""Issue 11 item 10: at 100 columns every screen's and dialog's footer shows its most important
keys in full, and nothing it offers is cut off. The rest are in the palette (ctrl+p) and f1.

The footer line is read as drawn, at the footer's own place on the terminal. Every key the
footer holds must appear there whole (a footer that overflows scrolls, hiding its last keys),
and each screen's important keys, named below, must be among them.

Important keys, per screen: the way back (esc), the main action or two, f1 Help and ctrl+p (the
palette: the way to everything else) and ctrl+l Lock (a clinician leaving the room). Dialogs
(modal) have no app keys of their own: there the main action and the way out count.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from tui.app import make_app
from tui.screens.before_session import BeforeSessionScreen
from tui.screens.chart import ChartScreen
from tui.screens.client_form import ClientForm
from tui.screens.clients import ClientsScreen
from tui.screens.discard import DiscardDialog
from tui.screens.export import ExportForm
from tui.screens.help import HelpScreen
from tui.screens.note_view import AddendumForm, NoteViewScreen
from tui.screens.notes_due import NotesDueScreen
from tui.screens.private_jottings import PrivateJottingsScreen
from tui.screens.restore import RestoreDialog
from tui.screens.scratchpad import ScratchpadScreen
from tui.screens.search import SearchScreen
from tui.screens.setup import SetupScreen
from tui.screens.text_prompt import TextPrompt
from tui.screens.treatment_plan import TreatmentPlanScreen
from tui.screens.unlock import UnlockScreen
from tui.screens.writeup import WriteupScreen
from tui.services.saving import write_jottings_copy
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.vault import JottingLine
from tui.widgets.key_footer import KeyFooter
from tui.widgets.writeup_steps import ReviewPane

from .helpers import Client, make_config, screen_text, settle, wait_for_screen, wait_until
from .timeline.conftest import timeline_profile  # noqa: F401 - the fixture, shared
from .timeline.test_navigation import open_chart, rows

NARROW = (100, 30)
APP_KEYS = ("f1 Help", "^l Lock", "^p palette")

IMPORTANT: dict[str, tuple[str, ...]] = {
    "clients": ("⏎ Before session", "j Start session", "t Chart", "n Notes due", "^f Search", *APP_KEYS),
    "before session": ("⏎ Start the session", "esc Back", *APP_KEYS),
    # Issue 12: Export on the chart and the note view; the chart's plan key is "Plan" to make room.
    "chart": ("⏎ Open note", "b Before session", "p Plan", "/ Search", "x Export", "esc Back", *APP_KEYS),
    "note view": ("a Add addendum", "^o Copy for EHR", "x Export", "esc Back", *APP_KEYS),
    "addendum": ("^s Sign addendum", "esc Cancel"),
    "private jottings": ("esc Back", *APP_KEYS),
    "treatment plan": ("g Add goal", "e Edit", "S Sign plan", "d Add diagnosis", "esc Back", *APP_KEYS),
    "text prompt": ("esc Cancel",),
    "search": ("esc Back", *APP_KEYS),
    "notes due": ("⏎ Write up", "esc Back", *APP_KEYS),
    "export": ("^s Export", "esc Cancel"),
    "client form": ("^s Save", "esc Cancel"),
    "help": ("esc Close help",),
    "unlock": ("^k Unlock with keyring", "^r Use recovery code", "f1 Help", "^p palette"),
    "setup": ("k Use keyring", "p Use passphrase", "f1 Help", "^p palette"),
    "restore": ("⏎ Restore now", "esc Ask next time"),
    # In session the footer shares the one status line: the curtain and the way out come first.
    "scratchpad": ("^b Curtain", "^o End session", "f1 Help"),
    "discard": ("esc Keep the session",),
    "write-up": ("^n Next", "^b Back", "esc Leave", "f1 Help", "^p palette"),
    "review": ("^s Sign", "^b Back", "esc Leave", "f1 Help", "^p palette"),
    "group write-up": ("^n Next", "^b Back", "esc Leave", "f1 Help", "^p palette"),
}


def footer_keys(app) -> tuple[list[str], str]:
    """(every key the current screen's footer holds, as "key description"; the footer as drawn)."""
    footer = app.screen.query_one(KeyFooter)
    keys = [f"{k.key_display} {k.description}".strip() for k in footer.query(FooterKey)]
    region = footer.region
    line = screen_text(app).splitlines()[region.y]
    return keys, line[region.x:region.right]


async def check(pilot, name: str, screen_type: type) -> None:
    await wait_for_screen(pilot, screen_type)
    await settle(pilot)
    keys, drawn = footer_keys(pilot.app)
    for label in IMPORTANT[name]:
        assert label in keys, f"{name}: {label!r} is not in the footer (it holds {keys})"
    for label in keys:
        assert label in drawn, f"{name} at 100 columns cuts off {label!r}: {drawn!r}"


async def test_every_timeline_screen_and_dialog_fits(timeline_profile) -> None:
    made, _notes = timeline_profile
    app = made.app()
    async with app.run_test(size=NARROW) as pilot:
        chart = await open_chart(pilot, "RB-07")
        await check(pilot, "chart", ChartScreen)
        await pilot.press("j")  # the first row: a session with jottings and no note yet
        await check(pilot, "private jottings", PrivateJottingsScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, ChartScreen)
        await pilot.press(*(["down"] * (1 - rows(chart).cursor)), "enter")  # a signed note
        await check(pilot, "note view", NoteViewScreen)
        await pilot.press("x")
        await check(pilot, "export", ExportForm)  # a note's export
        await pilot.press("escape")
        await wait_for_screen(pilot, NoteViewScreen)
        await pilot.press("a")
        await check(pilot, "addendum", AddendumForm)
        await pilot.press("escape")
        await wait_for_screen(pilot, NoteViewScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, ChartScreen)
        await pilot.press("p")
        await check(pilot, "treatment plan", TreatmentPlanScreen)
        await pilot.press("g")
        await check(pilot, "text prompt", TextPrompt)
        await pilot.press("escape")
        await wait_for_screen(pilot, TreatmentPlanScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, ChartScreen)
        await pilot.press("x")
        await check(pilot, "export", ExportForm)  # the records request
        await pilot.press("escape")
        await wait_for_screen(pilot, ChartScreen)
        await pilot.press("escape")

        clients = await wait_for_screen(pilot, ClientsScreen)
        await check(pilot, "clients", ClientsScreen)
        await pilot.press("enter")
        await check(pilot, "before session", BeforeSessionScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, ClientsScreen)
        await pilot.press("ctrl+f")
        await check(pilot, "search", SearchScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, ClientsScreen)
        await pilot.press("n")
        await check(pilot, "notes due", NotesDueScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, ClientsScreen)
        await pilot.press("x")
        await check(pilot, "export", ExportForm)
        await pilot.press("escape")
        await wait_for_screen(pilot, ClientsScreen)
        await pilot.press("a")
        await check(pilot, "client form", ClientForm)
        await pilot.press("escape")
        await wait_for_screen(pilot, ClientsScreen)
        await pilot.press("f1")
        await check(pilot, "help", HelpScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, ClientsScreen)

        assert clients._current().code == "RB-07"
        await pilot.press("w")  # RB-07's last session has no note: its write-up
        writeup = await wait_for_screen(pilot, WriteupScreen)
        await wait_until(pilot, lambda: bool(writeup.panes), "the write-up steps")
        await check(pilot, "write-up", WriteupScreen)
        while not isinstance(writeup.panes[writeup.step], ReviewPane):
            await pilot.press("ctrl+n")
            await settle(pilot, 1)
        await check(pilot, "review", WriteupScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, ClientsScreen)

        await pilot.press("ctrl+l")
        await check(pilot, "unlock", UnlockScreen)


async def test_the_session_screens_fit(two_clients) -> None:
    app = two_clients.app()
    async with app.run_test(size=NARROW) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 2, "client rows")
        await pilot.press("j")
        await check(pilot, "scratchpad", ScratchpadScreen)
        await pilot.press(*"> PE")
        await pilot.press("f8")
        await check(pilot, "discard", DiscardDialog)
        await pilot.press("escape")
        await wait_for_screen(pilot, ScratchpadScreen)
        await pilot.press("ctrl+o", "ctrl+o")
        await wait_for_screen(pilot, WriteupScreen)
        await pilot.press("escape")

        clients = await wait_for_screen(pilot, ClientsScreen)
        await pilot.press("space", "down", "space", "g")
        await wait_for_screen(pilot, ScratchpadScreen)
        await pilot.press(*"> PE", "ctrl+o", "ctrl+o")
        writeup = await wait_for_screen(pilot, WriteupScreen)
        await wait_until(pilot, lambda: bool(writeup.panes), "the group write-up steps")
        assert writeup.writeup.other_members, "a group member's write-up"
        await check(pilot, "group write-up", WriteupScreen)


async def test_setup_fits(tmp_path: Path) -> None:
    app = make_app(make_config(tmp_path), keystore=MemoryKeyring())
    async with app.run_test(size=NARROW) as pilot:
        setup = await wait_for_screen(pilot, SetupScreen)
        await wait_until(pilot, lambda: setup._status is not None, "the keyring checked")
        await check(pilot, "setup", SetupScreen)


async def test_restore_fits(made_profile, tmp_path: Path) -> None:
    made = made_profile([Client("RB-07")])
    workspace = made.open()
    try:
        session = workspace.start_session(made.client_ids["RB-07"])
        usb = tmp_path / "usb"
        usb.mkdir()
        write_jottings_copy(workspace, session, [(0, "> PE")], str(usb))
        workspace.save_jottings(session, [JottingLine(0, "")])
    finally:
        workspace.close()
    app = made.app()
    async with app.run_test(size=NARROW) as pilot:
        await check(pilot, "restore", RestoreDialog)
