"""Issue 11 item 10: at 100 columns each screen's most important keys fit in the footer."""

from __future__ import annotations

from textual.widgets import DataTable

from tui.screens.chart import ChartScreen
from tui.screens.clients import ClientsScreen
from tui.screens.notes_due import NotesDueScreen

from .helpers import screen_text, settle, wait_for_screen, wait_until

NARROW = (100, 30)


def footer_line(app) -> str:
    return screen_text(app).rstrip("\n").splitlines()[-1]


async def test_the_main_keys_fit_at_100_columns(two_clients) -> None:
    app = two_clients.app()
    async with app.run_test(size=NARROW) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 2, "client rows")
        await settle(pilot)
        line = footer_line(app)
        for label in ("Start session", "t Chart", "n Notes due", "/ Filter", "^f Search notes", "f1 Help"):
            assert label in line, f"clients footer at 100 columns lacks {label!r}: {line!r}"
        await pilot.press("t")
        await wait_for_screen(pilot, ChartScreen)
        await settle(pilot)
        line = footer_line(app)
        for label in ("Open note", "b Before session", "p Treatment plan", "esc Back"):
            assert label in line, f"chart footer at 100 columns lacks {label!r}: {line!r}"
        await pilot.press("escape")
        await wait_for_screen(pilot, ClientsScreen)
        await pilot.press("n")
        await wait_for_screen(pilot, NotesDueScreen)
        await settle(pilot)
        assert "esc Back" in footer_line(app) and "f1 Help" in footer_line(app)
