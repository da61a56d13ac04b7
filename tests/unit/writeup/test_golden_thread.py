"""The golden thread in the note (issue 13 item 2): the write-up reads the active objectives
and their planned interventions when it opens, links today's interventions to the objectives
they serve, records progress per objective, and the signed text states the plan version it
was written under. Real SQLCipher on disk; nothing mocked."""

from __future__ import annotations

from dataclasses import replace

from tui.services.treatment_plan import TreatmentPlans
from tui.services.writeup import NoteRecords, WriteupService

from .conftest import complete, sign


def plan(env, client: int) -> tuple[int, int]:
    record = env.ws.record
    goal = record.goals(client)[0]
    walk = record.add_objective(goal["id"], "Walk 20 minutes on 4 days a week", "2027-01-31")
    records = record.add_objective(goal["id"], "Three thought records a week")
    record.add_plan_intervention(goal["id"], "Behavioural activation", walk)
    record.add_plan_intervention(goal["id"], "CBT thought records", records)
    return walk, records


def test_the_note_links_interventions_to_objectives_and_states_the_plan_version(env, client):
    walk, records = plan(env, client)
    env.ws.record.set_plan_review_due(client, "2027-03-01")
    version = TreatmentPlans(env.ws).sign(client)
    session = env.session(client, ["> behavioural  activation", "> psychoeducation on sleep",
                                   "g1.1 + walked 3 days", "g1 + sleeping better"])
    svc = WriteupService(env.ws)
    w = svc.open(session.id)
    goal = w.active_goals[0]
    assert [o["id"] for o in goal["objectives"]] == [walk, records]
    assert goal["objectives"][0]["planned"] == ["Behavioural activation"]
    by_id = {o.objective_id: o for o in w.draft.objectives}
    assert by_id[str(records)].status == "" and by_id[str(records)].interventions == []
    first = by_id[str(walk)]
    assert (first.status, first.evidence) == ("improved", "walked 3 days")
    assert first.interventions == ["Behavioural activation"]  # jotted, matched to the plan
    assert w.draft.plan_version.startswith(f"Treatment plan: version {version}, signed ")
    findings = {f.rule: f for f in svc.lint(w)}
    assert "Psychoeducation on sleep" in findings["interventions.unlinked"].message
    assert "treatment-plan.unsigned" not in findings and "treatment-plan.review-overdue" not in findings

    note_id = sign(svc, complete(w)).note_id
    text = env.ws.record.note(note_id)["canonical_text"]
    assert ("- Objective 1.1: Walk 20 minutes on 4 days a week (target 2027-01-31): improved \u2014 walked 3 days. "
            "Interventions: Behavioural activation\n") in text
    assert "- Objective 1.2: Three thought records a week: not rated\n" in text
    assert text.index("- Goal 1: Sleep 7 hours: improved") < text.index("- Objective 1.1") < text.index("- Goal 2")
    assert w.draft.plan_version + "\n" in text.split("\n\n")[1] + "\n"  # in the header, by the diagnoses
    records_ = NoteRecords(env.ws)
    assert records_.seal_ok(records_.signed(note_id))


def test_unsigned_changes_and_an_overdue_review_are_warnings(env, client):
    plan(env, client)
    session = env.session(client, ["> behavioural activation"])
    svc = WriteupService(env.ws)
    w = svc.open(session.id)
    assert w.draft.plan_version == "Treatment plan: not signed yet"
    assert {f.rule: f.message for f in svc.lint(w)}["treatment-plan.unsigned"] == "The treatment plan is not signed yet."
    svc.release(w)
    env.ws.record.set_plan_review_due(client, "2026-01-01")
    TreatmentPlans(env.ws).sign(client)
    env.ws.record.add_goal(client, "Return to work")  # a change after signing
    w = svc.open(session.id)
    found = {f.rule: f.message for f in svc.lint(w)}
    assert "changes not signed yet (version 1 is signed)" in found["treatment-plan.unsigned"]
    assert found["treatment-plan.review-overdue"] == "The treatment plan's review is overdue (due 2026-01-01)."
    assert w.draft.plan_version.endswith("; changes since not signed")
    assert "interventions.unlinked" not in found  # the one intervention is linked


def test_a_reopened_draft_keeps_its_objective_progress_and_gains_new_objectives(env, client):
    walk, records = plan(env, client)
    session = env.session(client, ["> behavioural activation"])
    svc = WriteupService(env.ws)
    w = svc.open(session.id)
    w.draft.objectives = [replace(o, status="stable", evidence="two walks", interventions=[])
                          if o.objective_id == str(walk) else o for o in w.draft.objectives]
    svc.save(w)
    svc.release(w)
    goal = env.ws.record.goals(client)[0]
    new = env.ws.record.add_objective(goal["id"], "Call one friend a week")
    env.ws.record.set_objective_status(records, "met")
    w = svc.open(session.id)
    assert [o.objective_id for o in w.draft.objectives] == [str(walk), str(new)]
    kept = w.draft.objectives[0]
    assert (kept.status, kept.evidence, kept.interventions) == ("stable", "two walks", [])  # the unlink kept too
    assert w.draft.objectives[1].label == "Objective 1.3: Call one friend a week"


def test_a_client_without_a_plan_gets_no_plan_line_and_no_plan_warnings(env):
    bare = env.ws.add_client("ZZ9", "No Plan", "", [])
    session = env.session(bare, ["> psychoeducation"])
    svc = WriteupService(env.ws)
    w = svc.open(session.id)
    assert w.draft.plan_version == "" and w.draft.objectives == []
    assert not [f for f in svc.lint(w) if f.rule.startswith(("treatment-plan.", "interventions.unlinked"))]
    assert "Treatment plan" not in svc.render(w)
