"""Issue 9: a paste keeps the order of every character, escape sequences and control
characters included, from the terminal's bytes to what is stored.

The bytes go through the input parser the terminal driver uses (PasteSafeXTermParser,
installed by tui.widgets._textual_compat) and each event it produces is delivered to the
App, as the driver delivers it; then the real widgets handle it and the real stores keep it.
"""

from __future__ import annotations

from textual._xterm_parser import XTermParser
from textual.drivers import linux_driver
from textual.widgets import DataTable, Input, TextArea

from tui.screens.client_form import ClientForm
from tui.screens.clients import ClientsScreen
from tui.screens.scratchpad import ScratchpadScreen
from tui.widgets.jotting_editor import JottingEditor

from .helpers import SIZE, Client, settle, shows_saved, vault_lines, wait_for_screen, wait_until

START, END = "\x1b[200~", "\x1b[201~"


async def terminal_sends(pilot, data: str, chunk: int = 7) -> None:
    """Bytes from the terminal, read in small pieces as the driver may read them."""
    parser = linux_driver.XTermParser()  # whichever parser the driver builds
    for i in range(0, len(data), chunk):
        for event in parser.feed(data[i:i + chunk]):
            pilot.app.post_message(event)
    await pilot.pause()


def test_the_driver_builds_the_paste_safe_parser() -> None:
    assert linux_driver.XTermParser is not XTermParser


async def test_a_pasted_escape_sequence_stays_where_it_was_pasted(two_clients) -> None:
    app = two_clients.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad = await wait_for_screen(pilot, ScratchpadScreen)
        editor = pad.query_one(JottingEditor)
        assert editor.has_focus
        await terminal_sends(pilot, "* before ")
        await terminal_sends(pilot, f"{START}ab\x1b[31mRED\x1b[0m cd\r\n> next\x07line{END}")
        await terminal_sends(pilot, " after")
        expected = ["* before ab\u241b[31mRED\u241b[0m cd", "> next\u2407line after"]
        assert editor.document.lines == expected
        await wait_until(pilot, lambda: [t for _, t in vault_lines(app, pad)] == expected and shows_saved(pad),
                         "the vault to hold the pasted lines in order")


async def test_a_multi_line_paste_with_controls_in_the_goals_box_is_stored_in_order(made_profile) -> None:
    made = made_profile()
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await pilot.press("a")
        form = await wait_for_screen(pilot, ClientForm)
        await pilot.press(*"PG-01")
        goals = form.query_one("#goals", TextArea)
        goals.focus()
        await pilot.pause()
        pasted = "Sleep 7 hours\x1b[1m nightly\rFewer\x0bpanic\x1e attacks\r\nWalk\u2028daily"
        await terminal_sends(pilot, f"{START}{pasted}{END}")
        assert goals.document.lines == ["Sleep 7 hours\u241b[1m nightly", "Fewer\u240bpanic\u241e attacks",
                                        "Walk", "daily"]
        assert form.query_one("#code", Input).value == "PG-01", "no pasted character reached another field"
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 1, "the new client")
        await settle(pilot)
        client_id = app.workspace.client_by_code("PG-01")["id"]
        stored = [g["description"] for g in app.workspace.goals(client_id)]
        assert stored == ["Sleep 7 hours\u241b[1m nightly", "Fewer\u240bpanic\u241e attacks", "Walk", "daily"]
