"""Intake and discharge (issue 13 item 4): data-driven templates like the others, written up,
signed and exported the same way. The discharge summary states each measure's first and last
score over the treatment beside the goal ratings."""

from __future__ import annotations

from tui.domain.steps import plan_steps
from tui.domain.templates import BUILTIN_TEMPLATES, DISCHARGE, INTAKE
from tui.services.records_export import RecordsExport
from tui.services.writeup import WriteupService

from .conftest import complete, sign


def _signed(env, client, jottings, *, started, template="soap"):
    s = env.session(client, jottings, started=started, ended=started.replace("T10:00", "T10:55"), duration=55)
    svc = WriteupService(env.ws)
    w = svc.open(s.id)
    if template != w.template.key:
        svc.change_template(w, template)
    return s, w, sign(svc, complete(w))


def test_intake_and_discharge_are_builtin_and_fit_seven_steps():
    assert BUILTIN_TEMPLATES["intake"] is INTAKE and BUILTIN_TEMPLATES["discharge"] is DISCHARGE
    assert [s.title for s in INTAKE.sections] == [
        "Presenting problem", "History", "Mental status and observations", "Assessment and diagnosis", "Initial plan"]
    assert [s.title for s in DISCHARGE.sections] == [
        "Reason for discharge", "Course and progress", "Recommendations and referrals"]
    for template in (INTAKE, DISCHARGE):
        steps = plan_steps(template)
        assert len(steps) <= 7 and steps[0].title == "Session" and steps[-1].title == "Review and sign"
        assert {p for s in steps for p in s.parts} >= {f"section:{s.key}" for s in template.sections} | {"goals", "risk"}


def test_an_intake_is_signed_with_its_own_title_and_sections(env, client):
    _s, w, signed = _signed(env, client, ['" my sleep fell apart after the layoff', "o flat affect, slowed speech",
                                          "phq9 18", "* MDD, single episode, moderate"],
                            started="2026-01-05T10:00:00+00:00", template="intake")
    text = signed.text
    assert text.startswith("INTAKE ASSESSMENT (PSYCHIATRIC DIAGNOSTIC EVALUATION)\n")
    for heading in ("PRESENTING PROBLEM", "HISTORY", "MENTAL STATUS AND OBSERVATIONS", "ASSESSMENT AND DIAGNOSIS",
                    "INITIAL PLAN"):
        assert heading in text, heading
    # The quote is offered where an intake wants it: in the presenting problem.
    from tui.domain.templates import offer_jottings

    offered = [o.jotting.body for o in offer_jottings(w.jottings, INTAKE.section("presenting_problem"))]
    assert any("my sleep fell apart" in body for body in offered), offered
    assert "Template: Intake" in text


def test_the_discharge_summary_states_first_and_last_scores(env, client):
    _signed(env, client, ["phq9 18", "gad7 12", "pcl5 40"], started="2026-01-05T10:00:00+00:00", template="intake")
    _signed(env, client, ["phq9 11", "gad7 9"], started="2026-02-02T10:00:00+00:00")
    _signed(env, client, ["phq9 8"], started="2026-03-02T10:00:00+00:00")
    s, w, signed = _signed(env, client, ['" I feel like myself again', "phq9 4", "> relapse prevention plan"],
                           started="2026-04-06T10:00:00+00:00", template="discharge")
    text = signed.text
    assert text.startswith("DISCHARGE SUMMARY\n"), text
    assert "Measures over treatment" in text
    # Today's PHQ-9 is the last; GAD-7 and PCL-5 were not given today: their last earlier ones.
    assert "PHQ-9 18 (moderately severe) on 2026-01-05 (first); PHQ-9 4 (minimal) on 2026-04-06 (last): down 14" in text
    assert "GAD-7 12 (moderate) on 2026-01-05 (first); GAD-7 9 (mild) on 2026-02-02 (last): down 3" in text
    assert "PCL-5 40 (probable PTSD) on 2026-01-05: the only score" in text
    # Exported the same way as any note: the export carries the signed text byte for byte.
    exported = RecordsExport(env.ws).note(w.note_id, "txt")
    assert text.rstrip("\n") in exported


def test_a_discharge_with_no_earlier_scores_says_so(env, client):
    _s, _w, signed = _signed(env, client, ['" moving away'], started="2026-04-06T10:00:00+00:00",
                             template="discharge")
    assert "(no measures recorded)" in signed.text


def test_the_suggested_cpt_follows_the_template_and_a_typed_one_stays(env, client):
    """A 55-minute session opened as SOAP suggests 90837; made an intake it is 90791 (the
    template decides, not the minutes), and back again 90837. A code the clinician typed stays."""
    from dataclasses import replace

    s = env.session(client, ["phq9 12"], started="2026-01-05T10:00:00+00:00", ended="2026-01-05T10:55:00+00:00",
                    duration=55)
    svc = WriteupService(env.ws)
    w = svc.open(s.id)
    assert w.draft.facts.cpt_code == "90837"
    svc.change_template(w, "intake")
    assert w.draft.facts.cpt_code == "90791"
    svc.change_template(w, "soap")
    assert w.draft.facts.cpt_code == "90837"
    w.draft.facts = replace(w.draft.facts, cpt_code="90834")
    svc.change_template(w, "intake")
    assert w.draft.facts.cpt_code == "90834"
    svc.change_template(w, "intake")
    signed = sign(svc, complete(w))
    assert env.ws.record.note(signed.note_id)["template"] == "intake"  # the row the chart lists


def test_the_course_compares_moments_not_strings(env, client):
    """A score stored with another offset is placed by its moment: 2026-01-05T20:00-05:00 is
    01:00 UTC on the 6th, after a session at 2026-01-06T00:30+00:00 starts, so not 'earlier'."""
    _signed(env, client, ["phq9 18"], started="2026-01-05T10:00:00+00:00", template="intake")
    late = env.session(client, ["phq9 15"], started="2026-01-05T20:00:00-05:00", ended="2026-01-05T20:55:00-05:00",
                       duration=55)
    svc = WriteupService(env.ws)
    sign(svc, complete(svc.open(late.id)))
    s = env.session(client, ['" moving away'], started="2026-01-06T00:30:00+00:00",
                    ended="2026-01-06T01:25:00+00:00", duration=55)
    w = svc.open(s.id)
    svc.change_template(w, "discharge")
    text = sign(svc, complete(w)).text
    assert "PHQ-9 18 (moderately severe) on 2026-01-05: the only score" in text, text
