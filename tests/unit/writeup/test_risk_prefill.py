"""Every `!` line reaches the risk prefill; `> safety plan` prefills the safety plan."""

import pytest

from tui.domain.prefill import risk_from
from tui.domain.shorthand import parse_jotting


def risk(*lines):
    return risk_from([parse_jotting(line) for line in lines])


def test_the_issues_session_every_line_lands():
    r = risk("! passive SI, no plan, no intent", "! protective: kids, faith, sister checks in daily",
             "! hx SH (cutting) age 16-19, none since", "! denies HI", "> safety plan reviewed, crisis line saved")
    assert (r.si, r.hi) == ("endorsed", "denied")
    assert r.si_detail == "passive SI, no plan, no intent"
    assert r.protective_factors == "kids, faith, sister checks in daily"
    assert "hx SH (cutting) age 16-19" in r.self_harm_detail  # the history is kept, not dropped
    assert r.safety_plan == "reviewed"


@pytest.mark.parametrize("line,expected", [
    ("! denies SI, HI and self-harm", ("denied", "denied", "denied")),
    ("! denies SI/HI/SH", ("denied", "denied", "denied")),
    ("! SI: denies. HI: denies.", ("denied", "denied", "not assessed")),
    ("! passive SI, denies HI", ("endorsed", "denied", "not assessed")),
    ("! SH: urges, no acts this week", ("not assessed", "not assessed", "endorsed")),
    ("! no SH since March", ("not assessed", "not assessed", "denied")),
])
def test_each_area_is_read_clause_by_clause(line, expected):
    r = risk(line)
    assert (r.si, r.hi, r.self_harm) == expected


def test_level_and_a_made_safety_plan():
    r = risk("! moderate risk, made safety plan")
    assert (r.level, r.safety_plan) == ("moderate", "made")
    assert risk("> safety planning, reviewed plan with client").safety_plan == "reviewed"
    assert risk("! no safety plan needed").safety_plan == ""


def test_lines_for_two_areas_accumulate_detail():
    r = risk("! SI passive last week", "! SI no plan or intent today")
    assert r.si_detail == "SI passive last week; SI no plan or intent today"
