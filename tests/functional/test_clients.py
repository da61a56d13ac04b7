"""Issue 2: the clients screen and form, the help screen, and the command palette."""

from __future__ import annotations

from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Input, Static, TextArea

from tui.app import HushpadApp
from tui.screens.client_form import ClientForm
from tui.screens.clients import ClientsScreen
from tui.screens.help import HelpScreen
from tui.screens.scratchpad import ScratchpadScreen

from .helpers import SIZE, Client, rendered_strips, screen_text, settle, wait_for_screen, wait_until


async def _clients_screen(pilot, rows: int) -> ClientsScreen:
    screen = await wait_for_screen(pilot, ClientsScreen)
    await wait_until(pilot, lambda: screen.query_one(DataTable).row_count == rows, f"{rows} client rows")
    await settle(pilot)
    return screen


def _row_texts(screen: ClientsScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[cell.plain if isinstance(cell, Text) else str(cell) for cell in table.get_row_at(i)]
            for i in range(table.row_count)]


async def _fill(pilot, selector: str, text: str) -> None:
    """Focus a field, put all but the last character in, and type the last one as a key.

    (Typing every character through Pilot costs ~50 ms a key; the keys still go through
    the real widget, and the last one proves the field takes typing.)
    """
    field = pilot.app.screen.query_one(selector)
    field.focus()
    await pilot.pause()
    if isinstance(field, Input):
        field.value = text[:-1]
        field.cursor_position = len(field.value)
    else:
        field.load_text(text[:-1])
        field.move_cursor(field.document.end)
    await pilot.press(text[-1])
    assert (field.value if isinstance(field, Input) else field.text) == text


async def test_add_a_client_through_the_form(made_profile) -> None:
    made = made_profile()
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await _clients_screen(pilot, 0)
        await pilot.press("a")
        form = await wait_for_screen(pilot, ClientForm)
        assert form.query_one("#code", Input).has_focus, "the form opens typing-ready in the code field"
        await pilot.press(*"NW-01")
        await _fill(pilot, "#name", "Nora West")
        await _fill(pilot, "#dob", "1990-02-28")
        await _fill(pilot, "#goals", "Sleep through the night\nReturn to work")
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 1, "the new row")

        assert _row_texts(clients)[0][1:3] == ["NW-01", "Nora West"]
        row = app.workspace.record.client_by_code("NW-01")
        assert (row["code"], row["display_name"], row["date_of_birth"]) == ("NW-01", "Nora West", "1990-02-28")
        goals = [g["description"] for g in app.workspace.goals(row["id"])]
        assert goals == ["Sleep through the night", "Return to work"]


async def test_edit_code_name_dob_and_goals(two_clients) -> None:
    app = two_clients.app()
    client_id = two_clients.client_ids["RB-07"]
    async with app.run_test(size=SIZE) as pilot:
        clients = await _clients_screen(pilot, 2)
        codes = [row[1] for row in _row_texts(clients)]
        clients.query_one(DataTable).move_cursor(row=codes.index("RB-07"))
        await pilot.press("e")
        form = await wait_for_screen(pilot, ClientForm)
        goals = form.query_one("#goals", TextArea)
        await wait_until(pilot, lambda: goals.text == "Sleep 7 hours\nFewer panic attacks", "goals loaded")
        assert form.query_one("#code", Input).value == "RB-07"
        assert form.query_one("#name", Input).value == "Robin Example"
        assert form.query_one("#dob", Input).value == "1984-03-07"

        await _fill(pilot, "#code", "RB-08")
        await _fill(pilot, "#name", "Robin Changed")
        await _fill(pilot, "#dob", "1985-04-09")
        await _fill(pilot, "#goals", "Sleep 8 hours\nFewer panic attacks\nWalk daily")
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: "RB-08" in [r[1] for r in _row_texts(clients)], "the edited row")

        row = app.workspace.record.client(client_id)
        assert (row["code"], row["display_name"], row["date_of_birth"]) == ("RB-08", "Robin Changed", "1985-04-09")
        assert [g["description"] for g in app.workspace.goals(client_id)] == [
            "Sleep 8 hours", "Fewer panic attacks", "Walk daily"]
        assert "RB-07" not in [r[1] for r in _row_texts(clients)]


async def test_an_invalid_code_is_refused_and_nothing_is_saved(made_profile) -> None:
    made = made_profile([Client("AB-01")])
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        await _clients_screen(pilot, 1)
        before = app.workspace.record.query("SELECT * FROM clients")
        for bad in ("has space", "-lead", "ab-01"):  # "ab-01" clashes with AB-01 (codes ignore case)
            await pilot.press("a")
            form = await wait_for_screen(pilot, ClientForm)
            await _fill(pilot, "#code", bad)
            await _fill(pilot, "#name", "Someone")
            await pilot.press("ctrl+s")
            problem = form.query_one("#form-problem", Static)
            await wait_until(pilot, lambda: str(problem.render()).strip(), f"a message for {bad!r}")
            message = str(problem.render())
            assert ("client code is 1–32 letters" in message) or ("already a client" in message), message
            assert app.screen is form, "the form stays open so the code can be fixed"
            assert app.workspace.record.query("SELECT * FROM clients") == before
            await pilot.press("escape")
            await wait_for_screen(pilot, ClientsScreen)


MARKUP_NAMES = ["[bold red]x[/]", "[link=http://e]y[/]"]


async def test_markup_in_a_display_name_shows_literally(made_profile) -> None:
    made = made_profile([Client("MK-01", MARKUP_NAMES[0]), Client("MK-02", MARKUP_NAMES[1])])
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await _clients_screen(pilot, 2)
        table = clients.query_one(DataTable)
        for index, name in enumerate(MARKUP_NAMES):
            cell = table.get_row_at(index)[2]
            assert isinstance(cell, Text) and cell.plain == name
            assert not cell.spans and not cell.style
        text = screen_text(app)
        for name in MARKUP_NAMES:
            assert name in text, f"{name!r} is drawn as typed"
        for strip in rendered_strips(app):
            for segment in strip:
                if segment.style is None:
                    continue
                assert not segment.style.link, f"a link was drawn: {segment!r}"
                if "x[/]" in segment.text or "y[/]" in segment.text:
                    assert not segment.style.bold, f"markup styled the name: {segment!r}"


async def test_markup_typed_into_the_form_shows_literally(made_profile) -> None:
    app = made_profile().app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await _clients_screen(pilot, 0)
        await pilot.press("a")
        await wait_for_screen(pilot, ClientForm)
        await pilot.press(*"MK-03")
        await _fill(pilot, "#name", "[bold red]x[/]")
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 1, "the new row")
        assert _row_texts(clients)[0][2] == "[bold red]x[/]"
        assert "[bold red]x[/]" in screen_text(app)


def _binding_ids(app: HushpadApp, screen_type: type) -> set[str]:
    return {b.id for b in [*app.BINDINGS, *screen_type.BINDINGS] if b.id}


async def test_help_lists_every_binding_with_its_id(two_clients) -> None:
    app = two_clients.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await _clients_screen(pilot, 2)
        await pilot.press("f1")
        help_screen = await wait_for_screen(pilot, HelpScreen)
        table = help_screen.query_one(DataTable)
        rows = [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]
        listed_ids = {row[2] for row in rows}
        expected = _binding_ids(app, ClientsScreen)
        assert expected <= listed_ids, f"missing from help: {expected - listed_ids}"
        by_id = {row[2]: row for row in rows}
        assert by_id["clients.add"][:2] == ["a", "Add client"]
        assert by_id["app.lock"][:2] == ["^l", "Lock"]
        drawn = screen_text(app)
        for binding_id in expected:  # drawn whole: a narrow dialog once cut them off
            assert binding_id in drawn, f"{binding_id} is not drawn in full"
        await pilot.press("escape")
        await wait_for_screen(pilot, ClientsScreen)
        assert app.screen is clients


async def test_help_in_session_lists_the_scratchpad_keys(two_clients) -> None:
    app = two_clients.app(jot_code="KT-12")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, ScratchpadScreen)
        await pilot.press("f1")
        help_screen = await wait_for_screen(pilot, HelpScreen)
        table = help_screen.query_one(DataTable)
        listed_ids = {table.get_row_at(i)[2].plain for i in range(table.row_count)}
        expected = _binding_ids(app, ScratchpadScreen) | {"jottings.undo", "jottings.redo"}
        assert expected <= listed_ids, f"missing from help: {expected - listed_ids}"


async def test_palette_has_a_command_for_every_key(two_clients) -> None:
    app = two_clients.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await _clients_screen(pilot, 2)
        commands = {command.title: command for command in app.get_system_commands(clients)}
        for active in clients.active_bindings.values():
            binding = active.binding
            if binding.show and binding.description and active.enabled:
                assert binding.description in commands, f"no palette command for {binding.key}"
        for title in ("Add client", "Edit client", "Start session", "Group session", "Lock", "Help"):
            assert title in commands, title
        # Through the palette itself, by name: the command does what the key does.
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"add client")
        await wait_until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0, "palette hits")
        await pilot.press("enter")
        await wait_for_screen(pilot, ClientForm)


async def test_a_remapped_key_works_and_is_shown(made_profile) -> None:
    made = made_profile(keymap={"clients.add": "f6"})
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        await _clients_screen(pilot, 0)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen), "the old key no longer adds"
        await pilot.press("f6")
        await wait_for_screen(pilot, ClientForm)
