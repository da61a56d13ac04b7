"""The write-up's steps: which template sections and structured parts go on each.

The structured parts every note carries (session facts, measures, mental status,
interventions, goals, plan, risk) ride along with the template section a clinician
fills them next to, so an individual SOAP, DAP, BIRP or GIRP note takes at most 7
steps, each with its own name. A group note has the shared part once (facts and the
group part, while no member's note is signed), then 4 steps per member.
"""

from __future__ import annotations

from dataclasses import dataclass

from .shorthand import Category
from .templates import SectionSpec, Template

__all__ = ["Step", "plan_steps"]

MAX_INDIVIDUAL_STEPS = 7

# Parts: "facts", "measures", "mse", "interventions", "goals", "plan", "risk", "review",
# and "section:<key>" for a template section.


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    parts: tuple[str, ...]


def _first(sections: list[SectionSpec], *categories: Category) -> SectionSpec | None:
    for category in categories:
        for spec in sections:
            if category in spec.feeds:
                return spec
    return None


def _unique(steps: list[Step]) -> list[Step]:
    seen: dict[str, int] = {}
    out = []
    for step in steps:
        count = seen.get(step.title.casefold(), 0)
        seen[step.title.casefold()] = count + 1
        out.append(step if not count else Step(step.key, f"{step.title} ({count + 1})", step.parts))
    return out


def _individual(template: Template) -> list[Step]:
    sections = [s for s in template.sections if s.part == "note"]
    attach: dict[str, list[str]] = {s.key: [] for s in sections}
    extra: list[Step] = []
    if sections:
        mse = _first(sections, Category.OBSERVATION, Category.QUOTE) or sections[0]
        attach[mse.key].append("mse")
        interventions = _first(sections, Category.INTERVENTION, Category.RESPONSE, Category.THEME) or sections[0]
        attach[interventions.key].append("interventions")
        goals = _first(sections, Category.GOAL, Category.RESPONSE, Category.THEME) or sections[-1]
        attach[goals.key].append("goals")
        plan = next((s for s in sections if s.key == "plan"), None) or _first(
            [s for s in sections if len(s.feeds) <= 2], Category.HOMEWORK, Category.QUESTION)
        if plan is not None:
            attach[plan.key].append("plan")
        else:
            extra.append(Step("plan", "Plan", ("plan",)))
    else:
        extra.append(Step("plan", "Plan", ("mse", "interventions", "goals", "plan")))
    section_steps = [Step(s.key, s.title, (f"section:{s.key}", *attach[s.key])) for s in sections]
    # At most MAX_INDIVIDUAL_STEPS: a section no jotting feeds (the intake's History) shares
    # the step before it, e.g. "Presenting problem and history".
    room = MAX_INDIVIDUAL_STEPS - 3 - len(extra)  # Session, Risk, Review
    feeds = {s.key: s.feeds for s in sections}
    while len(section_steps) > max(1, room):
        index = next((i for i, st in enumerate(section_steps) if i and not feeds[st.key]), None)
        if index is None:
            break  # every section is fed: more steps rather than a section hidden in another
        before, merged = section_steps[index - 1], section_steps[index]
        section_steps[index - 1:index + 1] = [Step(before.key, f"{before.title} and {merged.title.lower()}",
                                                   before.parts + merged.parts)]
    steps = [Step("facts", "Session", ("facts", "measures"))]
    steps += section_steps
    steps += extra
    steps += [Step("risk", "Risk", ("risk",)), Step("review", "Review and sign", ("review",))]
    return _unique(steps)


def _group(template: Template, *, shared: bool) -> list[Step]:
    group = [s for s in template.sections if s.part == "group"]
    member = [s for s in template.sections if s.part == "member"]
    keys = {s.key for s in member}
    in_group = [k for k in ("engagement", "group_response", "influence") if k in keys]
    progress = [s.key for s in member if s.key not in in_group]
    if not in_group and member:  # a custom group template: split its member sections in two
        half = max(1, len(member) // 2)
        in_group, progress = [s.key for s in member[:half]], [s.key for s in member[half:]]
    steps: list[Step] = []
    if shared:
        steps.append(Step("facts", "Session (whole group)", ("facts",)))
        if group:
            steps.append(Step("group", "Group part (names no one)", tuple(f"section:{s.key}" for s in group)))
    progress_parts = [f"section:{k}" for k in progress]
    # The goal ratings sit with the goals addressed, the plan fields with the Plan section.
    after_goals = progress_parts.index("section:goals_addressed") + 1 if "goals_addressed" in progress else 0
    progress_parts.insert(after_goals, "goals")
    after_plan = progress_parts.index("section:plan") + 1 if "plan" in progress else len(progress_parts)
    progress_parts.insert(after_plan, "plan")
    steps += [
        Step("member-group", "In the group", (*[f"section:{k}" for k in in_group], "mse", "interventions")),
        Step("member-progress", "Progress and plan", tuple(progress_parts)),
        Step("risk", "Measures and risk", ("measures", "risk")),
        Step("review", "Review and sign", ("review",)),
    ]
    return _unique(steps)


def plan_steps(template: Template, *, shared: bool = True) -> list[Step]:
    """The steps for this template. ``shared``: a group note also shows the shared part
    (False once another member's note is signed: the shared part is then settled)."""
    return _group(template, shared=shared) if template.group else _individual(template)
