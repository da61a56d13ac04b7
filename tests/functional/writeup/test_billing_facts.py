"""Billing facts on the Session step (issue 13 item 3): telehealth set there suggests
90837-95 at POS 10, and the signed note says the place, the telehealth and the CPT line."""

from __future__ import annotations

from textual.widgets import Input, Static

from tui.widgets.choice import ChoiceField

from ..helpers import settle, wait_until
from .conftest import SIZE, Keys, acknowledge_and_sign, build, drive_to_review, open_writeup

JOTTINGS = ['" I slept badly all week', "o tired, flat affect", "> CR on catastrophizing", "< able to reframe",
            "* sleep and mood linked", "! denies SI/HI/SH", "hw sleep diary"]
TIMES = ("2025-03-04T10:00:00+00:00", "2025-03-04T10:53:00+00:00", 53)


def hint(screen) -> str:  # noqa: ANN001
    return str(screen.panes[0].query_one("#fact-hint", Static).render())


def rules(screen) -> list[str]:  # noqa: ANN001
    return [f.rule for f in screen.service.lint(screen.writeup)]


async def test_telehealth_set_on_the_session_step_is_suggested_and_signed(root):
    made = build(root, [("AB12", "Alex", ["Sleep 7 hours"])], [("AB12", JOTTINGS)], times=TIMES)
    async with made.app().run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        facts = screen.panes[0]
        # In person as the session was started: POS 11, no modifier, 53 minutes is 90837.
        assert facts.query_one("#fact-pos", ChoiceField).value == "11"
        assert "90837 (POS 11)" in hint(screen)
        assert facts.query_one("#fact-cpt", Input).value == "90837"
        keys = Keys(pilot)
        facts.query_one("#fact-setting", ChoiceField).focus()
        await keys("right")  # in person -> telehealth
        await wait_until(pilot, lambda: "90837-95 (POS 10)" in hint(screen), "the telehealth suggestion")
        assert facts.query_one("#fact-pos", ChoiceField).value == "10"
        assert facts.query_one("#fact-telehealth", ChoiceField).value == "video"
        await settle(pilot)
        assert screen.writeup.draft.facts.cpt_modifier == "95"
        assert "billing.telehealth-location" in rules(screen)  # asked for until it is said
        facts.query_one("#fact-location", Input).focus()
        await keys.type("home, Ohio")
        await settle(pilot)
        assert "billing.telehealth-location" not in rules(screen)
        facts.query_one("#fact-complexity", ChoiceField).focus()
        await keys("right")  # +90785 marked
        await wait_until(pilot, lambda: "+90785-95" in hint(screen), "the add-on suggested")
        await keys("ctrl+n")
        await drive_to_review(keys, screen)
        await acknowledge_and_sign(keys, screen)
        assert screen.signed is not None, screen.service.lint(screen.writeup)
        text = screen.signed.text
    assert "Place of service: 10 (telehealth in the client's home)\n" in text
    assert "Telehealth: video; client located at home, Ohio\n" in text
    assert "CPT: 90837-95, +90785-95 interactive complexity\n" in text
    ws = made.open()
    try:
        note = ws.record.note_for_session(made.sessions[0])
        assert note["status"] == "signed" and note["canonical_text"] == text
    finally:
        ws.close()


async def test_a_typed_code_other_than_the_suggestion_is_a_warning_and_impossible_facts_an_error(root):
    made = build(root, [("AB12", "Alex", ["Sleep 7 hours"])], [("AB12", JOTTINGS)], times=TIMES)
    async with made.app().run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        facts = screen.panes[0]
        cpt = facts.query_one("#fact-cpt", Input)
        keys = Keys(pilot)
        assert not facts.query_one("#fact-family", ChoiceField).display  # only for family or couple
        facts.query_one("#fact-modality", ChoiceField).focus()
        await keys("f")  # family, with the client: 90847
        await settle(pilot)
        assert facts.query_one("#fact-family", ChoiceField).display and cpt.value == "90847"
        facts.query_one("#fact-complexity", ChoiceField).focus()
        await keys("right")  # +90785 cannot go with family psychotherapy
        await settle(pilot)
        assert "billing.impossible" in rules(screen)
        shown = str(facts.query_one("#fact-problems", Static).render())
        assert "90785" in shown and "cannot be reported with 90847" in shown
        facts.query_one("#fact-modality", ChoiceField).focus()
        await keys("i")  # individual again: 90837, and +90785 is allowed with it
        await settle(pilot)
        assert cpt.value == "90837" and "billing.impossible" not in rules(screen)
        cpt.focus()
        await keys("backspace")
        await keys.type("4")  # 90834 typed for a 53-minute session
        await settle(pilot)
        assert cpt.value == "90834"
        assert "billing.cpt-differs" in rules(screen)
        facts.query_one("#fact-telehealth", ChoiceField).focus()
        await keys("right")  # none -> video: the place follows to POS 10
        await settle(pilot)
        assert facts.query_one("#fact-pos", ChoiceField).value == "10"
        assert "90834" == cpt.value  # a typed code stays typed
        facts.query_one("#fact-pos", ChoiceField).focus()
        await keys("right")  # 10 -> 11 (office): the kind follows back to none
        await settle(pilot)
        assert facts.query_one("#fact-telehealth", ChoiceField).value == "none"
        assert "billing.impossible" not in rules(screen)


async def test_the_default_payers_modifier_from_config_is_used(root):
    made = build(root, [("AB12", "Alex", ["Sleep 7 hours"])], [("AB12", JOTTINGS)], times=TIMES,
                 billing_payer="acme", payer_modifiers={"acme": {"video": "GT", "audio-only": ""}})
    async with made.app().run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        facts = screen.panes[0]
        keys = Keys(pilot)
        facts.query_one("#fact-telehealth", ChoiceField).focus()
        await keys("right")  # video
        await wait_until(pilot, lambda: "90837-GT (POS 10)" in hint(screen), "the payer's modifier")
        await settle(pilot)
        assert screen.writeup.draft.facts.cpt_modifier == "GT"
        await keys("right")  # audio-only: this payer wants no modifier
        await wait_until(pilot, lambda: "90837 (POS 10)" in hint(screen), "no modifier")
        await settle(pilot)
        assert screen.writeup.draft.facts.cpt_modifier == ""
