"""The progress-note draft.

Small value parts are frozen (change them with ``dataclasses.replace``);
``NoteDraft`` itself is the mutable working copy the write-up screen edits.
Everything round-trips through plain JSON types via ``to_dict``/``from_dict``,
and ``from_dict`` accepts drafts saved by older versions (missing keys take
defaults, unknown keys are ignored) so an autosaved draft is never lost.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any

from .clock import is_late
from .measures import MeasureScore

__all__ = [
    "DRAFT_SCHEMA",
    "GOAL_STATUSES",
    "MODALITIES",
    "MSE",
    "MSE_FIELDS",
    "MSE_WNL",
    "RISK_LEVELS",
    "RISK_STATUSES",
    "SAFETY_PLAN_STATES",
    "SETTINGS",
    "TELEHEALTH_KINDS",
    "GoalProgress",
    "MentalStatus",
    "NoteDraft",
    "ObjectiveProgress",
    "Plan",
    "RiskStatement",
    "SessionFacts",
    "is_late_entry",
]

DRAFT_SCHEMA = 1

MODALITIES: tuple[str, ...] = ("individual", "couple", "family", "group")
SETTINGS: tuple[str, ...] = ("in person", "telehealth")
# How a session was held for billing (modifier 95 video, 93 audio-only); "" in older drafts.
TELEHEALTH_KINDS: tuple[str, ...] = ("none", "video", "audio-only")
RISK_STATUSES: tuple[str, ...] = ("denied", "endorsed", "not assessed")
RISK_LEVELS: tuple[str, ...] = ("", "low", "moderate", "high")
# "" = not stated. With SI endorsed the note must say which.
SAFETY_PLAN_STATES: tuple[str, ...] = ("", "reviewed", "made", "not made")
GOAL_STATUSES: tuple[str, ...] = ("", "improved", "stable", "deteriorated")

def _pick(cls: type, data: dict[str, Any] | None) -> dict[str, Any]:
    """Keep only the keys ``cls`` knows, so newer/older drafts load."""
    if not isinstance(data, dict):
        return {}
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class SessionFacts:
    date: str = ""  # ISO date, "2024-05-01"
    start_time: str = ""  # "HH:MM", 24-hour
    duration_min: int = 0
    modality: str = "individual"
    setting: str = "in person"
    session_number: int = 0
    cpt_code: str = ""
    template_key: str = ""
    # Last, so positional construction keeps its meaning. "" in drafts from before it was
    # recorded (then it is start + duration).
    end_time: str = ""  # "HH:MM"
    # Billing facts (issue 13 item 3); "" / defaults in older drafts, prefilled from the setting
    # (tui.domain.session_billing.prefill).
    place_of_service: str = ""  # CMS POS code, "10", "11" (tui.domain.billing.PLACES_OF_SERVICE)
    telehealth: str = ""  # TELEHEALTH_KINDS
    client_location: str = ""  # where the client was for telehealth, "home, Ohio"
    interactive_complexity: bool = False  # +90785 marked by the clinician
    client_present: bool = True  # family/couple: 90847 with the client, 90846 without
    cpt_modifier: str = ""  # the telehealth modifier on the CPT line ("95"), from the payer's map
    # Psychotherapy for crisis marked by the clinician: 90839 for 30-74 min, +90840 for each
    # further 30 min (billing.crisis_units); False in older drafts.
    crisis: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "SessionFacts":
        return cls(**_pick(cls, data))


# The mental status exam, once: (field, label, the text offered when the exam is
# unremarkable). The WNL text is not the dataclass default: an unexamined field must
# stay blank rather than assert "normal". Thought content deliberately says nothing
# about SI/HI: that belongs to the explicit risk statement.
MSE: tuple[tuple[str, str, str], ...] = (
    ("appearance", "Appearance", "Appropriately groomed and dressed"),
    ("behaviour", "Behaviour", "Cooperative, good eye contact, no psychomotor abnormality"),
    ("speech", "Speech", "Normal rate, volume and tone"),
    ("mood", "Mood", "Euthymic"),
    ("affect", "Affect", "Full range, congruent with mood"),
    ("thought_process", "Thought process", "Linear and goal-directed"),
    ("thought_content", "Thought content", "No delusions or preoccupations evident"),
    ("orientation", "Orientation", "Oriented to person, place and time"),
    ("insight", "Insight", "Good"),
    ("judgement", "Judgement", "Good"),
)
MSE_FIELDS: tuple[tuple[str, str], ...] = tuple((key, label) for key, label, _ in MSE)
MSE_WNL: dict[str, str] = {key: wnl for key, _, wnl in MSE}


@dataclass(frozen=True)
class MentalStatus:
    appearance: str = ""
    behaviour: str = ""
    speech: str = ""
    mood: str = ""
    affect: str = ""
    thought_process: str = ""
    thought_content: str = ""
    orientation: str = ""
    insight: str = ""
    judgement: str = ""

    @classmethod
    def within_normal_limits(cls) -> "MentalStatus":
        return cls(**MSE_WNL)

    def fill_blanks_wnl(self) -> "MentalStatus":
        """WNL text in the fields left blank; the clinician's entries stay."""
        return replace(self, **{k: MSE_WNL[k] for k, _ in MSE_FIELDS if not getattr(self, k).strip()})

    def items(self) -> list[tuple[str, str]]:
        """(label, text) in exam order."""
        return [(label, getattr(self, key)) for key, label in MSE_FIELDS]

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, key).strip() for key, _ in MSE_FIELDS)

    def to_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key, _ in MSE_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "MentalStatus":
        return cls(**_pick(cls, data))


# The dataclass spells the fields for type checkers; MSE is the list. They cannot drift apart.
assert tuple(f.name for f in fields(MentalStatus)) == tuple(key for key, _, _ in MSE), "MSE and MentalStatus differ"


def _sentence(text: str) -> str:
    # A detail typed as "passive, no plan." must not end up with "..".
    return text if text.endswith((".", "!", "?")) else text + "."


def _join_and(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class RiskStatement:
    """The explicit risk statement every note carries, even when negative."""

    si: str = "not assessed"
    hi: str = "not assessed"
    self_harm: str = "not assessed"
    si_detail: str = ""
    hi_detail: str = ""
    self_harm_detail: str = ""
    level: str = ""  # "" | low | moderate | high
    protective_factors: str = ""
    safety_plan_reviewed: bool = False
    safety_plan: str = ""  # SAFETY_PLAN_STATES; kept in step with safety_plan_reviewed

    def __post_init__(self) -> None:
        # Drafts from before ``safety_plan`` carry only the bool; either one sets the other.
        if not self.safety_plan and self.safety_plan_reviewed:
            object.__setattr__(self, "safety_plan", "reviewed")
        if self.safety_plan not in SAFETY_PLAN_STATES:
            raise ValueError(f"Safety plan must be one of reviewed, made, not made or blank; got {self.safety_plan!r}")
        object.__setattr__(self, "safety_plan_reviewed", self.safety_plan in ("reviewed", "made"))
        for name in ("si", "hi", "self_harm"):
            value = getattr(self, name)
            if value not in RISK_STATUSES:
                raise ValueError(
                    f"Risk {name} must be one of {', '.join(RISK_STATUSES)}; got {value!r}"
                )
        if self.level not in RISK_LEVELS:
            raise ValueError(f"Risk level must be low, moderate, high or blank; got {self.level!r}")

    @property
    def is_stated(self) -> bool:
        """False when nothing at all was assessed: the note has no risk statement."""
        return bool(self.level) or any(
            status != "not assessed" for status in (self.si, self.hi, self.self_harm)
        )

    def _areas(self) -> list[tuple[str, str, str]]:
        return [
            ("SI", self.si, self.si_detail.strip()),
            ("HI", self.hi, self.hi_detail.strip()),
            ("self-harm", self.self_harm, self.self_harm_detail.strip()),
        ]

    def summary(self) -> str:
        """A plain sentence, e.g. "Denies SI, HI and self-harm. Risk level: low."."""
        if not self.is_stated:
            return "Risk not assessed."
        parts: list[str] = []
        areas = self._areas()
        denied = [name for name, status, _ in areas if status == "denied"]
        if denied:
            parts.append(f"Denies {_join_and(denied)}.")
        for name, status, detail in areas:
            if status == "denied" and detail:
                parts.append(_sentence(f"{name[0].upper() + name[1:]}: {detail}"))
        for name, status, detail in areas:
            if status == "endorsed":
                parts.append(_sentence(f"Endorses {name}: {detail}" if detail else f"Endorses {name}"))
        unassessed = [name for name, status, detail in areas if status == "not assessed" and not detail]
        if unassessed:
            names = _join_and(unassessed)
            parts.append(f"{names[0].upper() + names[1:]} not assessed.")
        for name, status, detail in areas:
            if status == "not assessed" and detail:  # the reason it was not assessed
                parts.append(_sentence(f"{name[0].upper() + name[1:]} not assessed: {detail}"))
        parts.append(f"Risk level: {self.level}." if self.level else "Risk level not stated.")
        if self.protective_factors.strip():
            parts.append(_sentence(f"Protective factors: {self.protective_factors.strip()}"))
        if self.safety_plan == "made":
            parts.append("Safety plan made.")
        elif self.safety_plan_reviewed:
            parts.append("Safety plan reviewed.")
        elif self.safety_plan == "not made":
            parts.append("No safety plan made.")
        elif self.level in ("moderate", "high"):
            parts.append("Safety plan not reviewed.")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "RiskStatement":
        return cls(**_pick(cls, data))


@dataclass(frozen=True)
class GoalProgress:
    goal_id: str = ""
    label: str = ""
    status: str = ""  # "" | improved | stable | deteriorated
    evidence: str = ""

    def __post_init__(self) -> None:
        if self.status not in GOAL_STATUSES:
            raise ValueError(
                f"Goal status must be improved, stable, deteriorated or blank; got {self.status!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "GoalProgress":
        picked = _pick(cls, data)
        if "goal_id" in picked:
            picked["goal_id"] = str(picked["goal_id"])
        return cls(**picked)


@dataclass(frozen=True)
class ObjectiveProgress:
    """Progress on one objective of a goal (issue 13 item 2), and the interventions used
    today that served it: the golden thread from the plan to the session."""

    objective_id: str = ""
    goal_id: str = ""
    label: str = ""  # "Objective 1.2: Walk 20 minutes (target 2027-01-31)", as the plan read at opening
    status: str = ""  # GOAL_STATUSES
    evidence: str = ""
    interventions: list[str] = field(default_factory=list)  # of today's (NoteDraft.interventions)

    def __post_init__(self) -> None:
        if self.status not in GOAL_STATUSES:
            raise ValueError(
                f"Objective status must be improved, stable, deteriorated or blank; got {self.status!r}"
            )

    @property
    def has_content(self) -> bool:
        """Anything the clinician recorded for it (a rating, evidence or a link)."""
        return bool(self.status or self.evidence.strip() or self.interventions)

    def to_dict(self) -> dict[str, Any]:
        return {"objective_id": self.objective_id, "goal_id": self.goal_id, "label": self.label,
                "status": self.status, "evidence": self.evidence, "interventions": list(self.interventions)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "ObjectiveProgress":
        picked = _pick(cls, data)
        for key in ("objective_id", "goal_id"):
            if key in picked:
                picked[key] = str(picked[key])
        if "interventions" in picked:
            picked["interventions"] = [str(i) for i in picked["interventions"] or []]
        return cls(**picked)


@dataclass(frozen=True)
class Plan:
    next_session: str = ""
    homework: str = ""
    next_focus: str = ""
    coordination: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name).strip() for f in fields(self))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Plan":
        return cls(**_pick(cls, data))


@dataclass
class NoteDraft:
    """A progress note being written.

    The template is stored once, in ``facts.template_key``; ``template_key`` reads and
    sets that (a constructor argument too, for callers that name it). For a group note the shared group part lives in
    ``group_part`` and the member's individualized part in ``sections``
    (both keyed by section key). Only what the clinician writes is here: context such as
    the client's earlier scores comes from the record when the note is opened and is given
    to the layout apart (``canonical.layout(..., previous=...)``).
    """

    facts: SessionFacts = field(default_factory=SessionFacts)
    template_key: InitVar[str] = ""
    sections: dict[str, str] = field(default_factory=dict)
    mental_status: MentalStatus = field(default_factory=MentalStatus)
    interventions: list[str] = field(default_factory=list)
    measures: list[MeasureScore] = field(default_factory=list)
    risk: RiskStatement = field(default_factory=RiskStatement)
    goals: list[GoalProgress] = field(default_factory=list)
    plan: Plan = field(default_factory=Plan)
    group_part: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)  # "#word" from the carryable jottings
    # The client's ICD-10-CM diagnoses when the write-up was opened, primary first, each as it
    # reads ("F33.1 Major depressive disorder, recurrent, moderate (primary)"): kept in the
    # draft so the signed text says what the plan held then (issue 13 item 1).
    diagnoses: list[str] = field(default_factory=list)
    # Progress per objective of the active goals, with the interventions that served each
    # (issue 13 item 2); empty in older drafts, whose text then reads as signed.
    objectives: list[ObjectiveProgress] = field(default_factory=list)
    # The treatment plan the note was written under, as the note states it
    # ("Treatment plan: version 2, signed 2026-12-01"); "" in older drafts and with no plan.
    plan_version: str = ""

    def __post_init__(self, template_key: str) -> None:
        if template_key and template_key != self.facts.template_key:
            self.facts = replace(self.facts, template_key=template_key)

    def text_for(self, key: str, part: str = "note") -> str:
        """Text of a section; ``part="group"`` reads the shared group part."""
        source = self.group_part if part == "group" else self.sections
        return source.get(key, "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": DRAFT_SCHEMA,
            "facts": self.facts.to_dict(),
            "sections": dict(self.sections),
            "mental_status": self.mental_status.to_dict(),
            "interventions": list(self.interventions),
            "measures": [m.to_dict() for m in self.measures],
            "risk": self.risk.to_dict(),
            "goals": [g.to_dict() for g in self.goals],
            "plan": self.plan.to_dict(),
            "group_part": dict(self.group_part),
            "tags": list(self.tags),
            "diagnoses": list(self.diagnoses),
            "objectives": [o.to_dict() for o in self.objectives],
            "plan_version": self.plan_version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "NoteDraft":
        data = data if isinstance(data, dict) else {}
        facts = SessionFacts.from_dict(data.get("facts"))
        return cls(
            facts=facts,
            # Older drafts also stored it at the top level (then authoritative, kept in step).
            template_key=str(data.get("template_key") or facts.template_key or ""),
            sections={str(k): str(v) for k, v in (data.get("sections") or {}).items()},
            mental_status=MentalStatus.from_dict(data.get("mental_status")),
            interventions=[str(x) for x in (data.get("interventions") or [])],
            measures=[MeasureScore.from_dict(m) for m in (data.get("measures") or [])],
            risk=RiskStatement.from_dict(data.get("risk")),
            goals=[GoalProgress.from_dict(g) for g in (data.get("goals") or [])],
            plan=Plan.from_dict(data.get("plan")),
            group_part={str(k): str(v) for k, v in (data.get("group_part") or {}).items()},
            # Drafts saved before carried "previous_scores" too; it is context, read afresh on open.
            tags=[str(t) for t in (data.get("tags") or [])],
            diagnoses=[str(d) for d in (data.get("diagnoses") or [])],
            objectives=[ObjectiveProgress.from_dict(o) for o in (data.get("objectives") or [])],
            plan_version=str(data.get("plan_version") or ""),
        )


def _template_key(draft: NoteDraft) -> str:
    return draft.facts.template_key


def _set_template_key(draft: NoteDraft, value: str) -> None:
    draft.facts = replace(draft.facts, template_key=value)


# Set after the dataclass is made, so the constructor keeps its plain ``template_key=""``.
NoteDraft.template_key = property(_template_key, _set_template_key)  # type: ignore[assignment]


def is_late_entry(facts: SessionFacts, signed_at: datetime, *, recorded_end: datetime | None = None) -> bool:
    """Whether a note signed at ``signed_at`` is a late entry (the rule is ``clock.is_late``).

    The session ended at the end its facts state (date, start, duration), or at the end
    the app recorded when that is earlier: moving the typed date later cannot hide a late
    note. ``signed_at`` and ``recorded_end`` are naive wall-clock time, like the facts; an
    aware datetime is refused rather than silently mis-compared.
    """
    if signed_at.tzinfo is not None or (recorded_end is not None and recorded_end.tzinfo is not None):
        raise ValueError("signed_at must be naive local time, like the session date and start time")
    try:
        start = datetime.fromisoformat(f"{facts.date}T{facts.start_time or '00:00'}")
    except ValueError as exc:
        raise ValueError(
            f"Session date/time {facts.date!r} {facts.start_time!r} is not a valid date and HH:MM"
        ) from exc
    ended = start + timedelta(minutes=max(facts.duration_min, 0))
    if recorded_end is not None:
        ended = min(ended, recorded_end)
    return is_late(ended, signed_at)
