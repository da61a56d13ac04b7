"""The plan screen's reading of objectives (issue 13 item 2): each objective carries the
interventions planned for it (a goal keeps all of them, each naming its objective), and its
progress history from signed notes' ``objectives`` entries (objective_id, status, evidence,
interventions), read defensively: older notes have none; junk and gone objectives are passed over."""

from __future__ import annotations

import json

from tui.services.chart import add_progress


def make_plan(env):
    client = env.client("OB-1", goals=["Reduce depressive symptoms", "Sleep 7 hours"])
    record = env.record
    goal, other = (g["id"] for g in record.goals(client))
    first = record.add_objective(goal, "Complete three thought records a week", "2027-01-31")
    second = record.add_objective(goal, "Walk 20 minutes on 4 days a week")
    cbt = record.add_plan_intervention(goal, "CBT thought records", first)
    record.add_plan_intervention(goal, "Psychoeducation")
    return client, goal, other, first, second, cbt


def test_objectives_carry_their_own_planned_interventions(env):
    client, goal, _other, first, second, _cbt = make_plan(env)
    env.sign(env.session(client, "2025-01-01T10:00:00+00:00", jottings=["g1 + slept 6 hours"]),
             "2025-01-01T12:00:00+00:00")  # a note rating no objective: the objectives' history stays empty
    g1, g2 = env.chart.treatment_plan(client)["goals"]
    assert [i["description"] for i in g1["interventions"]] == ["CBT thought records", "Psychoeducation"]
    o1, o2 = g1["objectives"]
    assert (o1["id"], o1["ordinal"], o1["target_date"]) == (first, 1, "2027-01-31")
    assert (o2["id"], o2["ordinal"], o2["target_date"]) == (second, 2, None)
    assert [i["description"] for i in o1["interventions"]] == ["CBT thought records"]
    assert o2["interventions"] == [] and o1["history"] == [] and o2["history"] == []
    assert [s for _, s, _ in g1["history"]] == ["improved"] and g2["objectives"] == []


def test_objective_history_from_the_notes_objectives_read_defensively(env):
    client, _goal, _other, first, second, cbt = make_plan(env)
    goals = env.chart.treatment_plan(client)["goals"]
    for goal in goals:  # as treatment_plan leaves them before reading the notes
        goal["history"] = []
        for objective in goal["objectives"]:
            objective["history"] = []
    notes = [
        {"started_at": "2025-01-06T10:00:00+00:00", "draft_json": json.dumps({"goals": [], "objectives": [
            {"objective_id": first, "status": "improved", "evidence": "Did 3 records",
             "interventions": ["CBT thought records", "Socratic questioning"]},
            {"objective_id": 99999, "status": "stable", "evidence": "an objective no longer on the plan"},
            "not an object", {"objective_id": second}]})},  # nothing said of it: no entry
        {"started_at": "2025-01-13T10:00:00+00:00", "draft_json": "{not json"},
        {"started_at": "2025-01-13T10:00:00+00:00", "draft_json": json.dumps(["a list"])},
        {"started_at": "2025-01-20T10:00:00+00:00", "draft_json": json.dumps({"objectives": [
            {"objective_id": str(second), "status": "", "evidence": "Walked twice", "interventions": [cbt]},
            {"objective_id": first, "status": "met", "evidence": "", "interventions": "homework review"}]})},
        {"started_at": "2025-01-27T10:00:00+00:00", "draft_json": json.dumps({"goals": [{"goal_id": 1}]})},
    ]
    add_progress(goals, notes)
    o1, o2 = goals[0]["objectives"]
    assert o1["history"] == [
        {"day": "2025-01-06", "status": "improved", "evidence": "Did 3 records",
         "interventions": "CBT thought records, Socratic questioning"},
        {"day": "2025-01-20", "status": "met", "evidence": "", "interventions": "homework review"}]
    # an id in the list reads as the planned intervention's description
    assert o2["history"] == [{"day": "2025-01-20", "status": "", "evidence": "Walked twice",
                              "interventions": "CBT thought records"}]
    assert goals[0]["history"] == [] and goals[1]["history"] == []


def test_a_signed_notes_objective_progress_reaches_the_objectives_history(env):
    """Round trip through the real write-up: 'g1.1 + …' and a jotted intervention matching the
    planned one, signed; the plan reads them under objective 1.1 (not 1.2, not the goal)."""
    client = env.client("OB-2", goals=["Reduce depressive symptoms"])
    goal = env.record.goals(client)[0]["id"]
    walk = env.record.add_objective(goal, "Walk 20 minutes on 4 days a week", "2027-01-31")
    env.record.add_objective(goal, "Three thought records a week")
    env.record.add_plan_intervention(goal, "Behavioural activation", walk)
    session = env.session(client, "2025-02-03T10:00:00+00:00",
                          jottings=["> behavioural activation", "g1.1 + walked 3 days"])
    env.sign(session, "2025-02-03T12:00:00+00:00")
    (g1,) = env.chart.treatment_plan(client)["goals"]
    o1, o2 = g1["objectives"]
    assert o1["history"] == [{"day": "2025-02-03", "status": "improved", "evidence": "walked 3 days",
                              "interventions": "Behavioural activation"}]
    assert o2["history"] == [] and g1["history"] == []
