"""A positive C-SSRS screen forces the risk detail exactly as PHQ-9 item 9 > 0 does."""

from dataclasses import replace
from datetime import date, datetime

import pytest

from tui.domain.lint import RULES, lint_note
from tui.domain.measures import score_from_items, score_from_total
from tui.domain.models import GoalProgress, NoteDraft, Plan, RiskStatement, SessionFacts
from tui.domain.prefill import measures_from
from tui.domain.shorthand import parse_jotting
from tui.domain.templates import SOAP

DENIED_LOW = RiskStatement(si="denied", hi="denied", self_harm="denied", level="low")


def draft(measures, risk=DENIED_LOW) -> NoteDraft:
    return NoteDraft(
        facts=SessionFacts(date="2026-03-10", start_time="10:00", duration_min=50), template_key="soap",
        sections={"subjective": "Reports low mood since the job loss.", "objective": "Tearful, slowed speech.",
                  "assessment": "Depressive symptoms persist; engaged with safety planning.",
                  "plan": "Weekly sessions."},
        interventions=["Safety planning"], risk=risk, measures=list(measures),
        goals=[GoalProgress("1", "Mood", "stable")], plan=Plan(next_session="2026-03-17"),
    )


def findings(d):
    return lint_note(d, SOAP, private_jottings=[], other_members=[],
                     today=date(2026, 3, 10), now=datetime(2026, 3, 10, 12, 0))


def rules(d):
    return [f.rule for f in findings(d)]


def test_new_rules_are_registered():
    assert RULES["risk.cssrs-positive"] == "error"
    assert RULES["risk.cssrs-level"] == "warning"


@pytest.mark.parametrize("items,also", [
    ((1, 0, 0, 0, 0, 0), []), ((0, 1, 0, 0, 0, 0), []),
    ((0, 0, 0, 0, 0, 1), ["risk.cssrs-level"]),  # moderate by the screen, "low" stated
])
def test_any_yes_needs_si_detail(items, also):
    found = findings(draft([score_from_items("cssrs", items)]))
    assert [f.rule for f in found] == ["risk.cssrs-positive", *also]
    assert found[0].level == "error" and found[0].section == "risk"
    assert "C-SSRS screen positive" in found[0].message and "add SI detail" in found[0].message


def test_a_negative_screen_needs_nothing():
    assert rules(draft([score_from_items("cssrs", (0,) * 6)])) == []


def test_the_stored_level_alone_flags_too():
    assert "risk.cssrs-positive" in rules(draft([score_from_total("cssrs", 1)]))


def test_si_detail_answers_it():
    addressed = replace(DENIED_LOW, si_detail="Passive wish to be dead last week; no intent, no plan.")
    assert rules(draft([score_from_items("cssrs", (1, 0, 0, 0, 0, 0))], addressed)) == []


def test_positive_screen_makes_the_complete_statement_required_like_item_9():
    partial = RiskStatement(si="denied", hi="denied", self_harm="not assessed", level="low",
                            si_detail="Passive wish to be dead; no intent")
    cssrs = rules(draft([score_from_items("cssrs", (1, 0, 0, 0, 0, 0))], partial))
    phq = rules(draft([score_from_items("phq9", [0] * 8 + [1])], partial))
    assert cssrs == phq == ["risk.incomplete"]  # self-harm not addressed, for both measures


def test_phq9_rule_unchanged_and_not_doubled():
    found = rules(draft([score_from_items("phq9", [0] * 8 + [1]), score_from_items("cssrs", (1, 0, 0, 0, 0, 0))]))
    assert found == ["risk.phq9-item9", "risk.cssrs-positive"]


@pytest.mark.parametrize("stated,items,warned", [
    ("low", (1, 1, 1, 0, 0, 0), True),          # screen moderate
    ("moderate", (1, 1, 1, 0, 0, 0), False),
    ("moderate", (1, 1, 1, 1, 0, 0), True),     # screen high
    ("high", (1, 1, 1, 1, 0, 0), False),
    ("low", (1, 0, 0, 0, 0, 0), False),
    ("", (1, 1, 1, 0, 0, 0), False),            # no level: risk.level-missing says so instead
])
def test_a_stated_level_below_the_screen_is_a_warning(stated, items, warned):
    risk = replace(DENIED_LOW, level=stated, si_detail="Discussed the screen answers in detail.",
                   safety_plan_reviewed=True)
    found = findings(draft([score_from_items("cssrs", items)], risk))
    level = [f for f in found if f.rule == "risk.cssrs-level"]
    assert bool(level) is warned
    if warned:
        assert level[0].level == "warning" and stated in level[0].message


def test_from_session_shorthand_to_the_rule():
    jottings = [parse_jotting("cssrs y y n n n n"), parse_jotting("pcl5 40")]
    measures = measures_from(jottings)
    assert [m.instrument for m in measures] == ["cssrs", "pcl5"]
    assert "risk.cssrs-positive" in rules(draft(measures))
