"""f1 in the scratchpad teaches the shorthand first: every marker, member attribution, measures."""

from textual.widgets import DataTable

from tui.screens.help import HelpScreen
from tui.screens.scratchpad import ScratchpadScreen

from ..helpers import settle, wait_for_screen
from .conftest import SIZE, build


async def test_scratchpad_help_lists_the_markers_before_the_keys(root):
    made = build(root, [("AB12", "Alex", [])], [("AB12", ['" hi'])], end=False)
    app = made.app(jot_code="AB12")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, ScratchpadScreen)
        await settle(pilot)
        await pilot.press("f1")
        help_screen = await wait_for_screen(pilot, HelpScreen)
        table = help_screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
    kinds = [row[2] for row in rows]
    first_key = kinds.index(next(k for k in kinds if k != "marker"))
    markers = [row[0] for row in rows[:first_key]]
    assert first_key >= 13  # every marker category, then group attribution, before any key
    for typed in ('" ', "obs:", "> ", "< ", "* ", "! ", "hw ", "? ", "~ ", "phq9 11", "g1 +", "#sleep", "@AB"):
        assert any(m.startswith(typed) or typed in m for m in markers), typed
    assert any("NEVER" in row[1] for row in rows[:first_key])
