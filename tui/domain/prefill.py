"""A new write-up's first draft, read from the session's jottings.

Heuristics, never decisions: every value lands in an editable step, and the clinician
signs only what they have reviewed. Pure functions over parsed jottings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from .billing import suggest_cpt
from .measures import MeasureScore
from .models import GoalProgress, NoteDraft, Plan, RiskStatement, SessionFacts
from .routing import note_tags
from .session_facts import end_time_for
from .shorthand import Category, Jotting, ShorthandRules, carry_into_note

__all__ = ["goals_from", "interventions_from", "measures_from", "plan_from", "prefill_draft", "risk_from",
           "session_facts_from"]

NEXT_SESSION_AFTER = timedelta(days=7)

_RISK_AREAS = {"si": ("si", "suicid"), "hi": ("hi", "homicid"),
               "self_harm": ("sh", "self-harm", "self harm", "cutting")}
_DENIALS = ("denies", "denied", "denial of", "no si", "no hi")


def risk_from(jottings: Sequence[Jotting]) -> RiskStatement:
    """Read `!` jottings: "denies SI/HI" → denied; "SI passive no plan" → endorsed with detail."""
    risk = RiskStatement()
    changes: dict[str, Any] = {}
    for jotting in jottings:
        if jotting.category is not Category.RISK:
            continue
        text = jotting.body.lower()
        words = set(text.replace("/", " ").replace(",", " ").split())
        denies = any(w in text for w in _DENIALS)
        for area, needles in _RISK_AREAS.items():
            if not any((n in words) if len(n) <= 2 else (n in text) for n in needles):
                continue
            if denies:
                changes.setdefault(area, "denied")
            else:
                changes[area] = "endorsed"
                changes[f"{area}_detail"] = jotting.body
        for level in ("high", "moderate", "low"):
            if f"{level} risk" in text or f"risk {level}" in text:
                changes["level"] = level
    return replace(risk, **changes) if changes else risk


def interventions_from(jottings: Sequence[Jotting], rules: ShorthandRules) -> list[str]:
    out: list[str] = []
    for jotting in jottings:
        if jotting.category is Category.INTERVENTION and jotting.body:
            text = carry_into_note(jotting, rules)
            text = text[:1].upper() + text[1:]
            if text and text not in out:  # compared capitalised, so a repeated line is listed once
                out.append(text)
    return out


def measures_from(jottings: Sequence[Jotting]) -> list[MeasureScore]:
    latest: dict[str, MeasureScore] = {}
    for jotting in jottings:
        if jotting.category is Category.MEASURE and jotting.measure is not None:
            try:
                latest[jotting.measure.instrument] = jotting.measure.to_score()
            except ValueError:
                continue  # a mistyped score stays in the jottings; the clinician enters it in the step
    return list(latest.values())


def goals_from(jottings: Sequence[Jotting], goals: Sequence[Mapping[str, Any]]) -> list[GoalProgress]:
    """One progress entry per active goal (``id``, ``ordinal``, ``description``), marked by `g1 +` lines."""
    marks = {}
    for jotting in jottings:
        if jotting.category is Category.GOAL and jotting.goal is not None:
            marks[jotting.goal.ordinal] = jotting.goal
    out = []
    for goal in goals:
        mark = marks.get(goal["ordinal"])
        out.append(GoalProgress(
            goal_id=str(goal["id"]), label=f"Goal {goal['ordinal']}: {goal['description']}",
            status=mark.status if mark else "", evidence=mark.evidence if mark else "",
        ))
    return out


def plan_from(jottings: Sequence[Jotting], rules: ShorthandRules, session_start: datetime) -> Plan:
    homework = [carry_into_note(j, rules) for j in jottings if j.category is Category.HOMEWORK and j.body]
    questions = [carry_into_note(j, rules) for j in jottings if j.category is Category.QUESTION and j.body]
    return Plan(
        next_session=(session_start + NEXT_SESSION_AFTER).date().isoformat(),
        homework="; ".join(homework),
        next_focus="; ".join(questions),
    )


def session_facts_from(session: Mapping[str, Any], session_number: int, template_key: str) -> SessionFacts:
    """The facts step's starting values from the stored session (its row's fields)."""
    started = datetime.fromisoformat(session["started_at"])
    modality = session["modality"] or "individual"
    duration = int(session["duration_min"] or 0)
    start_time = started.strftime("%H:%M")
    return SessionFacts(
        date=started.date().isoformat(), start_time=start_time, duration_min=duration,
        end_time=end_time_for(start_time, duration), modality=modality, setting=session["setting"] or "in person",
        session_number=session_number, cpt_code=suggest_cpt(duration, modality).code or "", template_key=template_key,
    )


def prefill_draft(facts: SessionFacts, jottings: Sequence[Jotting], goals: Sequence[Mapping[str, Any]],
                  rules: ShorthandRules, session_start: datetime) -> NoteDraft:
    """The first draft: facts, and what the (this member's) jottings say about each step."""
    return NoteDraft(
        facts=facts, template_key=facts.template_key, interventions=interventions_from(jottings, rules),
        measures=measures_from(jottings), risk=risk_from(jottings), goals=goals_from(jottings, goals),
        plan=plan_from(jottings, rules, session_start), tags=note_tags(jottings),
    )
