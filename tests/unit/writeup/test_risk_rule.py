"""Risk completeness: once risk comes up, a partial risk statement cannot be signed."""

from dataclasses import replace
from datetime import date, datetime

import pytest

from tui.domain.lint import lint_note
from tui.domain.measures import score_from_items
from tui.domain.models import GoalProgress, NoteDraft, Plan, RiskStatement, SessionFacts
from tui.domain.templates import SOAP

FACTS = SessionFacts(date="2026-03-10", start_time="10:00", duration_min=50)


def draft(risk: RiskStatement, measures=()) -> NoteDraft:
    return NoteDraft(
        facts=FACTS, template_key="soap",
        sections={"subjective": "Reports low mood since the job loss.", "objective": "Tearful, slowed speech.",
                  "assessment": "Depressive symptoms persist; engaged with safety planning.",
                  "plan": "Weekly sessions."},
        interventions=["Safety planning"], risk=risk, measures=list(measures),
        goals=[GoalProgress("1", "Mood", "stable")], plan=Plan(next_session="2026-03-17"),
    )


def errors(d: NoteDraft, risk_lines=("! passive SI",)) -> list[str]:
    findings = lint_note(d, SOAP, private_jottings=[], other_members=[], risk_jottings=list(risk_lines),
                         today=date(2026, 3, 10), now=datetime(2026, 3, 10, 12, 0))
    return [f.rule for f in findings if f.level == "error"]


# The issue's note: "! passive SI" jotted, only SI endorsed; HI, self-harm and level left.
PARTIAL = RiskStatement(si="endorsed", si_detail="passive SI")


def test_the_issues_partial_statement_cannot_be_signed():
    found = errors(draft(PARTIAL))
    assert found.count("risk.incomplete") == 2  # HI and self-harm
    assert "risk.level-missing" in found
    assert "risk.si-protective" in found and "risk.si-safety-plan" in found


def test_a_complete_statement_with_si_signs():
    complete = replace(PARTIAL, hi="denied", self_harm="not assessed",
                       self_harm_detail="client left early; to assess next session", level="moderate",
                       protective_factors="children, faith", safety_plan="made")
    assert errors(draft(complete)) == []
    assert "Self-harm not assessed: client left early" in complete.summary()
    assert "Safety plan made." in complete.summary()


def test_not_assessed_needs_a_reason_only_when_risk_came_up():
    negative = RiskStatement(si="denied", hi="denied", level="low")  # self-harm not assessed
    assert errors(draft(negative), risk_lines=()) == []
    assert errors(draft(negative), risk_lines=("! denies SI/HI",)) == ["risk.incomplete"]


def test_phq9_item_9_alone_requires_the_complete_statement():
    phq = score_from_items("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 1])
    found = errors(draft(RiskStatement(si="endorsed", si_detail="fleeting thoughts"), [phq]), risk_lines=())
    assert "risk.level-missing" in found and found.count("risk.incomplete") == 2


@pytest.mark.parametrize("plan", ["reviewed", "made", "not made"])
def test_any_stated_safety_plan_answers_the_rule(plan):
    stated = RiskStatement(si="endorsed", si_detail="passive", hi="denied", self_harm="denied", level="low",
                           protective_factors="dog", safety_plan=plan)
    assert errors(draft(stated)) == []


def test_old_drafts_with_only_the_bool_still_read_as_reviewed():
    old = RiskStatement.from_dict({"si": "denied", "safety_plan_reviewed": True})
    assert old.safety_plan == "reviewed" and old.safety_plan_reviewed
    assert RiskStatement(safety_plan="not made").safety_plan_reviewed is False
