"""Progress-note templates as data.

A template is an ordered list of sections. Each section says which jotting
categories feed it, so the write-up screen can offer the right jottings
first. Structured parts every note carries (facts, MSE, interventions list,
measures, risk statement, goals, plan fields) live on ``NoteDraft``, not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .shorthand import Category, Jotting

__all__ = [
    "BIRP",
    "BUILTIN_TEMPLATES",
    "DAP",
    "GIRP",
    "GROUP",
    "NARRATIVE",
    "PARTS",
    "SOAP",
    "OfferedJotting",
    "SectionSpec",
    "Template",
    "offer_jottings",
    "template_from_config",
    "templates_with",
]

# "note": an ordinary section; "group": the shared group part (names no
# member); "member": the individualized part of a group note.
PARTS: tuple[str, ...] = ("note", "group", "member")

C = Category


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    prompt: str = ""
    required: bool = False
    feeds: frozenset[Category] = frozenset()
    part: str = "note"

    def __post_init__(self) -> None:
        if Category.PRIVATE in self.feeds:
            # Private jottings are psychotherapy notes: no section may ask for them.
            raise ValueError(f"Section {self.title!r} cannot be fed by private jottings")
        if self.part not in PARTS:
            raise ValueError(f"Section {self.title!r}: part must be one of {', '.join(PARTS)}")

    def is_fed_by(self, jotting: Jotting) -> bool:
        return jotting.category in self.feeds


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    sections: tuple[SectionSpec, ...]
    group: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "sections", tuple(self.sections))
        keys = [s.key for s in self.sections]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"Template {self.key!r} has duplicate section keys: {', '.join(duplicates)}")

    def section(self, key: str) -> SectionSpec:
        for spec in self.sections:
            if spec.key == key:
                return spec
        raise KeyError(key)

    @property
    def group_sections(self) -> tuple[SectionSpec, ...]:
        return tuple(s for s in self.sections if s.part == "group")

    @property
    def member_sections(self) -> tuple[SectionSpec, ...]:
        return tuple(s for s in self.sections if s.part == "member")



def _s(key: str, title: str, prompt: str, required: bool, *feeds: Category, part: str = "note") -> SectionSpec:
    return SectionSpec(key, title, prompt, required, frozenset(feeds), part)


SOAP = Template(
    "soap",
    "SOAP",
    (
        _s("subjective", "Subjective", "What the client reported: concerns, mood in their words, events since last session.", True, C.QUOTE),
        _s("objective", "Objective", "What you observed: appearance, affect, behaviour; scores administered.", True, C.OBSERVATION),
        _s("assessment", "Assessment", "Your clinical impression, response to interventions, progress toward goals.", True, C.THEME, C.RESPONSE),
        _s("plan", "Plan", "Next session, homework, focus for next time, coordination.", True, C.HOMEWORK, C.QUESTION),
    ),
)

DAP = Template(
    "dap",
    "DAP",
    (
        _s("data", "Data", "What the client reported and what you observed.", True, C.QUOTE, C.OBSERVATION),
        _s("assessment", "Assessment", "Your interpretation: progress toward goals, response, clinical impression.", True, C.THEME, C.RESPONSE),
        _s("plan", "Plan", "Next session, homework, focus for next time.", True, C.HOMEWORK, C.QUESTION),
    ),
)

BIRP = Template(
    "birp",
    "BIRP",
    (
        _s("behavior", "Behavior", "What the client said and did: reports and your observations.", True, C.QUOTE, C.OBSERVATION),
        _s("intervention", "Intervention", "The methods you used toward the session's goals.", True, C.INTERVENTION),
        _s("response", "Response", "How the client responded to the interventions.", True, C.RESPONSE),
        _s("plan", "Plan", "Next session, homework, focus for next time.", True, C.HOMEWORK, C.QUESTION),
    ),
)

# GIRP has no Subjective/Data/Behavior home, so quotes and observations feed
# Response (the client's reaction is what they said and showed).
GIRP = Template(
    "girp",
    "GIRP",
    (
        _s("goals", "Goals", "The treatment-plan goals and objectives worked on today.", True, C.GOAL),
        _s("intervention", "Intervention", "The methods you used toward those goals.", True, C.INTERVENTION),
        _s("response", "Response", "How the client responded; progress toward the goals.", True, C.RESPONSE, C.QUOTE, C.OBSERVATION),
        _s("plan", "Plan", "Next session, homework, focus for next time.", True, C.HOMEWORK, C.QUESTION),
    ),
)

NARRATIVE = Template(
    "narrative",
    "Narrative",
    (
        _s(
            "narrative",
            "Session narrative",
            "The session in prose: presentation, content, interventions, response, assessment and plan.",
            True,
            C.QUOTE, C.OBSERVATION, C.INTERVENTION, C.RESPONSE, C.THEME, C.HOMEWORK, C.QUESTION,
        ),
    ),
)

# Headings of the individualized part follow the seeds' group-note forms.
GROUP = Template(
    "group",
    "Group",
    (
        _s("topic", "Group topic", "The session's topic or theme. Name no member.", True, C.THEME, part="group"),
        _s("group_interventions", "Group interventions", "Methods and exercises used with the group. Name no member.", True, C.INTERVENTION, part="group"),
        _s("dynamics", "Group dynamics", "How the group worked together today. Name no member.", True, part="group"),
        _s("new_issues", "New stressors, events or issues", "New stressors, extraordinary events or new issues the client presented today.", False, C.QUOTE, part="member"),
        _s("goals_addressed", "Goals and objectives addressed", "Goals and objectives from the client's plan addressed today.", True, C.GOAL, part="member"),
        _s("response", "Client's response to interventions", "The client's response to interventions in relation to their goals and objectives.", True, C.RESPONSE, part="member"),
        _s("plan", "Plan", "Additional information regarding the plan for this client.", True, C.HOMEWORK, C.QUESTION, part="member"),
        _s("engagement", "How the client engaged with the group", "Participation, contributions, role in the group.", True, C.OBSERVATION, part="member"),
        _s("group_response", "How the group responded to the client", "Was the group receptive? Identify no other member.", False, part="member"),
        _s("influence", "How each influenced the other", "How the client influenced the group and the group the client.", False, part="member"),
    ),
    group=True,
)

# The first session: a psychiatric diagnostic evaluation (CPT 90791). Mental status rides
# with the observations, risk has its own step, diagnoses come from the treatment plan.
INTAKE = Template(
    "intake",
    "Intake",
    (
        _s("presenting_problem", "Presenting problem",
           "Why the client came now, in their words: concerns, onset, duration, what they hope for.", True, C.QUOTE),
        _s("history", "History",
           "Psychiatric and treatment history, medical and medications, substance use, family and social "
           "history, trauma, strengths.", True),
        _s("observations", "Mental status and observations",
           "What you observed: appearance, behaviour, speech, mood and affect, thought, cognition, insight.",
           True, C.OBSERVATION),
        _s("assessment", "Assessment and diagnosis",
           "Your formulation: the diagnosis and what supports it, severity, what maintains the problem.",
           True, C.THEME, C.RESPONSE),
        _s("plan", "Initial plan",
           "Recommended treatment, frequency, first goals and objectives, referrals, homework.",
           True, C.INTERVENTION, C.HOMEWORK, C.QUESTION),
    ),
)

# The last note: why treatment ends, how far each goal came (the goal ratings, and the
# measures' first and last scores, which the note states beside them), what comes next.
DISCHARGE = Template(
    "discharge",
    "Discharge summary",
    (
        _s("reason", "Reason for discharge",
           "Goals met, client's choice, moved, referred on, lost to follow-up; and how it was agreed.", True, C.QUOTE),
        _s("course", "Course and progress",
           "Treatment provided and the progress on each goal, with the first and last scores.",
           True, C.OBSERVATION, C.RESPONSE, C.THEME, C.INTERVENTION),
        _s("plan", "Recommendations and referrals",
           "Aftercare, relapse prevention, referrals made, how to return.", True, C.HOMEWORK, C.QUESTION),
    ),
)

BUILTIN_TEMPLATES: dict[str, Template] = {t.key: t for t in (SOAP, DAP, BIRP, GIRP, NARRATIVE, GROUP, INTAKE, DISCHARGE)}


# --- custom templates from TOML ----------------------------------------------

_KEY_RE = re.compile(r"[a-z][a-z0-9_]*")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def template_from_config(key: str, table: Mapping[str, Any]) -> Template:
    """Build a custom template from a TOML table::

        [templates.intake_followup]
        name = "Follow-up"
        group = false
        [[templates.intake_followup.sections]]
        title = "Presenting concerns"
        prompt = "What brought them in today"
        required = true
        feeds = ["quote", "observation"]
        # optional: key = "concerns", part = "note" | "group" | "member"
    """
    where = f"template {key!r}"
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise ValueError(f"Template key {key!r} must be lower-case letters, digits and _ (starting with a letter)")
    if not isinstance(table, Mapping):
        raise ValueError(f"{where}: expected a table, got {type(table).__name__}")
    known = {"name", "group", "sections"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ValueError(f"{where}: unknown setting(s) {', '.join(unknown)}; expected name, group, sections")
    name = table.get("name", key)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: name must be non-empty text")
    group = table.get("group", False)
    if not isinstance(group, bool):
        raise ValueError(f"{where}: group must be true or false, got {group!r}")
    raw_sections = table.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise ValueError(f"{where}: needs a non-empty list of [[sections]]")

    sections: list[SectionSpec] = []
    for number, raw in enumerate(raw_sections, start=1):
        here = f"{where}, section {number}"
        if not isinstance(raw, Mapping):
            raise ValueError(f"{here}: expected a table, got {type(raw).__name__}")
        extra = sorted(set(raw) - {"key", "title", "prompt", "required", "feeds", "part"})
        if extra:
            raise ValueError(f"{here}: unknown setting(s) {', '.join(extra)}")
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ValueError(f"{here}: title must be non-empty text")
        here = f"{where}, section {number} ({title.strip()!r})"
        section_key = raw.get("key", _slug(title))
        if not isinstance(section_key, str) or not _KEY_RE.fullmatch(section_key):
            raise ValueError(f"{here}: cannot make a section key from it; give key = \"lower_case_name\"")
        prompt = raw.get("prompt", "")
        if not isinstance(prompt, str):
            raise ValueError(f"{here}: prompt must be text")
        required = raw.get("required", False)
        if not isinstance(required, bool):
            raise ValueError(f"{here}: required must be true or false, got {required!r}")
        feeds_raw = raw.get("feeds", [])
        if isinstance(feeds_raw, str) or not isinstance(feeds_raw, list):
            raise ValueError(f"{here}: feeds must be a list of category names")
        feeds: set[Category] = set()
        for name_ in feeds_raw:
            try:
                category = Category(str(name_).strip().lower())
            except ValueError:
                choices = ", ".join(c.value for c in Category if c not in (C.PRIVATE, C.PLAIN))
                raise ValueError(f"{here}: unknown category {name_!r}; expected one of: {choices}") from None
            if category is C.PRIVATE:
                raise ValueError(f"{here}: private jottings never feed a note section")
            feeds.add(category)
        part = raw.get("part", "member" if group else "note")
        if part not in PARTS or (group and part == "note") or (not group and part != "note"):
            allowed = "group or member" if group else "note"
            raise ValueError(f"{here}: part must be {allowed}, got {part!r}")
        sections.append(SectionSpec(section_key, title.strip(), prompt, required, frozenset(feeds), part))

    try:
        return Template(key, name.strip(), tuple(sections), group)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def templates_with(custom: Mapping[str, Any] | None) -> dict[str, Template]:
    """Built-ins plus custom templates (TOML tables or Template objects).

    A custom template with a built-in's key replaces it, like other config.
    """
    result = dict(BUILTIN_TEMPLATES)
    for key, value in (custom or {}).items():
        result[key] = value if isinstance(value, Template) else template_from_config(key, value)
    return result


# --- offering jottings ---------------------------------------------------------


@dataclass(frozen=True)
class OfferedJotting:
    jotting: Jotting
    feeds: bool  # belongs to this section: show flagged
    carryable: bool  # False for private: shown for memory, never insertable


def offer_jottings(jottings: Iterable[Jotting], section: SectionSpec) -> list[OfferedJotting]:
    """Jottings in offer order, each marked.

    Order: those feeding the section; then risk (always surfaced); then the
    rest; private last. Typed order is kept within each group.
    """

    def rank(j: Jotting) -> int:
        if j.category is C.PRIVATE:
            return 3
        if section.is_fed_by(j):
            return 0
        if j.category is C.RISK:
            return 1
        return 2

    ordered = sorted(jottings, key=rank)  # stable sort keeps typed order
    return [OfferedJotting(j, section.is_fed_by(j), j.carryable) for j in ordered]

