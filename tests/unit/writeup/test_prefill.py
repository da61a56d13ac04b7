"""Prefill of a write-up from the session's jottings, and carrying jottings in."""

from __future__ import annotations

import pytest

from tui.domain.shorthand import Category
from tui.services.writeup import WriteupError, WriteupService

from .conftest import complete, sign

JOTTINGS = [
    '" cant sleep since the move',
    "o tired, flat affect",
    "! denies SI/HI",
    "> CR on catastrophizing",
    "> PE re sleep hygiene w/ pt",
    "< able to reframe",
    "* avoidance maintains worry",
    "phq9 1 2 1 0 3 1 0 2 1",
    "gad7 9",
    "g1 + 2 nights of 7 hrs",
    "g2 = same as last week",
    "hw sleep diary",
    "? ask about sister",
    "~ I felt protective of her today",
]


def open_with(env, client, jottings, **times):
    s = env.session(client, jottings, **times)
    svc = WriteupService(env.ws)
    return svc, svc.open(s.id), s


def test_risk_denied_from_bang_jotting(env, client):
    _, w, _ = open_with(env, client, ["! denies SI/HI"])
    risk = w.draft.risk
    assert (risk.si, risk.hi, risk.self_harm) == ("denied", "denied", "not assessed")
    assert risk.is_stated


def test_risk_endorsed_with_detail_from_passive_si(env, client):
    _, w, _ = open_with(env, client, ["! SI passive no plan", "! denies HI"])
    risk = w.draft.risk
    assert risk.si == "endorsed"
    assert risk.si_detail == "SI passive no plan"
    assert risk.hi == "denied"
    assert "Endorses SI: SI passive no plan." in risk.summary()


def test_later_denial_never_overrides_an_endorsement(env, client):
    _, w, _ = open_with(env, client, ["! SI passive no plan", "! denies SI/HI/SH"])
    assert w.draft.risk.si == "endorsed" and w.draft.risk.si_detail == "SI passive no plan"
    assert w.draft.risk.self_harm == "denied"


def test_risk_level_from_jotting(env, client):
    _, w, _ = open_with(env, client, ["! denies SI, low risk"])
    assert w.draft.risk.level == "low"


def test_no_risk_jotting_leaves_risk_unstated(env, client):
    _, w, _ = open_with(env, client, ["o calm"])
    assert not w.draft.risk.is_stated


def test_interventions_from_gt_with_abbreviations_expanded(env, client):
    _, w, _ = open_with(env, client, JOTTINGS)
    assert w.draft.interventions == [
        "Cognitive restructuring on catastrophizing",
        "Psychoeducation re sleep hygiene with patient",
    ]


def test_measures_from_jottings_with_items(env, client):
    _, w, _ = open_with(env, client, JOTTINGS)
    scores = {m.instrument: m for m in w.draft.measures}
    assert scores["phq9"].total == 11 and scores["phq9"].items == (1, 2, 1, 0, 3, 1, 0, 2, 1)
    assert scores["phq9"].item9 == 1 and scores["phq9"].item9_flag
    assert scores["gad7"].total == 9 and scores["gad7"].items is None
    assert scores["gad7"].band == "mild"


def test_latest_measure_jotting_wins_and_bad_one_is_skipped(env, client):
    _, w, _ = open_with(env, client, ["phq9 5", "phq9 12", "phq9 30"])
    assert [(m.instrument, m.total) for m in w.draft.measures] == [("phq9", 12)]


def test_goals_from_g_jottings(env, client):
    _, w, _ = open_with(env, client, JOTTINGS)
    goals = w.draft.goals
    assert [(g.label, g.status, g.evidence) for g in goals] == [
        ("Goal 1: Sleep 7 hours", "improved", "2 nights of 7 hrs"),
        ("Goal 2: Fewer panic attacks", "stable", "same as last week"),
    ]


def test_unmarked_goal_is_listed_unrated(env, client):
    _, w, _ = open_with(env, client, ["g1 - worse"])
    assert [(g.status, g.evidence) for g in w.draft.goals] == [("deteriorated", "worse"), ("", "")]


def test_plan_from_hw_and_question(env, client):
    _, w, _ = open_with(env, client, JOTTINGS, started="2025-03-04T10:00:00+00:00",
                        ended="2025-03-04T10:50:00+00:00", duration=50)
    plan = w.draft.plan
    assert plan.homework == "sleep diary"
    assert plan.next_focus == "ask about sister"
    assert plan.next_session == "2025-03-11"


@pytest.mark.parametrize(("minutes", "modality", "code"), [
    (10, "individual", ""), (16, "individual", "90832"), (37, "individual", "90832"),
    (38, "individual", "90834"), (52, "individual", "90834"), (53, "individual", "90837"),
    (45, "group", "90853"), (50, "family", "90847"),
])
def test_cpt_suggested_from_duration(env, client, minutes, modality, code):
    s = env.session(client, [], started="2025-03-04T10:00:00+00:00", ended="2025-03-04T11:00:00+00:00",
                    duration=minutes)
    with env.ws.record.transaction() as conn:
        conn.execute("UPDATE sessions SET modality = ? WHERE id = ?", (modality, s.id))
    w = WriteupService(env.ws).open(s.id)
    assert w.draft.facts.duration_min == minutes
    assert w.draft.facts.cpt_code == code


def test_session_facts_and_session_number(env, client):
    first = env.session(client, [], started="2025-03-04T10:00:00+00:00", ended="2025-03-04T10:50:00+00:00",
                        duration=50)
    second = env.session(client, [], started="2025-03-11T10:00:00+00:00", ended="2025-03-11T10:45:00+00:00",
                         duration=45)
    svc = WriteupService(env.ws)
    facts = svc.open(second.id).draft.facts
    assert (facts.date, facts.start_time, facts.duration_min, facts.session_number) == ("2025-03-11", "10:00", 45, 2)
    assert facts.template_key == "soap" and facts.modality == "individual" and facts.setting == "in person"
    assert svc.open(first.id).draft.facts.session_number == 1


def test_default_template_comes_from_config(tmp_path):
    from .conftest import build_env

    made = build_env(tmp_path, default_template="BIRP")
    try:
        cid = made.ws.add_client("ZZ1")
        w = WriteupService(made.ws).open(made.session(cid).id)
        assert w.template.key == "birp" and w.draft.template_key == "birp"
    finally:
        made.ws.close()


def test_session_with_no_jottings_is_writable_and_signable(env, client):
    svc, w, s = open_with(env, client, [])
    assert w.jottings == [] and w.draft.interventions == [] and w.draft.measures == []
    complete(w)
    signed = sign(svc, w)
    note = env.ws.record.note(w.note_id)
    assert note["status"] == "signed" and note["canonical_text"] == signed.text


def test_open_refuses_a_session_still_running(env, client):
    s = env.ws.start_session(client)
    with pytest.raises(WriteupError, match="End the session"):
        WriteupService(env.ws).open(s.id)


def test_ten_thousand_character_jotting_carries_in_whole(env, client):
    body = ("word " * 2000)[:9998]
    svc, w, _ = open_with(env, client, ['" ' + body])
    assert len(w.jottings[0].text) == 10_000
    carried = svc.carry(w, w.jottings[0])
    assert body.strip() in carried
    complete(w, subjective=carried)
    signed = sign(svc, w)
    assert body.strip() in signed.text


def test_private_jotting_can_never_be_carried(env, client):
    svc, w, _ = open_with(env, client, JOTTINGS)
    private = [j for j in w.jottings if j.category is Category.PRIVATE]
    assert len(private) == 1
    with pytest.raises(WriteupError, match="private"):
        svc.carry(w, private[0])


def test_private_text_typed_in_is_a_lint_error_that_blocks_signing(env, client):
    svc, w, _ = open_with(env, client, ["! denies SI/HI/SH", "~ I felt protective of her today"])
    complete(w, assessment="Engaged well. I felt protective of her today.")
    findings = [f for f in svc.lint(w) if f.rule == "private.in-note"]
    assert findings and findings[0].level == "error" and findings[0].section == "assessment"
    assert "protective" not in findings[0].message  # the finding never repeats the private text
    with pytest.raises(WriteupError, match="private"):
        sign(svc, w)
    assert env.ws.record.note(w.note_id)["status"] == "draft"
    w.draft.sections["assessment"] = "Engaged well."
    assert not [f for f in svc.lint(w) if f.rule == "private.in-note"]
    sign(svc, w)


def test_stored_draft_wins_over_prefill_on_reopen(env, client):
    svc, w, s = open_with(env, client, JOTTINGS)
    w.draft.sections["subjective"] = "typed by hand"
    w.draft.interventions = ["Validation"]
    svc.save(w)
    svc.release(w)
    again = svc.open(s.id)
    assert again.draft.sections["subjective"] == "typed by hand"
    assert again.draft.interventions == ["Validation"]
