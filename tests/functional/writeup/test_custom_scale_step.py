"""A custom scale from config in the write-up's measures step: the session's "sleep 3 1 2 0 4"
arrives scored (reverse items applied) and banded, a bad entry is refused with the same
"Not accepted: …" as a built-in, and the review shows the rules it was scored by."""

from __future__ import annotations

from textual.widgets import Input, Static

from tui.domain.measures import CustomScale
from tui.widgets.writeup_steps import MeasuresPane, step_part

from ..helpers import settle
from .conftest import SIZE, Keys, build, drive_to_review, open_writeup, review_text

SLEEP = CustomScale.from_mapping("sleep", {"name": "Sleep quality", "items": 5, "item_range": [0, 4],
                                           "reverse": [2, 5], "bands": [[0, "good"], [8, "fair"], [14, "poor"]]})


async def test_a_custom_scale_in_the_measures_step(root):
    made = build(root, [("AB12", "", [])], [("AB12", ["sleep 3 1 2 0 4", "! denies SI/HI/SH"])],
                 custom_scales={"sleep": SLEEP})
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        index = next(i for i, p in enumerate(screen.panes) if step_part(p, MeasuresPane) is not None)
        screen._show_step(index)
        await settle(pilot)
        pane = step_part(screen.panes[index], MeasuresPane)
        field = pane.query_one("#measure-custom-sleep", Input)
        result = pane.query_one("#measure-custom-sleep-result", Static)
        assert field.value == "3 1 2 0 4"
        assert str(result.render()) == "8 (fair); first administration"
        for typed, message in (("3 1 2 0 5", "Sleep quality item 5 must be 0–4, got 5"),
                               ("3 1", "Sleep quality needs a total or 5 item scores, got 2 numbers"),
                               ("21", "Sleep quality total must be 0–20, got 21")):
            field.focus()
            field.value = ""
            await Keys(pilot).type(typed)
            await settle(pilot)
            assert str(result.render()) == f"Not accepted: {message}"
            screen.panes[index].apply(screen.writeup.draft)
            assert [m for m in screen.writeup.draft.measures if m.instrument == "custom:sleep"] == []
        field.value = ""
        await Keys(pilot).type("0 4 0 0 4")  # items 2 and 5 reverse: 0 + 0 + 0 + 0 + 0
        await settle(pilot)
        assert str(result.render()) == "0 (good); first administration"
        await drive_to_review(Keys(pilot), screen)
        assert ("Sleep quality: 0 (good); first administration; answers 0 4 0 0 4; custom scale: 5 items 0–4, "
                "items 2, 5 reverse-scored; bands 0–7 good, 8–13 fair, 14–20 poor") in review_text(screen)
