import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from tui.domain.measures import score_from_items, score_from_total
from tui.domain.models import (
    MSE_WNL,
    GoalProgress,
    MentalStatus,
    NoteDraft,
    Plan,
    RiskStatement,
    SessionFacts,
    is_late_entry,
)


def full_draft() -> NoteDraft:
    return NoteDraft(
        facts=SessionFacts("2024-05-01", "14:00", 50, "individual", "telehealth", 7, "90834", "soap"),
        template_key="soap",
        sections={"subjective": "Reports poor sleep.", "plan": "Weekly."},
        mental_status=MentalStatus(mood="low", affect="constricted"),
        interventions=["cognitive restructuring"],
        measures=[score_from_items("phq9", [1, 2, 1, 0, 3, 1, 0, 2, 1]), score_from_total("gad7", 9)],
        risk=RiskStatement(si="endorsed", si_detail="passive, no plan", hi="denied", self_harm="denied", level="moderate", safety_plan_reviewed=True),
        goals=[GoalProgress("g1", "Sleep 7h", "improved", "6.5h avg")],
        plan=Plan(next_session="2024-05-08", homework="sleep diary"),
        group_part={"topic": "Sleep hygiene"},
    )


def test_json_round_trip():
    draft = full_draft()
    restored = NoteDraft.from_dict(json.loads(json.dumps(draft.to_dict())))
    assert restored == draft
    assert restored.measures[0].items == (1, 2, 1, 0, 3, 1, 0, 2, 1)


def test_from_dict_tolerates_an_empty_or_old_draft():
    assert NoteDraft.from_dict({}) == NoteDraft()
    assert NoteDraft.from_dict(None) == NoteDraft()
    old = {
        "facts": {"date": "2023-01-02", "duration_min": 45},
        "sections": {"data": "x"},
        "risk": {"si": "denied"},
        "goals": [{"goal_id": 3, "label": "Panic"}],
        "some_future_field": 1,
    }
    draft = NoteDraft.from_dict(old)
    assert draft.facts.date == "2023-01-02"
    assert draft.facts.modality == "individual"
    assert draft.sections == {"data": "x"}
    assert draft.risk.si == "denied"
    assert draft.risk.hi == "not assessed"
    assert draft.goals == [GoalProgress("3", "Panic", "", "")]
    assert draft.plan == Plan()


def test_template_key_kept_in_step_with_facts():
    assert NoteDraft(facts=SessionFacts(template_key="dap")).template_key == "dap"
    draft = NoteDraft(facts=SessionFacts(template_key="dap"), template_key="birp")
    assert draft.facts.template_key == "birp"
    assert NoteDraft.from_dict({"facts": {"template_key": "girp"}}).template_key == "girp"


def test_the_template_is_stored_once_and_an_old_draft_s_second_copy_still_loads():
    draft = full_draft()
    stored = draft.to_dict()
    assert "template_key" not in stored and stored["facts"]["template_key"] == "soap"
    draft.template_key = "dap"  # setting it sets the one copy
    assert draft.facts.template_key == "dap" and draft.to_dict()["facts"]["template_key"] == "dap"
    old = {**stored, "template_key": "birp", "previous_scores": {"phq9": {"instrument": "phq9", "total": 3}}}
    loaded = NoteDraft.from_dict(old)  # drafts saved before: both copies, the top one authoritative
    assert loaded.template_key == loaded.facts.template_key == "birp"


def test_earlier_scores_are_context_not_draft_and_an_old_draft_carrying_them_loads():
    stored = full_draft().to_dict()
    assert "previous_scores" not in stored  # read from the record when the note is opened
    old = {**stored, "previous_scores": {"phq9": {"instrument": "phq9", "total": 3}}}
    loaded = NoteDraft.from_dict(old)
    assert not hasattr(loaded, "previous_scores")
    assert loaded == NoteDraft.from_dict(stored)


def test_text_for_reads_group_part_separately():
    draft = full_draft()
    assert draft.text_for("topic", "group") == "Sleep hygiene"
    assert draft.text_for("topic") == ""
    assert draft.text_for("subjective", "member") == "Reports poor sleep."


def test_mental_status_defaults_blank_and_wnl_is_explicit():
    assert MentalStatus().is_empty
    wnl = MentalStatus.within_normal_limits()
    assert wnl.orientation == MSE_WNL["orientation"]
    assert [label for label, _ in wnl.items()] == [
        "Appearance", "Behaviour", "Speech", "Mood", "Affect",
        "Thought process", "Thought content", "Orientation", "Insight", "Judgement",
    ]
    filled = MentalStatus(mood="anxious").fill_blanks_wnl()
    assert filled.mood == "anxious"
    assert filled.speech == MSE_WNL["speech"]
    assert not filled.is_empty


@pytest.mark.parametrize(
    "risk,summary",
    [
        (
            RiskStatement(si="denied", hi="denied", self_harm="denied", level="low"),
            "Denies SI, HI and self-harm. Risk level: low.",
        ),
        (RiskStatement(), "Risk not assessed."),
        (
            RiskStatement(si="endorsed", si_detail="passive, no plan.", hi="denied", level="moderate", safety_plan_reviewed=True),
            "Denies HI. Endorses SI: passive, no plan. Self-harm not assessed. Risk level: moderate. Safety plan reviewed.",
        ),
        (
            RiskStatement(si="denied", hi="denied", self_harm="endorsed", level="high", protective_factors="children, faith"),
            "Denies SI and HI. Endorses self-harm. Risk level: high. Protective factors: children, faith. Safety plan not reviewed.",
        ),
        (
            RiskStatement(si="denied", si_detail="PHQ-9 item 9 = 1 discussed; fleeting, no intent", hi="not assessed", self_harm="denied"),
            "Denies SI and self-harm. SI: PHQ-9 item 9 = 1 discussed; fleeting, no intent. HI not assessed. Risk level not stated.",
        ),
    ],
)
def test_risk_summary(risk, summary):
    assert risk.summary() == summary


def test_risk_is_stated():
    assert not RiskStatement().is_stated
    assert RiskStatement(level="low").is_stated
    assert RiskStatement(hi="denied").is_stated


def test_invalid_values_are_refused():
    with pytest.raises(ValueError, match="Risk si"):
        RiskStatement(si="maybe")
    with pytest.raises(ValueError, match="Risk level"):
        RiskStatement(level="extreme")
    with pytest.raises(ValueError, match="Goal status"):
        GoalProgress(status="better")


def test_value_parts_are_frozen():
    with pytest.raises(AttributeError):
        SessionFacts().date = "x"  # type: ignore[misc]
    assert replace(Plan(), homework="walk").homework == "walk"


FACTS = SessionFacts(date="2024-05-01", start_time="14:00", duration_min=50)


@pytest.mark.parametrize(
    "signed_at,late",
    [
        (datetime(2024, 5, 1, 15, 0), False),
        (datetime(2024, 5, 2, 14, 50), False),  # exactly 24 h after the session ended
        (datetime(2024, 5, 2, 14, 51), True),
        (datetime(2024, 5, 9, 9, 0), True),
    ],
)
def test_late_entry(signed_at, late):
    assert is_late_entry(FACTS, signed_at) is late


def test_late_entry_refuses_aware_time_and_bad_facts():
    with pytest.raises(ValueError, match="naive"):
        is_late_entry(FACTS, datetime(2024, 5, 3, tzinfo=timezone.utc))
    with pytest.raises(ValueError, match="not a valid date"):
        is_late_entry(SessionFacts(date="May 1st"), datetime(2024, 5, 3))
