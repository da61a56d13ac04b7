"""Psychotherapy for crisis marked on the Session step: the CPT field and its hint follow
(90839, +90840 beyond 74 minutes) and the signed note's CPT line carries both codes."""

from __future__ import annotations

from textual.widgets import Input, Static

from tui.widgets.choice import ChoiceField

from ..helpers import settle, wait_until
from .conftest import SIZE, Keys, acknowledge_and_sign, build, drive_to_review, open_writeup

JOTTINGS = ['" I cant stop shaking since the crash', "o tearful, hyperventilating at first", "> grounding, crisis plan",
            "< breathing slowed, able to name supports", "* acute stress after the accident", "! denies SI/HI/SH",
            "hw call sister tonight"]
TIMES = ("2025-03-04T10:00:00+00:00", "2025-03-04T11:20:00+00:00", 80)


async def test_crisis_marked_on_the_session_step_is_billed_90839_and_90840(root):
    made = build(root, [("AB12", "Alex", ["Feel safe at home"])], [("AB12", JOTTINGS)], times=TIMES)
    async with made.app().run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        facts = screen.panes[0]
        cpt = facts.query_one("#fact-cpt", Input)
        assert cpt.value == "90837"  # 80 minutes of ordinary psychotherapy
        keys = Keys(pilot)
        facts.query_one("#fact-crisis", ChoiceField).focus()
        await keys("right")  # no -> yes
        await wait_until(pilot, lambda: cpt.value == "90839", "the crisis code suggested")
        hint = str(facts.query_one("#fact-hint", Static).render())
        assert "90839, +90840 (POS 11): Psychotherapy for crisis, 80 min" in hint
        await settle(pilot)
        assert screen.writeup.draft.facts.crisis is True
        await keys("ctrl+n")
        await drive_to_review(keys, screen)
        await acknowledge_and_sign(keys, screen)
        assert screen.signed is not None, screen.service.lint(screen.writeup)
        text = screen.signed.text
    assert "CPT: 90839, +90840 psychotherapy for crisis, each additional 30 min\n" in text
