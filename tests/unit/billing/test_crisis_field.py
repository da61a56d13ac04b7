"""Psychotherapy for crisis marked on the Session step (SessionFacts.crisis): the suggestion
becomes 90839 for 30-74 minutes and +90840 for each further 30, and the signed note's CPT
line says so; a draft from before the field reads as before."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tui.domain import session_billing
from tui.domain.canonical import canonical_text
from tui.domain.lint import lint_note
from tui.domain.models import NoteDraft, RiskStatement, SessionFacts
from tui.domain.templates import SOAP

RISK = RiskStatement(si="denied", hi="denied", self_harm="denied", level="low")
ADD_ON = "psychotherapy for crisis, each additional 30 min"


def crisis(minutes: int, **changes) -> SessionFacts:  # noqa: ANN003
    fields = {"date": "2026-03-10", "start_time": "10:00", "duration_min": minutes, "place_of_service": "11",
              "telehealth": "none", "template_key": "soap", "crisis": True, **changes}
    facts = SessionFacts(**fields)
    return replace(facts, cpt_code=session_billing.suggestion(facts).primary or "")


def cpt_of(facts: SessionFacts) -> str:
    text = canonical_text(NoteDraft(facts=facts, template_key="soap", risk=RISK), SOAP, client_label="AB12",
                          signer="Dana Reyes", credentials="LCSW", signed_at="2026-03-10T12:00:00+00:00",
                          late_entry=False)
    return next(line for line in text.splitlines() if line.startswith("CPT: "))


@pytest.mark.parametrize("minutes, codes, line", [
    (29, ("90832",), "CPT: 90832"),  # under 30 minutes: psychotherapy by time
    (30, ("90839",), "CPT: 90839"),
    (74, ("90839",), "CPT: 90839"),
    (75, ("90839", "90840"), f"CPT: 90839, +90840 {ADD_ON}"),
    (104, ("90839", "90840"), f"CPT: 90839, +90840 {ADD_ON}"),
    (105, ("90839", "90840"), f"CPT: 90839, +90840 x2 {ADD_ON}"),
])
def test_the_crisis_field_feeds_the_suggestion_and_the_signed_line(minutes, codes, line):
    facts = crisis(minutes)
    found = session_billing.suggestion(facts)
    assert found.codes == codes
    assert cpt_of(facts) == line
    assert not session_billing.problems(facts)
    assert not session_billing.warnings(facts)  # the typed code is the crisis one


def test_without_the_field_the_same_minutes_are_ordinary_psychotherapy():
    facts = replace(crisis(80), crisis=False)
    assert session_billing.suggestion(facts).codes == ("90837",)
    assert ("billing.cpt-differs", ) == tuple(rule for rule, _ in session_billing.warnings(facts))
    assert cpt_of(replace(facts, cpt_code="90837")) == "CPT: 90837"


def test_telehealth_crisis_carries_the_modifier_on_both_lines():
    facts = crisis(110, setting="telehealth", cpt_modifier="95")
    facts = replace(facts, place_of_service="10", telehealth="video", client_location="home, Ohio")
    assert session_billing.suggestion_text(facts).startswith("90839-95, +90840-95 x2 (POS 10)")
    assert cpt_of(facts) == f"CPT: 90839-95, +90840-95 x2 {ADD_ON}"


def test_crisis_with_an_intake_or_a_group_or_interactive_complexity_is_refused():
    assert session_billing.problems(replace(crisis(60), template_key="intake"))  # a BillingError, said as a problem
    group = replace(crisis(60), modality="group")
    assert any("not a group" in p for p in session_billing.problems(group))
    marked = replace(crisis(60), interactive_complexity=True)
    assert "cannot be reported with psychotherapy for crisis" in session_billing.suggestion_text(marked)
    draft = NoteDraft(facts=marked, template_key="soap", risk=RISK)
    rules = {f.rule for f in lint_note(draft, SOAP, private_jottings=[], other_members=[])}
    assert "billing.impossible" in rules


def test_a_draft_from_before_the_field_loads_as_not_crisis_and_reads_as_before():
    old = {"facts": {"date": "2026-03-10", "start_time": "10:00", "duration_min": 80, "cpt_code": "90837",
                     "template_key": "soap", "place_of_service": "11", "telehealth": "none"}}
    draft = NoteDraft.from_dict(old)
    assert draft.facts.crisis is False
    assert cpt_of(draft.facts) == "CPT: 90837"
    assert NoteDraft.from_dict(draft.to_dict()).facts == draft.facts
