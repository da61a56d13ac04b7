"""Billing facts of a session (issue 13 item 3): prefill from the setting, CPT lines from the
facts, lint, the signed note's facts block, drafts saved before the facts, FHIR Encounter."""

from __future__ import annotations

from datetime import date

import pytest

from tui.domain import session_billing
from tui.domain.canonical import canonical_text
from tui.domain.lint import RULES, lint_note
from tui.domain.models import NoteDraft, RiskStatement, SessionFacts
from tui.domain.prefill import session_facts_from
from tui.domain.templates import INTAKE, SOAP
from tui.services.fhir_export import encounter

TODAY = date(2026, 3, 10)
RISK = RiskStatement(si="denied", hi="denied", self_harm="denied", level="low")


def session(minutes: int, setting: str = "in person", modality: str = "individual") -> dict:
    return {"started_at": "2026-03-10T10:00:00", "duration_min": minutes, "modality": modality, "setting": setting}


def text_of(draft: NoteDraft, template=SOAP) -> str:  # noqa: ANN001
    return canonical_text(draft, template, client_label="AB12", signer="Dana Reyes", credentials="LCSW",
                          signed_at="2026-03-10T12:00:00+00:00", late_entry=False)


def facts_block(text: str) -> list[str]:
    return text.split("\n\n")[1].splitlines()


def findings(facts: SessionFacts) -> dict[str, str]:
    draft = NoteDraft(facts=facts, template_key=facts.template_key or "soap", risk=RISK)
    found = lint_note(draft, SOAP, private_jottings=[], other_members=[], today=TODAY)
    return {f.rule: f.message for f in found if f.rule.startswith("billing.")}


# --- prefill ----------------------------------------------------------------------------

def test_telehealth_is_prefilled_pos_10_and_video_in_person_pos_11():
    remote = session_facts_from(session(50, "telehealth"), 3, "soap")
    assert (remote.place_of_service, remote.telehealth, remote.client_location) == ("10", "video", "")
    office = session_facts_from(session(50), 3, "soap")
    assert (office.place_of_service, office.telehealth) == ("11", "none")
    assert office.cpt_code == "90834" and not office.interactive_complexity and office.client_present


def test_prefill_keeps_what_is_stated():
    stated = SessionFacts(setting="telehealth", place_of_service="02", telehealth="audio-only")
    assert session_billing.prefill(stated) == stated


def test_an_intake_is_prefilled_90791():
    assert session_facts_from(session(60), 1, "intake").cpt_code == "90791"


# --- boundary minutes into the signed text ------------------------------------------------

@pytest.mark.parametrize("minutes,code", [
    (15, ""), (16, "90832"), (37, "90832"), (38, "90834"), (52, "90834"), (53, "90837"), (90, "90837"),
])
def test_the_signed_cpt_line_follows_the_time_rule_at_each_boundary(minutes, code):
    facts = session_facts_from(session(minutes), 2, "soap")
    assert facts.cpt_code == code
    block = facts_block(text_of(NoteDraft(facts=facts, template_key="soap")))
    assert f"CPT: {code or '(none)'}" in block
    assert "Place of service: 11 (office)" in block and not any(line.startswith("Telehealth") for line in block)


@pytest.mark.parametrize("minutes,line", [(52, "CPT: 90834-95"), (53, "CPT: 90837-95")])
def test_a_telehealth_note_prints_place_telehealth_and_modified_codes(minutes, line):
    facts = session_facts_from(session(minutes, "telehealth"), 2, "soap")
    from dataclasses import replace

    facts = replace(facts, client_location="home, Ohio", cpt_modifier="95")
    block = facts_block(text_of(NoteDraft(facts=facts, template_key="soap")))
    at = block.index("Place of service: 10 (telehealth in the client's home)")
    assert block[at + 1] == "Telehealth: video; client located at home, Ohio"
    assert line in block
    marked = replace(facts, interactive_complexity=True)
    assert f"{line}, +90785-95 interactive complexity" in facts_block(text_of(NoteDraft(facts=marked,
                                                                                     template_key="soap")))


def test_the_suggestion_carries_the_payers_modifier_and_pos():
    facts = SessionFacts(duration_min=53, setting="telehealth", place_of_service="10", telehealth="video",
                         interactive_complexity=True)
    assert session_billing.suggestion_text(facts).startswith("90837-95, +90785-95 (POS 10)")
    assert session_billing.suggestion_text(facts, {"video": "GT"}).startswith("90837-GT, +90785-GT (POS 10)")
    assert session_billing.suggestion_text(facts, {"video": ""}).startswith("90837, +90785 (POS 10)")
    audio = SessionFacts(duration_min=40, place_of_service="10", telehealth="audio-only")
    assert session_billing.suggestion_text(audio).startswith("90834-93 (POS 10)")
    family = SessionFacts(duration_min=50, modality="family", client_present=False, place_of_service="11",
                          telehealth="none")
    assert session_billing.suggestion(family).codes == ("90846",)


# --- drafts saved before the billing facts -------------------------------------------------

OLD_DRAFT = {"schema": 1, "facts": {"date": "2026-03-10", "start_time": "10:00", "duration_min": 50,
                                    "modality": "individual", "setting": "telehealth", "session_number": 4,
                                    "cpt_code": "90834", "template_key": "soap", "end_time": "10:50"},
             "sections": {"subjective": "Slept badly."}, "risk": RISK.to_dict()}


def test_an_old_draft_loads_reads_as_before_and_takes_the_prefill():
    draft = NoteDraft.from_dict(OLD_DRAFT)
    f = draft.facts
    assert (f.place_of_service, f.telehealth, f.client_location, f.cpt_modifier) == ("", "", "", "")
    assert f.client_present and not f.interactive_complexity
    block = facts_block(text_of(draft))
    # Exactly the facts block a note had before these facts were recorded.
    assert block == ["Client: AB12", "Template: SOAP", "Date: 2026-03-10", "Start: 10:00", "End: 10:50",
                     "Duration: 50 min", "Modality: individual", "Setting: telehealth", "Session number: 4",
                     "CPT: 90834"]
    assert findings(f) == {}  # nothing stated, nothing to object to
    filled = session_billing.prefill(f)
    assert (filled.place_of_service, filled.telehealth) == ("10", "video")
    assert NoteDraft.from_dict(NoteDraft(facts=filled).to_dict()).facts == filled  # round trip


# --- lint ---------------------------------------------------------------------------------

BASE = dict(date="2026-03-10", start_time="10:00", duration_min=53, end_time="10:53", template_key="soap")


def test_the_usual_session_has_no_billing_finding():
    assert findings(session_billing.prefill(SessionFacts(**BASE, cpt_code="90837"))) == {}
    remote = SessionFacts(**BASE, setting="telehealth", place_of_service="10", telehealth="video",
                          client_location="home, Ohio", cpt_code="90837", cpt_modifier="95",
                          interactive_complexity=True)
    assert findings(remote) == {}


def test_a_typed_code_other_than_the_suggestion_is_a_warning():
    found = findings(session_billing.prefill(SessionFacts(**BASE, cpt_code="90834")))
    assert set(found) == {"billing.cpt-differs"} and RULES["billing.cpt-differs"] == "warning"
    assert "90837" in found["billing.cpt-differs"]
    # Typed with its modifier, the code is still compared by its code.
    assert findings(session_billing.prefill(SessionFacts(**BASE, cpt_code="90837-95"))) == {}


def test_telehealth_without_the_clients_location_is_a_warning():
    found = findings(SessionFacts(**BASE, setting="telehealth", place_of_service="10", telehealth="video",
                                  cpt_code="90837"))
    assert set(found) == {"billing.telehealth-location"} and RULES["billing.telehealth-location"] == "warning"


@pytest.mark.parametrize("changes,words", [
    (dict(place_of_service="10", telehealth="none"), "is telehealth"),
    (dict(place_of_service="11", telehealth="video"), "not 11"),
    (dict(place_of_service="42", telehealth="none"), "Unknown place of service"),
    (dict(place_of_service="11", telehealth="none", interactive_complexity=True, modality="family",
          cpt_code="90847"),
     "cannot be reported with 90847"),
    (dict(place_of_service="11", telehealth="none", interactive_complexity=True, cpt_code="90839"),
     "cannot be reported with 90839"),
])
def test_impossible_combinations_block_signing(changes, words):
    base = {**BASE, "cpt_code": "90837", "client_location": "home"}
    base.update(changes)
    found = findings(SessionFacts(**base))
    assert "billing.impossible" in found and RULES["billing.impossible"] == "error"
    assert words in found["billing.impossible"]


def test_interactive_complexity_on_an_intake_is_allowed():
    facts = session_billing.prefill(SessionFacts(**{**BASE, "template_key": "intake"}, cpt_code="90791",
                                                 interactive_complexity=True))
    draft = NoteDraft(facts=facts, template_key="intake", risk=RISK)
    rules = {f.rule for f in lint_note(draft, INTAKE, private_jottings=[], other_members=[], today=TODAY)}
    assert not {r for r in rules if r.startswith("billing.")}


# --- FHIR Encounter -----------------------------------------------------------------------

def _encounter(facts: dict) -> dict:
    return encounter({"started_at": "2026-03-10T10:00:00+00:00", "ended_at": "2026-03-10T10:53:00+00:00",
                      "setting": "in person", "duration_min": 53}, facts, {"system": "urn:x", "value": "1"},
                     patient_ref="urn:uuid:p", practitioner_ref="urn:uuid:r")


def test_the_encounter_follows_the_stored_telehealth_and_place():
    video = _encounter({"setting": "telehealth", "telehealth": "video", "place_of_service": "10",
                        "cpt_code": "90837", "cpt_modifier": "95"})
    assert video["class"]["code"] == "VR"
    assert video["type"][0]["coding"][0]["code"] == "90837" and video["type"][0]["text"] == "CPT 90837-95 (POS 10)"
    office = _encounter({"setting": "telehealth", "telehealth": "none", "place_of_service": "11",
                         "cpt_code": "90837-95"})
    assert office["class"]["code"] == "AMB" and office["type"][0]["coding"][0]["code"] == "90837"
    old = _encounter({"setting": "telehealth", "cpt_code": "90837"})  # a note from before the facts
    assert old["class"]["code"] == "VR" and old["type"][0]["text"] == "CPT 90837"
