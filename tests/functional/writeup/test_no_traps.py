"""No traps: a key typed as the write-up opens, or after tabbing into a filled field, adds to
the field instead of replacing it (how a burst of keys once left Date = "5")."""

from textual.widgets import Input

from tui.screens.scratchpad import ScratchpadScreen

from ..helpers import settle, wait_for_screen
from .conftest import SIZE, build, wait_ready


async def test_a_burst_of_keys_while_the_write_up_opens_does_not_replace_the_date(root):
    made = build(root, [("AB12", "Alex", [])], [("AB12", ['" hi'])], end=False)
    app = made.app(jot_code="AB12")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, ScratchpadScreen)
        await settle(pilot)
        await pilot.press("ctrl+o", "ctrl+o", "5")  # the 5 arrives as the write-up opens
        screen = await wait_ready(pilot)
        date = screen.query_one("#fact-date", Input)
        assert date.value != "5" and len(date.value) >= 10
        # Impossible facts are said on the facts step at once.
        assert date.value == date.value[:10] or "not a calendar date" in str(
            screen.query_one("#fact-problems").render())


async def test_tabbing_into_a_filled_field_keeps_its_text(root):
    made = build(root, [("AB12", "Alex", [])], [("AB12", ["! SH: urges, no acts this week"])])
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        from .conftest import open_writeup

        screen = await open_writeup(pilot, made.sessions[0])
        risk_step = next(i for i, p in enumerate(screen.panes) if p.title == "Risk")
        screen._show_step(risk_step)
        await settle(pilot)
        detail = screen.query_one("#risk-self_harm-detail", Input)
        before = detail.value
        assert before
        screen.query_one("#risk-self_harm").focus()
        await pilot.press("tab", "x")
        await settle(pilot)
        assert detail.value == before + "x"


async def test_the_template_picker_keeps_the_focus_as_the_templates_go_by(root):
    """Each template change rebuilds the steps. The focus stays on the picker, so the next key
    goes on through the templates (it had jumped to the Date field, and the queued change of
    the old picker crashed the app on the removed pane)."""
    made = build(root, [("AB12", "Alex", [])], [("AB12", ['" hi'])])
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        from .conftest import open_writeup

        screen = await open_writeup(pilot, made.sessions[0])
        screen.query_one("#fact-template").focus()
        await settle(pilot)
        seen = [screen.writeup.template.key]
        for _ in range(3):
            await pilot.press("right")
            await settle(pilot)
            seen.append(screen.writeup.template.key)
            assert app.focused is not None and app.focused.id == "fact-template", app.focused
        assert len(set(seen)) == 4, seen  # four templates in turn, none skipped or repeated
        await pilot.press("i")  # a letter jumps to the template starting with it
        await settle(pilot)
        assert screen.writeup.template.key == "intake"
        assert [p.title for p in screen.panes][1] == "Presenting problem and history"
        assert app.is_running
