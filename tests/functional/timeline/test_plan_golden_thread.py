"""The treatment plan's golden thread in the TUI (issue 13 item 2): goals with their numbered
objectives as rows, keys acting on the row under the cursor (an objective with a target date,
a planned intervention for that objective, status, text), dates refused with a reason and
nothing saved, S signing version 1 then, after an edit ("changes not signed yet"), version 2,
and notes due listing a plan whose review is overdue. Real profile, real SQLCipher, real keys."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from tui.screens.chart import ChartScreen
from tui.screens.clients import ClientsScreen
from tui.screens.notes_due import NotesDueScreen
from tui.screens.text_prompt import TextPrompt
from tui.screens.treatment_plan import DatePrompt, TreatmentPlanScreen, parse_plan_day
from tui.services.treatment_plan import TreatmentPlans
from tui.widgets.row_list import RowList

from ..helpers import Client, screen_text, settle, wait_for_screen, wait_until

NARROW = (100, 30)
GOAL = "Reduce depressive symptoms"


def status_line(app) -> str:
    return str(app.screen.query_one("#plan-status", Static).render())


def detail(app) -> str:
    return str(app.screen.query_one("#plan-detail", Static).render())


def toasts(app) -> list[str]:
    return [n.message for n in app._notifications]


async def open_plan(pilot) -> TreatmentPlanScreen:
    clients = await wait_for_screen(pilot, ClientsScreen)
    await wait_until(pilot, lambda: clients.query_one(DataTable).row_count >= 1, "the client row")
    await pilot.press("t")
    chart = await wait_for_screen(pilot, ChartScreen)
    await wait_until(pilot, lambda: chart.chart is not None, "the chart to load")
    await pilot.press("p")
    plan = await wait_for_screen(pilot, TreatmentPlanScreen)
    await wait_until(pilot, lambda: plan.status is not None, "the plan and its status")
    return plan


async def type_into(pilot, screen_type: type, text: str, *, clear: bool = False, append: bool = False) -> None:
    prompt = await wait_for_screen(pilot, screen_type)
    if clear:
        prompt.query_one(Input).value = ""
    if append:
        await pilot.press("end")  # the prompt selects its text on focus: typing would replace it
    await pilot.press(*text, "enter")
    await settle(pilot)


def record_state(app, made, code: str):
    """(goals, objectives, interventions, review date) as the record holds them now, read
    through the running app's workspace (the profile is locked to one process)."""
    record = app.workspace.record
    client = made.client_ids[code]
    return (record.goals(client, active_only=False), record.query("SELECT * FROM objectives ORDER BY id"),
            record.query("SELECT * FROM plan_interventions ORDER BY id"), record.plan_review_due(client))


async def test_objective_intervention_status_and_two_signed_versions(made_profile):
    made = made_profile([Client("TP-1", "Robin Plan", "", [GOAL])])
    app = made.app()
    async with app.run_test(size=NARROW) as pilot:
        plan = await open_plan(pilot)
        listed = plan.query_one(RowList)
        assert "Plan not signed yet" in status_line(app) and "no review date" in status_line(app)
        assert [r.key[0] for r in listed.rows] == ["goal"]

        # o: the text, then a target date; an impossible date is refused in the prompt, with
        # the reason, and Esc then saves nothing.
        await pilot.press("o")
        await type_into(pilot, TextPrompt, "Complete three thought records a week")
        await type_into(pilot, DatePrompt, "2027-02-30")
        prompt = app.screen
        assert isinstance(prompt, DatePrompt)
        assert "'2027-02-30' is not a date: type YYYY-MM-DD" in str(prompt.query_one(".hint", Static).render())
        await pilot.press("escape")
        await wait_for_screen(pilot, TreatmentPlanScreen)
        await settle(pilot)
        assert record_state(app, made, "TP-1")[1] == []
        assert [r.key[0] for r in listed.rows] == ["goal"]

        await pilot.press("o")
        await type_into(pilot, TextPrompt, "Complete three thought records a week")
        await type_into(pilot, DatePrompt, "2027-1-31")  # read leniently, stored as ISO
        await wait_for_screen(pilot, TreatmentPlanScreen)
        await wait_until(pilot, lambda: len(listed.rows) == 2, "the objective's row")
        assert listed.current.key[0] == "objective"  # the cursor on the new objective
        text = screen_text(app)
        assert "  1.1   active       target 2027-01-31  Complete three thought records a week" in text
        assert f"Goal 1  active       {GOAL}" in text
        assert "Target date: 2027-01-31" in detail(app) and "none yet. Press i to plan one." in detail(app)

        await pilot.press("i")  # on the objective's row: planned for that objective
        await type_into(pilot, TextPrompt, "CBT thought records")
        await wait_until(pilot, lambda: "• CBT thought records" in detail(app), "the intervention in the detail")

        await pilot.press("s")  # on the objective's row: the objective's status, not the goal's
        await wait_until(pilot, lambda: listed.current.objective["status"] == "met", "objective met")
        goals, objectives, interventions, _ = record_state(app, made, "TP-1")
        (objective,) = objectives
        assert (objective["ordinal"], objective["target_date"], objective["status"]) == (1, "2027-01-31", "met")
        assert [g["status"] for g in goals] == ["active"]
        assert [(i["description"], i["objective_id"], i["goal_id"]) for i in interventions] == [
            ("CBT thought records", objective["id"], goals[0]["id"])]

        # t on a goal row is refused (a target is an objective's); i there plans for the goal.
        await pilot.press("up")
        assert listed.current.key == ("goal", goals[0]["id"])
        await pilot.press("t")
        await settle(pilot)
        assert app.screen is plan and any("move to an objective's row" in t for t in toasts(app))
        await pilot.press("i")
        await type_into(pilot, TextPrompt, "Psychoeducation")
        await wait_until(pilot, lambda: "• Psychoeducation" in detail(app), "the goal-level intervention")
        assert listed.current.key == ("goal", goals[0]["id"])

        # v: the review date, refused when it is no date (nothing saved), then set.
        await pilot.press("v")
        await type_into(pilot, DatePrompt, "2027-13-01")
        assert isinstance(app.screen, DatePrompt)
        assert "is not a date" in str(app.screen.query_one(".hint", Static).render())
        await pilot.press("escape")
        await wait_for_screen(pilot, TreatmentPlanScreen)
        assert record_state(app, made, "TP-1")[3] is None
        await pilot.press("v")
        await type_into(pilot, DatePrompt, "2027-03-01")
        await wait_until(pilot, lambda: "review due 2027-03-01" in status_line(app), "the review date")

        await pilot.press("S")
        await wait_until(pilot, lambda: "Plan version 1, signed" in status_line(app), "version 1 signed")
        assert "Plan version 1 signed." in toasts(app)
        assert "changes not signed yet" not in status_line(app)

        await pilot.press("S")  # nothing changed since: refused, said why
        await wait_until(pilot, lambda: any("Nothing to sign" in t for t in toasts(app)), "nothing to sign")

        await pilot.press("down", "e")  # the objective's text
        await type_into(pilot, TextPrompt, " daily", append=True)
        await wait_until(pilot, lambda: "changes not signed yet" in status_line(app), "unsigned changes")
        assert "Complete three thought records a week daily" in screen_text(app)
        assert [g["description"] for g in record_state(app, made, "TP-1")[0]] == [GOAL]  # the goal untouched

        await pilot.press("S")
        await wait_until(pilot, lambda: "Plan version 2, signed" in status_line(app), "version 2 signed")
        assert "changes not signed yet" not in status_line(app) and "Plan version 2 signed." in toasts(app)

    workspace = made.open()
    try:
        client = made.client_ids["TP-1"]
        verdicts = TreatmentPlans(workspace).verify(client)
        assert [(v.version, v.ok) for v in verdicts] == [(1, True), (2, True)]
        texts = [r["canonical_text"] for r in workspace.record.plan_versions(client)]
        assert "Objective 1.1 (met, target 2027-01-31): Complete three thought records a week\n" in texts[0]
        assert "Objective 1.1 (met, target 2027-01-31): Complete three thought records a week daily" in texts[1]
        assert "    Planned interventions: CBT thought records" in texts[1]
        assert "  Planned interventions (goal): Psychoeducation" in texts[1]
    finally:
        workspace.close()


async def test_status_on_a_goal_row_changes_the_goal_and_typed_markup_shows_literally(made_profile):
    made = made_profile([Client("TP-2", "Kit Plan", "", ["[bold red]Sleep[/] 7 hours"])])
    workspace = made.open()
    try:
        goal = workspace.record.goals(made.client_ids["TP-2"])[0]
        workspace.record.add_objective(goal["id"], "Keep a [i]sleep[/i] diary", "2027-02-01")
    finally:
        workspace.close()
    app = made.app()
    async with app.run_test(size=NARROW) as pilot:
        plan = await open_plan(pilot)
        listed = plan.query_one(RowList)
        await wait_until(pilot, lambda: len(listed.rows) == 2, "goal and objective rows")
        text = screen_text(app)
        assert "Goal 1  active       [bold red]Sleep[/] 7 hours" in text
        assert "  1.1   active       target 2027-02-01  Keep a [i]sleep[/i] diary" in text
        await pilot.press("s")  # the cursor on the goal row
        await wait_until(pilot, lambda: listed.rows[0].goal["status"] == "met", "goal met")
        goals, objectives, _, _ = record_state(app, made, "TP-2")
        assert [g["status"] for g in goals] == ["met"] and [o["status"] for o in objectives] == ["active"]
        await pilot.press("down", "t")  # clear the target: blank is allowed for a target date
        await type_into(pilot, DatePrompt, "", clear=True)
        await wait_until(pilot, lambda: "none set. Press t to set one." in detail(app), "no target date")
        assert record_state(app, made, "TP-2")[1][0]["target_date"] is None


async def test_notes_due_lists_an_overdue_plan_review(made_profile):
    made = made_profile([Client("RV-1", "Robin Review", "", ["Sleep 7 hours"]),
                         Client("RV-2", "Kit Later", "", ["Drive alone"])])
    workspace = made.open()
    try:
        workspace.record.set_plan_review_due(made.client_ids["RV-1"], "2025-01-01")  # long past: overdue
        workspace.record.set_plan_review_due(made.client_ids["RV-2"], "2199-01-01")  # far off: not listed
    finally:
        workspace.close()
    app = made.app()
    async with app.run_test(size=NARROW) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 2, "the client rows")
        await pilot.press("n")
        due = await wait_for_screen(pilot, NotesDueScreen)
        box = due.query_one("#due-plan-reviews", Static)
        await wait_until(pilot, lambda: box.display, "the plan reviews box")
        text = screen_text(app)
        assert "Plans due for review" in text
        assert "RV-1        review 2025-01-01  OVERDUE   plan not signed yet" in text
        assert "RV-2" not in text


async def test_notes_due_hides_the_plan_box_when_no_review_is_due(made_profile):
    made = made_profile([Client("RV-3", "Robin Fine", "", ["Sleep 7 hours"])])
    app = made.app()
    async with app.run_test(size=NARROW) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 1, "the client row")
        await pilot.press("n")
        due = await wait_for_screen(pilot, NotesDueScreen)
        await wait_until(pilot, lambda: "0 due, 0 overdue." in screen_text(app), "the notes due")
        assert not due.query_one("#due-plan-reviews", Static).display
        assert "Plans due for review" not in screen_text(app)


def test_plan_days_are_read_leniently_and_refused_with_the_reason():
    assert parse_plan_day(" 2027-01-31 ") == "2027-01-31"
    assert parse_plan_day("2027-1-5") == parse_plan_day("2027/01/05") == parse_plan_day("20270105") == "2027-01-05"
    assert parse_plan_day("") == ""
    for bad in ("2027-02-30", "31/01/2027", "tomorrow", "2027-01", "0999-01-01"):
        try:
            parse_plan_day(bad)
        except ValueError as exc:
            assert "is not a date: type YYYY-MM-DD" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was read as a date")


def test_an_objectives_detail_shows_its_interventions_target_and_progress_literally():
    from tui.screens.treatment_plan import objective_detail

    goal = {"ordinal": 1, "description": "Reduce depressive symptoms"}
    objective = {"ordinal": 2, "description": "Walk [b]daily[/b]", "status": "active", "target_date": "2027-01-31",
                 "interventions": [{"description": "Behavioural activation"}],
                 "history": [{"day": "2025-01-06", "status": "improved", "evidence": "Walked 3 times \x1b[31m",
                              "interventions": "Behavioural activation"}]}
    text = objective_detail(goal, objective).plain
    assert "Objective 1.2 (active): Walk [b]daily[/b]" in text
    assert "Target date: 2027-01-31" in text and "  • Behavioural activation" in text
    assert "  2025-01-06  improved     Walked 3 times \u241b[31m  (interventions: Behavioural activation)" in text


async def test_an_objectives_progress_from_a_signed_note_shows_on_its_row(made_profile):
    from ..helpers import PastSession
    from .conftest import sign_sessions

    made = made_profile([Client("TP-3", "Robin Thread", "", [GOAL])],
                        [PastSession("TP-3", "2025-02-03T10:00:00+00:00", "2025-02-03T10:50:00+00:00", 50,
                                     [(0, "> behavioural activation"), (1, "g1.1 + walked 3 days")])])
    workspace = made.open()
    try:
        goal = workspace.record.goals(made.client_ids["TP-3"])[0]["id"]
        walk = workspace.record.add_objective(goal, "Walk 20 minutes on 4 days a week", "2027-01-31")
        workspace.record.add_plan_intervention(goal, "Behavioural activation", walk)
    finally:
        workspace.close()
    sign_sessions(made, [(made.session_ids[0], "2025-02-03T12:00:00+00:00", "Mood lifting.", "low")])
    app = made.app()
    async with app.run_test(size=NARROW) as pilot:
        plan = await open_plan(pilot)
        listed = plan.query_one(RowList)
        await wait_until(pilot, lambda: len(listed.rows) == 2, "goal and objective rows")
        await pilot.press("down")
        await wait_until(pilot, lambda: "Objective 1.1 (active)" in detail(app), "the objective's detail")
        assert "2025-02-03  improved     walked 3 days  (interventions: Behavioural activation)" in detail(app)
        assert "  • Behavioural activation" in detail(app)
