"""The golden thread in the write-up (issue 13 item 2): on the Goals step each objective of the
plan sits under its goal with a progress choice, an evidence line and today's interventions to
tick; a ticked intervention and the rating reach the signed text, with the plan version."""

from __future__ import annotations

from textual.widgets import Input, SelectionList

from tui.services.treatment_plan import TreatmentPlans
from tui.widgets.choice import ChoiceField
from tui.widgets.writeup_steps import GoalsPane, MentalStatusPane, ReviewPane, RiskPane, step_part

from ..helpers import settle, wait_until
from .conftest import SIZE, Keys, acknowledge_and_sign, build, open_writeup, sections_of

JOTTINGS = ['" I slept badly all week', "o tired, flat affect", "> psychoeducation re sleep",
            "> behavioural activation", "< able to reframe", "* sleep and mood linked", "! denies SI/HI/SH",
            "hw sleep diary", "g1 + slept 6 hours twice"]
TIMES = ("2025-03-04T10:00:00+00:00", "2025-03-04T10:53:00+00:00", 53)


async def test_an_intervention_ticked_for_an_objective_is_in_the_signed_note(root):
    made = build(root, [("AB12", "Alex", ["Sleep 7 hours"])], [("AB12", JOTTINGS)], times=TIMES)
    ws = made.open()
    try:
        goal = ws.record.goals(made.clients["AB12"])[0]
        routine = ws.record.add_objective(goal["id"], "Keep a bedtime routine", "2027-01-31")
        ws.record.add_objective(goal["id"], "Walk on 4 days a week")
        ws.record.add_plan_intervention(goal["id"], "Sleep hygiene", routine)
        TreatmentPlans(ws).sign(made.clients["AB12"])
    finally:
        ws.close()
    async with made.app().run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        keys = Keys(pilot)
        ticked = False
        while not isinstance(screen.panes[screen.step], ReviewPane):
            pane = screen.panes[screen.step]
            if sections_of(pane):
                await keys("f4")
            if step_part(pane, MentalStatusPane) is not None:
                await keys("f3")
            risk = screen.writeup.draft.risk
            if step_part(pane, RiskPane) is not None and not (risk.is_stated and risk.level):
                await keys("f2")
            goals = step_part(pane, GoalsPane)
            if goals is not None:
                await settle(pilot)
                # Nothing planned matches today's interventions: none pre-linked.
                picks = goals.query_one("#objective-0-interventions", SelectionList)
                assert picks.display and picks.selected == []
                assert [str(picks.get_option_at_index(i).prompt) for i in range(picks.option_count)] == [
                    "Psychoeducation re sleep", "Behavioural activation"]
                goals.query_one("#objective-0", ChoiceField).focus()
                await keys("i")  # improved
                goals.query_one("#objective-0-evidence", Input).focus()
                await keys.type("in bed by 11 on 5 nights")
                picks.focus()
                await keys("space")  # ticks the highlighted one: Psychoeducation re sleep
                await settle(pilot)
                objective = screen.writeup.draft.objectives[0]
                assert objective.interventions == ["Psychoeducation re sleep"]
                assert (objective.status, objective.evidence) == ("improved", "in bed by 11 on 5 nights")
                ticked = True
            await keys("ctrl+n")
        await settle(pilot)
        assert ticked
        findings = {f.rule: f.message for f in screen.service.lint(screen.writeup)}
        assert "Behavioural activation" in findings["interventions.unlinked"]
        assert "Psychoeducation" not in findings["interventions.unlinked"]
        await acknowledge_and_sign(keys, screen)
        assert screen.signed is not None, screen.service.lint(screen.writeup)
        text = screen.signed.text
        note_id = screen.signed.note_id
    assert ("- Objective 1.1: Keep a bedtime routine (target 2027-01-31): improved \u2014 in bed by 11 on 5 nights. "
            "Interventions: Psychoeducation re sleep\n") in text
    assert "- Objective 1.2: Walk on 4 days a week: not rated\n" in text
    assert "- Goal 1: Sleep 7 hours: improved. Evidence: slept 6 hours twice\n" in text
    assert "\nTreatment plan: version 1, signed " in text
    ws = made.open()
    try:
        assert ws.record.note(note_id)["canonical_text"] == text
        from tui.services.writeup import NoteRecords

        records = NoteRecords(ws)
        assert records.seal_ok(records.signed(note_id))
    finally:
        ws.close()
