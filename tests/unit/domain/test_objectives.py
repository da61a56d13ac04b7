"""Progress per objective and the interventions that served it (issue 13 item 2): the `g1.2 +`
shorthand, the prefill and its auto-link, the signed text, old drafts, and the lint warnings."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tui.domain.canonical import canonical_text
from tui.domain.lint import lint_note
from tui.domain.models import GoalProgress, NoteDraft, ObjectiveProgress, SessionFacts
from tui.domain.prefill import objectives_from, prefill_draft
from tui.domain.shorthand import DEFAULT_RULES, Category, GoalJotting, carry_into_note, parse_jotting
from tui.domain.templates import BUILTIN_TEMPLATES

SOAP = BUILTIN_TEMPLATES["soap"]

GOALS = [
    {"id": 7, "ordinal": 1, "description": "Lift mood", "objectives": [
        {"id": 31, "ordinal": 1, "description": "Three thought records a week", "target_date": "",
         "status": "active", "planned": ["CBT thought records"]},
        {"id": 32, "ordinal": 2, "description": "Walk 20 minutes on 4 days a week", "target_date": "2027-01-31",
         "status": "active", "planned": ["Behavioural  ACTIVATION"]},
        {"id": 33, "ordinal": 3, "description": "Rejoin the choir", "target_date": "", "status": "met",
         "planned": []},
    ]},
    {"id": 8, "ordinal": 2, "description": "Fewer panic attacks", "objectives": []},
]


def jots(*lines: str):
    return [parse_jotting(line) for line in lines]


# -- shorthand -----------------------------------------------------------------------------
@pytest.mark.parametrize("typed, goal", [
    ("g1.2 +", GoalJotting(1, "+", "", 2)),
    ("g1.2 = walked 3 days", GoalJotting(1, "=", "walked 3 days", 2)),
    ("G2.10- worse", GoalJotting(2, "-", "worse", 10)),
    ("g1.2: + ok", GoalJotting(1, "+", "ok", 2)),
    ("g1 +", GoalJotting(1, "+", "", 0)),  # the goal itself, as before
    ("g3 - more panic", GoalJotting(3, "-", "more panic", 0)),
])
def test_goal_and_objective_shorthand(typed, goal):
    jotting = parse_jotting(typed)
    assert jotting.category is Category.GOAL
    assert jotting.goal == goal
    assert jotting.problem == ""


def test_a_dot_that_is_not_an_objective_leaves_the_line_as_it_was():
    assert parse_jotting("g1. walked").category is Category.PLAIN
    bad = parse_jotting("g1.2 walked")
    assert bad.category is Category.GOAL and bad.goal is None and "g1.2 +" in bad.problem


def test_an_objective_line_carries_as_its_objective():
    assert carry_into_note(parse_jotting("g1.2 + walked 3 days"), DEFAULT_RULES) == "Objective 1.2: improved (walked 3 days)"
    assert carry_into_note(parse_jotting("g1 +"), DEFAULT_RULES) == "Goal 1: improved"


# -- prefill ---------------------------------------------------------------------------------
def test_one_entry_per_active_objective_marked_by_its_line():
    found = objectives_from(jots("g1.2 = walked 3 days", "g1 +"), GOALS)
    assert [o.objective_id for o in found] == ["31", "32"]  # the met objective is not offered
    first, second = found
    assert (first.status, first.evidence, first.goal_id) == ("", "", "7")
    assert (second.status, second.evidence) == ("stable", "walked 3 days")
    assert second.label == "Objective 1.2: Walk 20 minutes on 4 days a week (target 2027-01-31)"


def test_a_goal_line_marks_the_goal_and_an_objective_line_only_the_objective():
    draft = prefill_draft(SessionFacts(date="2026-12-03"), jots("g1.2 + walked", "g2 -"), GOALS, DEFAULT_RULES,
                          __import__("datetime").datetime(2026, 12, 3, 10))
    assert [(g.goal_id, g.status) for g in draft.goals] == [("7", ""), ("8", "deteriorated")]
    assert [(o.objective_id, o.status, o.evidence) for o in draft.objectives] == [("31", "", ""), ("32", "improved", "walked")]


def test_an_intervention_used_today_is_linked_to_the_objective_that_plans_it():
    found = objectives_from([], GOALS, ["behavioural activation", "Psychoeducation", "cbt   THOUGHT records"])
    assert found[0].interventions == ["cbt   THOUGHT records"]
    assert found[1].interventions == ["behavioural activation"]  # whitespace and case normalised


def test_prefill_links_the_jotted_interventions():
    draft = prefill_draft(SessionFacts(date="2026-12-03"), jots("> behavioural activation", "> PE re sleep"),
                          GOALS, DEFAULT_RULES, __import__("datetime").datetime(2026, 12, 3, 10))
    assert draft.interventions[0] == "Behavioural activation"
    assert draft.objectives[1].interventions == ["Behavioural activation"]
    assert draft.objectives[0].interventions == []


# -- the draft -------------------------------------------------------------------------------
def test_objectives_round_trip_and_an_old_draft_loads_without_them():
    draft = NoteDraft(objectives=[ObjectiveProgress("32", "7", "Objective 1.2: Walk", "improved", "3 days",
                                                    ["Behavioural activation"])],
                      plan_version="Treatment plan: version 2, signed 2026-12-01")
    again = NoteDraft.from_dict(draft.to_dict())
    assert again.objectives == draft.objectives and again.plan_version == draft.plan_version
    old = NoteDraft.from_dict({"schema": 1, "goals": [{"goal_id": 7, "label": "Goal 1: Lift mood"}]})
    assert old.objectives == [] and old.plan_version == ""
    assert ObjectiveProgress.from_dict({"objective_id": 32, "goal_id": 7}).objective_id == "32"
    with pytest.raises(ValueError):
        ObjectiveProgress(status="better")


# -- the signed text --------------------------------------------------------------------------
def render(draft: NoteDraft) -> str:
    return canonical_text(draft, SOAP, client_label="AB12", signer="Dana Reyes", credentials="LCSW",
                          signed_at="2026-12-03T11:00:00+00:00", late_entry=False)


def base() -> NoteDraft:
    return NoteDraft(facts=SessionFacts(date="2026-12-03", start_time="10:00", duration_min=53, cpt_code="90837"),
                     template_key="soap", interventions=["Behavioural activation", "Psychoeducation"],
                     diagnoses=["F33.1 Major depressive disorder, recurrent, moderate (primary)"],
                     goals=[GoalProgress("7", "Goal 1: Lift mood", "improved", "brighter"),
                            GoalProgress("8", "Goal 2: Fewer panic attacks", "stable")])


def test_each_objective_is_stated_under_its_goal_with_the_interventions_that_served_it():
    draft = base()
    draft.objectives = [
        ObjectiveProgress("32", "7", "Objective 1.2: Walk 20 minutes (target 2027-01-31)", "improved", "walked 3 days",
                          ["Behavioural activation"]),
        ObjectiveProgress("31", "7", "Objective 1.1: Three thought records a week"),
    ]
    draft.plan_version = "Treatment plan: version 2, signed 2026-12-01"
    text = render(draft)
    goals = text.split("GOALS\n", 1)[1].split("\n\n", 1)[0]
    assert goals.splitlines() == [
        "- Goal 1: Lift mood: improved. Evidence: brighter",
        "- Objective 1.2: Walk 20 minutes (target 2027-01-31): improved \u2014 walked 3 days. "
        "Interventions: Behavioural activation",
        "- Objective 1.1: Three thought records a week: not rated",
        "- Goal 2: Fewer panic attacks: stable",
    ]
    header = text.split("\n\n")[1].splitlines()
    at = header.index("Diagnoses: F33.1 Major depressive disorder, recurrent, moderate (primary)")
    assert header[at + 1] == "Treatment plan: version 2, signed 2026-12-01"


def test_a_note_without_objectives_or_plan_version_renders_exactly_as_before():
    draft = base()
    text = render(draft)
    assert "Objective" not in text and "Treatment plan" not in text
    # The text an older draft gives is the one it gave before the objectives existed: the same
    # draft from its stored form (without the new keys) renders byte for byte the same.
    stored = {k: v for k, v in draft.to_dict().items() if k not in ("objectives", "plan_version")}
    assert render(NoteDraft.from_dict(stored)) == text
    goals = text.split("GOALS\n", 1)[1].split("\n\n", 1)[0]
    assert goals.splitlines() == ["- Goal 1: Lift mood: improved. Evidence: brighter",
                                  "- Goal 2: Fewer panic attacks: stable"]


# -- lint -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    version: int = 2
    unsigned_changes: bool = False
    review_due: str = "2027-03-01"
    review: str = ""


def rules(draft: NoteDraft, plan=None) -> dict[str, str]:  # noqa: ANN001
    found = lint_note(draft, SOAP, private_jottings=[], other_members=[], plan=plan)
    return {f.rule: f.message for f in found if f.rule.startswith(("interventions.unlinked", "treatment-plan."))}


def test_an_intervention_serving_no_objective_is_a_warning_when_the_plan_has_objectives():
    draft = base()
    assert rules(draft) == {}  # no objectives on the plan: nothing to link to
    draft.objectives = [ObjectiveProgress("32", "7", "Objective 1.2: Walk", interventions=["Behavioural activation"])]
    found = lint_note(draft, SOAP, private_jottings=[], other_members=[])
    unlinked = [f for f in found if f.rule == "interventions.unlinked"]
    assert len(unlinked) == 1 and unlinked[0].level == "warning"
    assert "Psychoeducation" in unlinked[0].message and "Behavioural activation" not in unlinked[0].message
    draft.objectives.append(ObjectiveProgress("31", "7", "Objective 1.1", interventions=["psychoeducation"]))
    assert rules(draft) == {}


def test_the_plan_unsigned_changed_or_past_review_is_a_warning():
    draft = base()
    assert rules(draft, Plan()) == {}
    assert rules(draft, Plan(version=0))["treatment-plan.unsigned"] == "The treatment plan is not signed yet."
    assert "changes not signed yet (version 2" in rules(draft, Plan(unsigned_changes=True))["treatment-plan.unsigned"]
    assert rules(draft, Plan(review="due soon")) == {}
    assert "overdue (due 2026-11-01)" in rules(draft, Plan(review_due="2026-11-01", review="overdue"))[
        "treatment-plan.review-overdue"]
    assert all(f.level == "warning" for f in lint_note(draft, SOAP, private_jottings=[], other_members=[],
                                                       plan=Plan(version=0, review="overdue"))
               if f.rule.startswith("treatment-plan."))
