"""A new write-up's first draft, read from the session's jottings.

Heuristics, never decisions: every value lands in an editable step, and the clinician
signs only what they have reviewed. Pure functions over parsed jottings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from .billing import suggest_cpt
from .measures import MeasureScore
from .models import GoalProgress, NoteDraft, ObjectiveProgress, Plan, RiskStatement, SessionFacts
from .routing import note_tags
from .session_facts import end_time_for
from .shorthand import Category, Jotting, ShorthandRules, carry_into_note

__all__ = ["goals_from", "interventions_from", "linked_interventions", "measures_from", "objectives_from",
           "plan_from", "prefill_draft", "risk_from", "same_intervention", "session_facts_from"]

NEXT_SESSION_AFTER = timedelta(days=7)

_RISK_AREAS = {"si": ("si", "suicid", "death wish", "wish to die", "better off dead", "kill myself",
                      "not waking up", "end it"),
               "hi": ("hi", "homicid", "harm others", "hurt someone"),
               "self_harm": ("sh", "nssi", "self-harm", "self harm", "selfharm", "cutting", "burning")}
_DENIALS = ("denies", "denied", "denial of", "negative for", "no si", "no hi", "no sh", "no nssi",
            "no self-harm", "no self harm", "none")
# A clause about the past only ("hx SH as a teen") is history: kept in the detail, never
# read as a current endorsement or a denial.
_HISTORY_RE = re.compile(r"\b(hx|history|historical|past|as a teen|ago|age \d+|years? old)\b")
_CURRENT_RE = re.compile(r"\b(urges?|current(ly)?|today|this week|now|plan|intent|active|passive|recent)\b")
_ENDORSE_RE = re.compile(r"\b(endorses|reports|passive|active|plan|intent|urges?|thoughts|ideation|acts?)\b")
_PROTECTIVE_RE = re.compile(r"\b(protective(?: factors?)?|pf)\s*[:=-]?\s*", re.IGNORECASE)
_LEVEL_RE = re.compile(r"\b(low|moderate|high)(?:\s+|-)risk\b|\brisk(?:\s+level)?\s*[:=]?\s*(low|moderate|high)\b")
_SAFETY_MADE_RE = re.compile(r"safety plan\w*\s+(made|created|completed|developed|written|drawn up)|"
                             r"(made|created|completed|developed|wrote|drew up)\s+(a\s+)?safety plan")
_SAFETY_RE = re.compile(r"safety plan")


def _mentions(text: str, words: set[str], needles: tuple[str, ...]) -> bool:
    return any((n in words) if len(n) <= 4 and " " not in n else (n in text) for n in needles)


def _add(detail: str, piece: str) -> str:
    return piece if not detail else (detail if piece in detail else f"{detail}; {piece}")


def risk_from(jottings: Sequence[Jotting]) -> RiskStatement:
    """Read every `!` line (and a `> safety plan` intervention).

    "denies SI/HI" → denied; "SI passive no plan" → endorsed, the line as its detail; "no SH
    since March" → denied, kept as detail; "hx SH age 16" → kept as self-harm detail (history,
    status left to the clinician); "protective: kids, faith" → protective factors; "moderate
    risk" → the level; "> safety plan reviewed" → safety plan reviewed ("… made" → made).
    """
    status: dict[str, str] = {}
    detail: dict[str, str] = {}
    protective: list[str] = []
    level = ""
    safety = ""
    for jotting in jottings:
        body = jotting.body.strip()
        lower = body.lower()
        if jotting.category is Category.INTERVENTION or jotting.category is Category.RISK:
            if _SAFETY_MADE_RE.search(lower):
                safety = "made"
            elif _SAFETY_RE.search(lower) and not safety and "no safety plan" not in lower:
                safety = "reviewed"
        if jotting.category is not Category.RISK or not body:
            continue
        found = _PROTECTIVE_RE.search(body)
        if found:
            rest = body[found.end():].strip(" .;")
            if rest:
                protective.append(rest)
            body = body[:found.start()].strip(" ,;.")
            lower = body.lower()
            if not body:
                continue
        match = _LEVEL_RE.search(lower)
        if match:
            level = match.group(1) or match.group(2)
        clauses = [c.strip() for c in re.split(r"[,;.]", lower) if c.strip()]
        current: list[str] = []  # the areas the last clause named: a clause naming none continues it
        denying = False  # "denies SI, HI and self-harm": the list after a denial is denied too
        for clause in clauses:
            words = set(re.split(r"[\s/():=]+", clause))
            named = [a for a, needles in _RISK_AREAS.items() if _mentions(clause, words, needles)]
            if named:
                current = named
            denial = any(d in clause for d in _DENIALS) or (denying and not _ENDORSE_RE.search(clause))
            denying = denial
            history = bool(_HISTORY_RE.search(clause)) and not _CURRENT_RE.search(clause)
            for area in named or []:
                if denial:
                    if status.get(area) != "endorsed":
                        status[area] = "denied"
                    leftover = set(words) - {"denies", "denied", "no", "and", "or", "any", "of", "currently",
                                            "current", "negative", "for", "si", "hi", "sh", "self-harm", "self",
                                            "harm", "nssi", "", "ideation", "thoughts", "-"}
                    if leftover:
                        detail[area] = _add(detail.get(area, ""), body)
                elif history:
                    detail[area] = _add(detail.get(area, ""), body)
                else:
                    status[area] = "endorsed"
                    detail[area] = _add(detail.get(area, ""), body)
            if not named and current and not denial and not history:
                # "…, no plan, lives with sister": detail of the area just named (the line is kept whole)
                for area in current:
                    if status.get(area) == "endorsed":
                        detail[area] = _add(detail.get(area, ""), body)
    risk = RiskStatement()
    changes: dict[str, Any] = {k: v for k, v in status.items()}
    changes.update({f"{k}_detail": v for k, v in detail.items()})
    if level:
        changes["level"] = level
    if protective:
        changes["protective_factors"] = "; ".join(protective)
    if safety:
        changes["safety_plan"] = safety
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
        if jotting.category is Category.GOAL and jotting.goal is not None and not jotting.goal.objective:
            marks[jotting.goal.ordinal] = jotting.goal
    out = []
    for goal in goals:
        mark = marks.get(goal["ordinal"])
        out.append(GoalProgress(
            goal_id=str(goal["id"]), label=f"Goal {goal['ordinal']}: {goal['description']}",
            status=mark.status if mark else "", evidence=mark.evidence if mark else "",
        ))
    return out


def _intervention_key(text: str) -> str:
    return " ".join(text.casefold().split())


def same_intervention(a: str, b: str) -> bool:
    """The same intervention, compared case-insensitively with the whitespace normalised."""
    return _intervention_key(a) == _intervention_key(b)


def linked_interventions(used_today: Sequence[str], planned: Sequence[str]) -> list[str]:
    """Today's interventions (as the note lists them) that are planned ones: pre-linked."""
    keys = {_intervention_key(p) for p in planned}
    return [i for i in used_today if _intervention_key(i) in keys]


def objectives_from(jottings: Sequence[Jotting], goals: Sequence[Mapping[str, Any]],
                    used_today: Sequence[str] = ()) -> list[ObjectiveProgress]:
    """One progress entry per active objective of the active goals.

    Each goal (``id``, ``ordinal``) carries ``objectives``: mappings with ``id``, ``ordinal``,
    ``description``, ``target_date``, ``status`` and ``planned`` (its planned interventions'
    text). A `g1.2 +` line marks objective 2 of goal 1 (`g1.2 = evidence` with its evidence);
    an intervention used today that is one planned for an objective is linked to it."""
    from .treatment_plan import objective_label

    marks = {}
    for jotting in jottings:
        if jotting.category is Category.GOAL and jotting.goal is not None and jotting.goal.objective:
            marks[(jotting.goal.ordinal, jotting.goal.objective)] = jotting.goal
    out = []
    for goal in goals:
        for objective in goal.get("objectives") or ():
            if (objective.get("status") or "active") != "active":
                continue
            mark = marks.get((goal["ordinal"], objective["ordinal"]))
            out.append(ObjectiveProgress(
                objective_id=str(objective["id"]), goal_id=str(goal["id"]),
                label=objective_label(goal["ordinal"], objective),
                status=mark.status if mark else "", evidence=mark.evidence if mark else "",
                interventions=linked_interventions(used_today, objective.get("planned") or ()),
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
    from .session_billing import INTAKE_TEMPLATES, prefill

    # Place of service and telehealth kind follow the setting (telehealth: POS 10, video).
    return prefill(SessionFacts(
        date=started.date().isoformat(), start_time=start_time, duration_min=duration,
        end_time=end_time_for(start_time, duration), modality=modality, setting=session["setting"] or "in person",
        session_number=session_number, template_key=template_key,
        cpt_code=suggest_cpt(duration, modality, intake=template_key in INTAKE_TEMPLATES).code or "",
    ))


def prefill_draft(facts: SessionFacts, jottings: Sequence[Jotting], goals: Sequence[Mapping[str, Any]],
                  rules: ShorthandRules, session_start: datetime) -> NoteDraft:
    """The first draft: facts, and what the (this member's) jottings say about each step."""
    interventions = interventions_from(jottings, rules)
    return NoteDraft(
        facts=facts, template_key=facts.template_key, interventions=interventions,
        measures=measures_from(jottings), risk=risk_from(jottings), goals=goals_from(jottings, goals),
        plan=plan_from(jottings, rules, session_start), tags=note_tags(jottings),
        objectives=objectives_from(jottings, goals, interventions),
    )
