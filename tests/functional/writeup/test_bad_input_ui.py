"""Bad input on the write-up screen: markup/ANSI shown literally, impossible PHQ-9 refused
with a message, a private jotting can't be carried, an empty session still signs."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static, TextArea

from tui.widgets.writeup_steps import MeasuresPane, step_part

from ..helpers import screen_text, settle
from .conftest import SIZE, Keys, acknowledge_and_sign, build, drive_to_review, open_writeup, review_text

MARKUP = '" [bold red]loud[/] [link=x]y[/link] \x1b[31mred\x1b[0m'


async def test_markup_and_ansi_are_literal_in_picker_editor_and_review(root):
    made = build(root, [("AB12", "[b]Ro[/b]bin", [])], [("AB12", [MARKUP, "! denies SI/HI/SH"])])
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        keys = Keys(pilot)
        await keys("ctrl+n", "f4")
        await settle(pilot)
        drawn = screen_text(app)
        assert "\x1b" not in drawn
        assert '"[bold red]loud[/] [link=x]y[/link] ␛[31mred␛[0m"' in drawn  # the editor
        assert '◆ " [bold red]loud[/]' in drawn or '✓ " [bold red]loud[/]' in drawn  # the picker
        editor = screen.panes[1].query_one("#section-text", TextArea)
        assert editor.text == '"[bold red]loud[/] [link=x]y[/link] ␛[31mred␛[0m"'
        await drive_to_review(keys, screen)
        assert '"[bold red]loud[/] [link=x]y[/link] ␛[31mred␛[0m"' in review_text(screen)
        assert "\x1b" not in screen_text(app)


async def test_impossible_phq9_is_refused_in_the_measures_step(root):
    made = build(root, [("AB12", "", [])], [("AB12", ["phq9 11", "! denies SI/HI/SH"])])
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        index = next(i for i, p in enumerate(screen.panes) if step_part(p, MeasuresPane) is not None)
        screen._show_step(index)
        await settle(pilot)
        pane = step_part(screen.panes[index], MeasuresPane)  # measures share the Session step
        field = pane.query_one("#measure-phq9", Input)
        result = pane.query_one("#measure-phq9-result", Static)
        assert str(result.render()) == "11 (moderate); first administration"
        for typed, message in (("28", "PHQ-9 total must be 0–27, got 28"),
                               ("1 2 1 0 4 1 0 2 1", "PHQ-9 item 5 must be 0–3, got 4")):
            field.focus()
            field.value = ""
            await Keys(pilot).type(typed)
            await settle(pilot)
            assert str(result.render()) == f"Not accepted: {message}"
            assert [m.total for m in screen.writeup.draft.measures if m.instrument == "phq9"] == []
        field.value = ""
        await Keys(pilot).type("1 2 1 0 3 1 0 2 1")
        await settle(pilot)
        assert "11 (moderate)" in str(result.render()) and "item 9 scored 1" in str(result.render())
        assert [m.items for m in screen.writeup.draft.measures] == [(1, 2, 1, 0, 3, 1, 0, 2, 1)]


async def test_private_jotting_is_dimmed_and_enter_does_not_carry_it(root):
    made = build(root, [("AB12", "", [])], [("AB12", ['" hello', "~ my private reflection"])])
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        await pilot.press("ctrl+n")
        await settle(pilot)
        pane = screen.panes[1]
        picker = pane.query_one(OptionList)
        private = [i for i in range(picker.option_count) if "private reflection" in str(picker.get_option_at_index(i).prompt)]
        assert len(private) == 1 and picker.get_option_at_index(private[0]).disabled
        assert "(private: stays in the vault)" in screen_text(app)
        picker.focus()
        picker.highlighted = private[0]
        await pilot.press("enter")
        await settle(pilot)
        assert "private" not in pane.query_one("#section-text", TextArea).text
        pane._carry(private[0])  # even asked directly, it refuses
        assert "private" not in pane.query_one("#section-text", TextArea).text


async def test_session_with_no_jottings_signs_from_typed_text(root):
    made = build(root, [("AB12", "", [])], [("AB12", [])])
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        keys = Keys(pilot)
        await keys("ctrl+n")
        fill = {"subjective": "Reports a calm week.", "objective": "Relaxed, smiling.",
                "assessment": "Stable, improving.", "plan": "Continue weekly."}
        await drive_to_review(keys, screen, fill=fill)
        await acknowledge_and_sign(keys, screen)
        from .conftest import header
        assert screen.signed is not None, (header(screen), screen.service.lint(screen.writeup))
        for text in fill.values():
            assert text in screen.signed.text
