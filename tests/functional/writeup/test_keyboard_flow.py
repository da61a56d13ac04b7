"""The keyboard-only flow from the end of a 30-jotting session to a signed SOAP note.

Every keypress except free text is counted; the goal is at most 60."""

from __future__ import annotations

from tui.screens.scratchpad import ScratchpadScreen

from ..helpers import wait_for_screen, wait_until
from .conftest import SIZE, Keys, acknowledge_and_sign, build, drive_to_review, wait_ready

THIRTY = [
    '" work has been a lot', '" I cant switch off at night', '" my sister is visiting',
    "o tired, flat affect", "o good eye contact", "o fidgeting when discussing work",
    "> CR on catastrophizing", "> PE re sleep hygiene", "> BA scheduling a walk", "> MI re alcohol use",
    "< able to reframe", "< agreed to try the walk", "< ambivalent about cutting down",
    "* avoidance keeps the worry going", "* perfectionism at work", "* sleep and mood linked",
    "! denies SI/HI/SH", "! no access to means",
    "hw sleep diary", "hw walk twice this week",
    "? ask about sister's visit", "? revisit drinking",
    "phq9 1 2 1 1 2 1 1 1 0", "gad7 12",
    "g1 + 2 nights of 7 hrs", "g2 = one panic attack",
    "~ I felt protective of her today", "~ notice my own tiredness",
    "#sleep", "talked about the holidays",
]

KEY_BUDGET = 60


async def test_thirty_jottings_to_a_signed_soap_note_within_60_keys(root):
    assert len(THIRTY) == 30
    made = build(root, [("AB12", "Alex", ["Sleep 7 hours", "Fewer panic attacks"])], [("AB12", THIRTY)],
                 end=False)
    app = made.app(jot_code="AB12")
    async with app.run_test(size=SIZE) as pilot:
        pad = await wait_for_screen(pilot, ScratchpadScreen)
        await wait_until(pilot, lambda: len(pad.query_one("#jottings").text.splitlines()) == 30,
                         "the 30 jottings in the scratchpad")
        keys = Keys(pilot)
        await keys("ctrl+o", "ctrl+o")  # end the session; the write-up opens
        screen = await wait_ready(pilot)
        await keys("ctrl+n")  # facts are right as computed
        await drive_to_review(keys, screen)
        await acknowledge_and_sign(keys, screen)
        assert screen.signed is not None, screen.service.lint(screen.writeup)
        count, log = keys.count, list(keys.log)
        text = screen.signed.text
    print(f"\nkeyboard-only flow: {count} keys: {' '.join(log)}")
    assert count <= KEY_BUDGET, (count, log)
    # The note is complete, not merely signed.
    for fragment in ('"work has been a lot"', "tired, flat affect", "able to reframe",
                     "Cognitive restructuring on catastrophizing", "PHQ-9: 10 (moderate)", "GAD-7: 12 (moderate)",
                     "Goal 1: Sleep 7 hours: improved", "Homework: sleep diary; walk twice this week",
                     "Denies SI, HI and self-harm.", "Appearance: Appropriately groomed"):
        assert fragment in text, fragment
    assert "protective" not in text and "my own tiredness" not in text
