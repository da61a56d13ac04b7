"""Clients list: Home/End move the cursor; after a write-up the cursor stays on that client."""

from textual.widgets import DataTable

from tui.screens.clients import ClientsScreen

from ..helpers import settle, wait_for_screen, wait_until
from .conftest import SIZE, build, wait_ready


async def test_home_end_and_the_cursor_stays_on_the_client(root):
    made = build(root, [("AA-01", "Ann", []), ("BB-02", "Ben", []), ("CC-03", "Cy", [])],
                 [("CC-03", ['" hello'])])
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        table = clients.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 3, "three clients")
        await pilot.press("end")
        assert table.cursor_row == 2
        await pilot.press("home")
        assert table.cursor_row == 0
        target = next(i for i, c in enumerate(clients._clients) if c.code == "CC-03")
        table.move_cursor(row=target)
        await pilot.press("w")  # write up CC-03's session, then leave it
        await wait_ready(pilot)
        await pilot.press("escape")
        clients = await wait_for_screen(pilot, ClientsScreen)
        await settle(pilot)
        await wait_until(pilot, lambda: table.row_count == 3, "the list reloaded")
        assert clients._current().code == "CC-03"
