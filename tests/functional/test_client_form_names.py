"""The client form treats a name as `client add` does (domain.one_line) and says so on its
status line before saving it: nothing about a name changes unseen."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from tui.screens.client_form import ClientForm
from tui.screens.clients import ClientsScreen

from .helpers import SIZE, settle, wait_for_screen, wait_until


async def test_a_changed_name_is_shown_then_saved_on_the_second_save(made_profile) -> None:
    made = made_profile()
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await settle(pilot)
        await pilot.press("a")
        form = await wait_for_screen(pilot, ClientForm)
        await pilot.press(*"NM-01")
        form.query_one("#name", Input).value = "Nora\x1b[31m West\u202e"
        await pilot.press("ctrl+s")
        problem = form.query_one("#form-problem", Static)
        await wait_until(pilot, lambda: "was changed" in str(problem.render()), "the form says what changed")
        said = str(problem.render())
        assert "2 control characters removed (ESC, U+202E)" in said and "press the save key again" in said
        assert form.query_one("#name", Input).value == "Nora[31m West"
        assert app.workspace.record.client_by_code("NM-01") is None  # not saved yet
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 1, "the new row")
        assert app.workspace.record.client_by_code("NM-01")["display_name"] == "Nora[31m West"
