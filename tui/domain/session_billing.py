"""The billing facts of one session, read through ``billing``'s rules (issue 13 item 3).

``SessionFacts`` holds what the clinician confirms on the facts step: place of service,
telehealth kind and the client's location, +90785, family with or without the client, the
CPT code typed (or accepted) and the telehealth modifier. This module prefills them from
the setting, suggests the CPT lines from them, says what is impossible (signing errors) and
what needs a second look (warnings), and words them for the signed note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from . import billing
from .billing import BillingError, BillingSuggestion
from .models import TELEHEALTH_KINDS, SessionFacts

__all__ = [
    "INTAKE_TEMPLATES",
    "POS_WORDS",
    "cpt_line",
    "place_text",
    "prefill",
    "problems",
    "suggestion",
    "suggestion_text",
    "telehealth_text",
    "warnings",
]

# Templates whose session is a psychiatric diagnostic evaluation (90791).
INTAKE_TEMPLATES = frozenset({"intake"})

# The signed note says the place in words a reader (and an auditor) takes in at once.
POS_WORDS: Mapping[str, str] = {
    "02": "telehealth, the client not at home",
    "03": "school",
    "10": "telehealth in the client's home",
    "11": "office",
    "12": "the client's home",
    "99": "other place of service",
}


def prefill(facts: SessionFacts) -> SessionFacts:
    """Place of service and telehealth kind from the setting where not yet stated (new
    drafts, and drafts saved before these facts): telehealth -> POS 10 and video, in person
    -> POS 11 and none. What is stated stays."""
    telehealth = facts.setting == "telehealth"
    changes: dict[str, str] = {}
    if not facts.place_of_service:
        changes["place_of_service"] = "10" if telehealth else "11"
    if facts.telehealth not in TELEHEALTH_KINDS:
        changes["telehealth"] = "video" if telehealth else "none"
    return replace(facts, **changes) if changes else facts


def _is_telehealth(facts: SessionFacts) -> bool:
    return facts.telehealth in ("video", "audio-only")


def suggestion(facts: SessionFacts, modifiers: Mapping[str, str] | None = None) -> BillingSuggestion:
    """The CPT lines the facts call for (BillingError when no code can follow from them).
    ``modifiers``: the payer's telehealth map (``Config.telehealth_modifiers``)."""
    return billing.suggest_billing(
        max(facts.duration_min, 0), facts.modality,
        intake=facts.template_key in INTAKE_TEMPLATES,
        crisis=facts.crisis,
        patient_present=facts.client_present,
        interactive_complexity=facts.interactive_complexity,
        telehealth=facts.telehealth if _is_telehealth(facts) else None,
        modifiers=modifiers,
    )


def suggestion_text(facts: SessionFacts, modifiers: Mapping[str, str] | None = None) -> str:
    """"90837-95, +90785 (POS 10)": what the facts step shows beside the CPT field."""
    try:
        found = suggestion(facts, modifiers)
    except BillingError as exc:
        return f"none ({exc})"
    if not found.lines:
        return f"none ({found.reason})"
    labels = [line.label() if i == 0 else "+" + line.label() for i, line in enumerate(found.lines)]
    where = f" (POS {facts.place_of_service})" if facts.place_of_service else ""
    text = ", ".join(labels) + where + f": {found.reason}"
    return text + (f". {found.note}" if found.note else "")


def _primary_code(facts: SessionFacts) -> str:
    return facts.cpt_code.strip().split("-")[0].strip()


def problems(facts: SessionFacts) -> list[str]:
    """Impossible billing facts, each a sentence for the clinician (signing errors)."""
    out: list[str] = []
    pos = None
    if facts.place_of_service:
        try:
            pos = billing.place_of_service(facts.place_of_service)
        except BillingError as exc:
            out.append(str(exc))
    if facts.telehealth and facts.telehealth not in TELEHEALTH_KINDS:
        out.append(f"Telehealth {facts.telehealth!r} is not one of: {', '.join(TELEHEALTH_KINDS)}.")
    if pos is not None and facts.telehealth in TELEHEALTH_KINDS:
        # CMS POS code set: 02 and 10 are telehealth and only telehealth.
        if pos.telehealth and not _is_telehealth(facts):
            out.append(f"Place of service {pos.code} is telehealth but the session is marked not telehealth: "
                       "pick video or audio-only, or an in-person place.")
        elif _is_telehealth(facts) and not pos.telehealth:
            out.append(f"A {facts.telehealth} telehealth session is billed at POS 10 (client at home) or 02 "
                       f"(elsewhere), not {pos.code} ({pos.name.lower()}).")
    try:
        found = suggestion(facts)
    except BillingError as exc:
        out.append(str(exc))
        return out
    if facts.interactive_complexity:
        # CPT: +90785 only with 90791/90792, 90832-90838 and 90853 (billing.INTERACTIVE_COMPLEXITY_PRIMARIES).
        code = _primary_code(facts) or found.primary
        if not code:
            out.append("Interactive complexity (90785) is an add-on: it needs a primary CPT code.")
        elif code not in billing.INTERACTIVE_COMPLEXITY_PRIMARIES:
            out.append(f"Interactive complexity (90785) cannot be reported with {code}: unmark it or "
                       "correct the CPT code.")
    return out


def warnings(facts: SessionFacts) -> list[tuple[str, str]]:
    """(rule, sentence) for what needs a second look: a typed CPT code that is not the one
    the facts call for, telehealth without the client's location."""
    out: list[tuple[str, str]] = []
    typed = _primary_code(facts)
    try:
        found = suggestion(facts)
    except BillingError:
        found = None
    if typed and found is not None and found.primary and typed != found.primary:
        out.append(("billing.cpt-differs",
                    f"CPT {typed} is not the code the facts call for: {found.primary} ({found.reason})."))
    if _is_telehealth(facts) and not facts.client_location.strip():
        out.append(("billing.telehealth-location",
                    "Telehealth without the client's location: say where the client was (e.g. home, Ohio)."))
    return out


def place_text(facts: SessionFacts) -> str:
    """"10 (telehealth in the client's home)"."""
    code = facts.place_of_service.strip()
    words = POS_WORDS.get(code)
    return f"{code} ({words})" if words else code


def telehealth_text(facts: SessionFacts) -> str:
    """"video; client located at home, Ohio"; "" when the session was not telehealth."""
    if not _is_telehealth(facts):
        return ""
    where = facts.client_location.strip()
    return facts.telehealth + (f"; client located at {where}" if where else "; client location not stated")


def cpt_line(facts: SessionFacts) -> str:
    """"90837-95, +90785-95 interactive complexity": the code typed, the modifier, the add-on.
    The telehealth modifier goes on every line of the service, the add-on's too (CMS: each
    telehealth service line carries 95 or 93), as billing.suggest_billing puts it."""
    code = facts.cpt_code.strip()
    if not code:
        return "(none)"
    modifier = facts.cpt_modifier.strip()
    if not modifier and "-" in code:
        modifier = code.split("-", 1)[1].strip()
    if modifier and "-" not in code:
        code = f"{code}-{modifier}"
    if facts.crisis and code.split("-", 1)[0].strip() == "90839":
        # Psychotherapy for crisis: +90840 for each 30 minutes beyond the first 74.
        _, more = billing.crisis_units(max(facts.duration_min, 0))
        if more:
            add_on = "90840" + (f"-{modifier}" if modifier else "")
            code += f", +{add_on}" + (f" x{more}" if more > 1 else "") + " psychotherapy for crisis, each additional 30 min"
    if facts.interactive_complexity:
        add_on = billing.INTERACTIVE_COMPLEXITY + (f"-{modifier}" if modifier else "")
        code += f", +{add_on} interactive complexity"
    return code
