"""Where each jotting goes in a note: the one place the write-up asks.

A jotting is either offered in a template section (flagged ◆ when its marker
feeds that section), or prefilled into a structured part every note carries:
interventions, measures, risk, goals, the plan's homework and next focus, and
the note's tags. A category that is prefilled into a structured part is not
also flagged in a section, so a SOAP note does not state its homework twice.

In a group note a line about one member (``@CODE``/``@initials``, or naming
them) is offered only in that member's individualized part; a line naming no
one only in the shared part. Risk lines are always surfaced: a member's Risk
step shows their own ``!`` lines and the group's unattributed ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .group import AMBIGUOUS, MemberIdentity, member_of
from .shorthand import Category, Jotting, strip_tags
from .templates import OfferedJotting, SectionSpec, Template

__all__ = [
    "PREFILLED",
    "destinations",
    "jottings_for_member",
    "note_tags",
    "offers",
    "risk_jottings",
    "section_feeds",
]

# category -> the structured part it is prefilled into.
PREFILLED: dict[Category, str] = {
    Category.INTERVENTION: "interventions",
    Category.MEASURE: "measures",
    Category.RISK: "risk",
    Category.GOAL: "goals",
    Category.HOMEWORK: "plan.homework",
    Category.QUESTION: "plan.focus",
}
# Prefilled into the plan fields (or the measures) and therefore not flagged in a section
# too: they would be said twice. Goal lines are flagged in a goals section (GIRP's Goals,
# a group's goals addressed): that section is where the goal work is written.
_NOT_IN_SECTIONS = frozenset({Category.HOMEWORK, Category.QUESTION, Category.MEASURE})


def section_feeds(spec: SectionSpec, template: Template | None = None) -> frozenset[Category]:
    """The categories flagged ◆ in this section.

    Where a template has no home for clinical impressions (``*``) in this part (BIRP,
    GIRP, a group member's part), they go with the client's response, as clinicians
    write them there.
    """
    feeds = spec.feeds - _NOT_IN_SECTIONS
    if template is not None and Category.RESPONSE in feeds and Category.THEME not in feeds:
        same_part = [s for s in template.sections if s.part == spec.part]
        if not any(Category.THEME in s.feeds for s in same_part):
            first_response = next(s for s in same_part if Category.RESPONSE in s.feeds)
            if first_response.key == spec.key:
                feeds |= {Category.THEME}
    return feeds


def _visible(jotting: Jotting, part: str, member: MemberIdentity | None,
             members: Sequence[MemberIdentity]) -> bool:
    """May this group jotting be shown in this part at all?"""
    if not members:
        return True
    owner = member_of(jotting, members)
    if part == "group":
        return owner is None
    if member is None:
        return owner is None
    return owner == member.code


def offers(jottings: Iterable[Jotting], section: SectionSpec, *, member: MemberIdentity | None = None,
           members: Sequence[MemberIdentity] = (), template: Template | None = None) -> list[OfferedJotting]:
    """The jottings shown beside a section, in offer order, each marked.

    Order: those feeding the section; then risk; then the rest; private last (shown
    for memory, never insertable). In a group note only the lines this part may hold.
    """
    feeds = section_feeds(section, template)

    def rank(j: Jotting) -> int:
        if j.category is Category.PRIVATE:
            return 3
        if j.category in feeds:
            return 0
        if j.category is Category.RISK:
            return 1
        return 2

    shown = [j for j in jottings if j.text.strip() and _visible(j, section.part, member, members)]
    shown.sort(key=rank)  # stable: typed order within a rank
    return [OfferedJotting(j, j.category in feeds, j.carryable) for j in shown]


# A group line naming no one still applies to each member for these: the whole group
# did the exercise, got the homework, has the question for next time.
_SHARED_PREFILL = frozenset({Category.INTERVENTION, Category.HOMEWORK, Category.QUESTION})


def jottings_for_member(jottings: Iterable[Jotting], member: MemberIdentity | None,
                        members: Sequence[MemberIdentity]) -> list[Jotting]:
    """The lines a member's note may be prefilled from: their own, and the group's
    interventions, homework and questions that name no one. Another member's line,
    or a score or risk line about no one, never prefills this member's note.
    Without members (an individual session), all of them."""
    if not members or member is None:
        return list(jottings)
    out = []
    for jotting in jottings:
        owner = member_of(jotting, members)
        if owner == member.code or (owner is None and jotting.category in _SHARED_PREFILL):
            out.append(jotting)
    return out


def risk_jottings(jottings: Iterable[Jotting], *, member: MemberIdentity | None = None,
                  members: Sequence[MemberIdentity] = ()) -> list[Jotting]:
    """Every ``!`` line the Risk step must show: all of them in an individual note; in a
    group, the member's own and those about no one (surfaced, never prefilled)."""
    out = []
    for jotting in jottings:
        if jotting.category is not Category.RISK:
            continue
        owner = member_of(jotting, members) if members and member is not None else None
        if owner is None or owner == member.code:  # type: ignore[union-attr]
            out.append(jotting)
    return out


def destinations(jotting: Jotting, template: Template, *, member: MemberIdentity | None = None,
                 members: Sequence[MemberIdentity] = ()) -> set[str]:
    """Where this jotting lands (◆ offer or prefill) in one member's write-up.

    Section destinations are ``part:key`` ("note:subjective", "group:topic",
    "member:response"); structured ones are the PREFILLED names and "tags".
    A plain line with no marker is "free" where it may be placed by hand. Private
    lines have no destination at all.
    """
    if not jotting.carryable or not jotting.text.strip():
        return set()
    out: set[str] = set()
    owner = member_of(jotting, members) if members else None
    own = not members or owner == (member.code if member else None)
    shared = bool(members) and owner is None
    if jotting.tags and (own or shared):
        out.add("tags")
    if jotting.category is Category.TAG and not strip_tags(jotting.body):
        return out  # "#grief #work": tags only
    for spec in template.sections:
        if not _visible(jotting, spec.part, member, members):
            continue
        if jotting.category in section_feeds(spec, template):
            out.add(f"{spec.part}:{spec.key}")
    structured = PREFILLED.get(jotting.category)
    if structured is not None and owner != AMBIGUOUS:
        if own:
            out.add(structured)
        elif shared and (jotting.category in _SHARED_PREFILL or jotting.category is Category.RISK):
            # A risk line about no one is still surfaced to each member; an intervention,
            # homework or question for the whole group applies to each member.
            out.add(structured)
    if jotting.category in (Category.PLAIN, Category.TAG) and not out - {"tags"}:
        parts = {spec.part for spec in template.sections if _visible(jotting, spec.part, member, members)}
        out |= {f"free:{part}" for part in parts}
    return out


def note_tags(jottings: Iterable[Jotting]) -> list[str]:
    """The note's tags: every ``#word`` of the carryable lines, first-typed order.
    A private line's tags stay in the vault with it."""
    seen: dict[str, None] = {}
    for jotting in jottings:
        if jotting.carryable:
            for tag in jotting.tags:
                seen.setdefault(tag, None)
    return list(seen)
