"""A step change puts the focus on the new step's first field (or the unanswered risk
control), never on a container or on a widget of the step just hidden; the review is worked
out once per revision of the draft and again after every edit."""

from __future__ import annotations

from textual.widgets import TextArea

from tui.widgets.writeup_steps import ReviewPane, SectionPane, StepPane

from ..helpers import settle
from .conftest import SIZE, build, open_writeup, review_text

JOTTINGS = ['" cant sleep since the move', "o tired", "> CR on catastrophizing", "< able to reframe",
            "* avoidance maintains worry", "hw sleep diary", "? ask about sister", "phq9 11"]


def _focus_is_on_the_step(screen) -> None:  # noqa: ANN001
    pane = screen.panes[screen.step]
    focused = screen.focused
    assert focused is not None, f"nothing focused on {pane.title}"
    assert focused is pane or pane in focused.ancestors, f"{focused!r} is not on the step {pane.title}"
    assert all(node.display for node in [focused, *focused.ancestors] if hasattr(node, "display"))
    if focused is pane:  # only a step with no field of its own takes the focus itself
        assert not [w for w in pane.query("*") if w.focusable and w.display and not isinstance(w, StepPane)]
    else:
        assert not isinstance(focused, StepPane), f"{pane.title} opened on the container {focused!r}"


async def test_every_step_opens_on_a_field_of_its_own_both_ways(root):
    made = build(root, [("AB12", "Alex", ["Sleep 7 hours"])], [("AB12", JOTTINGS)])
    async with made.app().run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        _focus_is_on_the_step(screen)
        for key in ["ctrl+n"] * (len(screen.panes) - 1) + ["ctrl+b"] * (len(screen.panes) - 1):
            before = screen.step
            await pilot.press(key)
            await settle(pilot)
            assert screen.step == before + (1 if key == "ctrl+n" else -1)
            _focus_is_on_the_step(screen)


async def test_the_review_after_an_edit_shows_the_edit(root):
    made = build(root, [("AB12", "Alex", ["Sleep 7 hours"])], [("AB12", JOTTINGS)])
    async with made.app().run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        review = len(screen.panes) - 1
        assert isinstance(screen.panes[review], ReviewPane)
        screen._show_step(review)
        await settle(pilot)
        first = review_text(screen)
        assert "Woke at four most nights" not in first
        screen._show_step(review - 1)
        await settle(pilot)
        screen._show_step(review)  # a revisit with nothing edited shows the same note
        await settle(pilot)
        assert review_text(screen) == first

        subjective = next(p for p in screen.query(SectionPane) if p.spec.key == "subjective")
        editor = subjective.query_one("#section-text", TextArea)
        screen._show_step(screen.panes.index(subjective))
        await settle(pilot)
        editor.insert("\nWoke at four most nights.", editor.document.end)
        await settle(pilot)
        revision = screen.revision
        await pilot.press(*["ctrl+n"] * (review - screen.step))
        await settle(pilot)
        assert screen.step == review and screen.revision == revision
        assert "Woke at four most nights." in review_text(screen)
