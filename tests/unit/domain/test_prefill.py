"""The write-up's first draft from jottings, as pure functions (no store, no service)."""

from datetime import datetime

from tui.domain.prefill import (goals_from, interventions_from, measures_from, plan_from, prefill_draft, risk_from,
                                session_facts_from)
from tui.domain.shorthand import DEFAULT_RULES, parse_jotting


def jot(*lines):
    return [parse_jotting(line, DEFAULT_RULES) for line in lines]


def test_risk_from_denials_endorsements_and_level():
    risk = risk_from(jot("! SI passive no plan", "! denies SI/HI/SH, low risk"))
    assert (risk.si, risk.si_detail, risk.hi, risk.self_harm, risk.level) == (
        "endorsed", "SI passive no plan", "denied", "denied", "low")
    assert not risk_from(jot('" nothing about risk')).is_stated


def test_interventions_measures_goals_plan():
    lines = jot("> CR on catastrophizing", "> CR on catastrophizing", "phq9 11", "phq9 1 2 1 0 3 1 0 2 1",
                "g2 + slept better", "hw sleep diary", "? ask about sister")
    assert interventions_from(lines, DEFAULT_RULES) == ["Cognitive restructuring on catastrophizing"]
    (phq9,) = measures_from(lines)
    assert (phq9.instrument, phq9.total, phq9.items) == ("phq9", 11, (1, 2, 1, 0, 3, 1, 0, 2, 1))
    goals = goals_from(lines, [{"id": 7, "ordinal": 1, "description": "Sleep"}, {"id": 8, "ordinal": 2, "description": "Work"}])
    assert [(g.goal_id, g.status, g.evidence) for g in goals] == [("7", "", ""), ("8", "improved", "slept better")]
    plan = plan_from(lines, DEFAULT_RULES, datetime(2024, 5, 1, 10, 0))
    assert (plan.next_session, plan.homework, plan.next_focus) == ("2024-05-08", "sleep diary", "ask about sister")


def test_session_facts_and_the_whole_draft():
    session = {"started_at": "2024-05-01T10:05:00+00:00", "modality": "individual", "duration_min": 50,
               "setting": "telehealth"}
    facts = session_facts_from(session, 4, "dap")
    assert (facts.date, facts.start_time, facts.end_time, facts.cpt_code, facts.session_number, facts.setting) == (
        "2024-05-01", "10:05", "10:55", "90834", 4, "telehealth")
    draft = prefill_draft(facts, jot("! denies SI/HI", "#sleep slept 5h"), [], DEFAULT_RULES,
                          datetime(2024, 5, 1, 10, 5))
    assert draft.template_key == "dap" and draft.risk.is_stated and draft.tags == ["#sleep"]
