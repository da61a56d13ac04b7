"""The draft autosaves: leaving with Esc and coming back loses nothing, and neither does
closing the app without leaving (a crash)."""

from __future__ import annotations

from textual.widgets import TextArea

from tui.screens.clients import ClientsScreen

from ..helpers import wait_for_screen, wait_until
from .conftest import SIZE, Keys, build, header, open_writeup, wait_ready

JOTTINGS = ['" I keep waking at 4am', "o tired", "! denies SI/HI/SH", "~ private thought here"]
TYPED = " Worse on workdays."


async def edit_and_wait_saved(pilot, screen) -> str:
    keys = Keys(pilot)
    await keys("ctrl+n", "f4")
    editor = screen.panes[1].query_one("#section-text", TextArea)
    editor.focus()
    await keys("ctrl+end")
    await keys.type(TYPED)
    await keys("ctrl+n", "f3")  # to Objective, where the mental status is: fill every blank line
    await wait_until(pilot, lambda: header(screen).endswith("· saved") and screen.autosave.generation > 0,
                     "the draft saved")
    return editor.text


def stored_draft(made) -> dict:
    import json

    ws = made.open()
    try:
        return json.loads(ws.record.note_for_session(made.sessions[0])["draft_json"])
    finally:
        ws.close()


async def test_leave_with_escape_and_come_back(root):
    made = build(root, [("AB12", "Alex", [])], [("AB12", JOTTINGS)])
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        text = await edit_and_wait_saved(pilot, screen)
        assert text == '"I keep waking at 4am"' + TYPED
        await pilot.press("escape")
        clients = await wait_for_screen(pilot, ClientsScreen)
        await pilot.press("w")  # write up this client's unsigned session
        again = await wait_ready(pilot)
        assert again is not screen
        assert again.writeup.draft.sections["subjective"] == text
        assert again.writeup.draft.mental_status.mood == "Euthymic"
        assert again.panes[1].query_one("#section-text", TextArea).text == text
        assert again.step == 0


async def test_draft_is_back_after_the_app_dies_without_leaving(root):
    made = build(root, [("AB12", "Alex", [])], [("AB12", JOTTINGS)])
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        text = await edit_and_wait_saved(pilot, screen)
        # No Esc, no quit action (which would flush): the app just stops.
    assert stored_draft(made)["sections"]["subjective"] == text
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        assert screen.writeup.draft.sections["subjective"] == text
        assert screen.panes[1].query_one("#section-text", TextArea).text == text
        assert screen.writeup.draft.mental_status.orientation == "Oriented to person, place and time"
