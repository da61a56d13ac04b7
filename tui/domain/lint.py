"""Note lint: what must be fixed before signing, and what needs a second look.

An *error* blocks signing; a *warning* needs the clinician's acknowledgement.
Rule ids are stable strings (stored with acknowledgements), never renamed.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from collections.abc import Sequence
from datetime import date, datetime
from typing import Iterable, Literal, Protocol

from .group import MemberIdentity
from . import session_billing
from .models import MSE_FIELDS, MSE_WNL, NoteDraft
from .session_facts import end_time_for, signed_before_end
from .session_facts import problems as fact_problems
from .shorthand import Category, parse_jotting
from .templates import Template

__all__ = [
    "JUDGEMENTAL_TERMS",
    "PRIVATE_MIN_CHARS",
    "REPEAT_MIN_CHARS",
    "REPEAT_RATIO",
    "RULES",
    "Finding",
    "lint_note",
    "note_texts",
    "plan_fields_answer",
]

Level = Literal["error", "warning"]

# rule id -> level. The ids are part of the stored data; add, never rename.
RULES: dict[str, Level] = {
    "risk.missing": "error",
    "risk.endorsed-no-detail": "error",
    "risk.safety-plan": "error",
    "risk.phq9-item9": "error",
    "section.required-empty": "error",
    "private.in-note": "error",
    "group.other-member": "error",
    "language.judgemental": "warning",
    "section.repeats": "warning",
    "interventions.missing": "warning",
    "plan.missing": "warning",
    "goals.no-status": "warning",
    "risk.incomplete": "error",
    "risk.level-missing": "error",
    "risk.si-protective": "error",
    "risk.si-safety-plan": "error",
    "facts.invalid": "error",
    "facts.signed-before-end": "error",
    "mental-status.contradicts": "warning",
    "risk.cssrs-positive": "error",
    "risk.cssrs-level": "warning",
    "billing.impossible": "error",
    "billing.cpt-differs": "warning",
    "billing.telehealth-location": "warning",
    # The treatment plan (issue 13 item 2).
    "interventions.unlinked": "warning",
    "treatment-plan.unsigned": "warning",
    "treatment-plan.review-overdue": "warning",
}

# Risk levels low to high, by the C-SSRS screen's level (1 low, 2 moderate, 3 high).
RISK_ORDER: tuple[str, ...] = ("", "low", "moderate", "high")

# A private jotting shorter than this is not searched for: short fragments
# ("tired", "angry at dad") are ordinary clinical words that would appear in
# honest notes and block signing for nothing, and so little text carries
# little of the reflection. Longer bodies are distinctive enough to match.
PRIVATE_MIN_CHARS = 12

REPEAT_MIN_CHARS = 20
REPEAT_RATIO = 0.9

# term -> suggestion. Matched as whole words, case-insensitive.
JUDGEMENTAL_TERMS: dict[str, str] = {
    "manipulative": "describe the behaviour observed",
    "attention-seeking": "describe what the client did and its effect",
    "attention seeking": "describe what the client did and its effect",
    "noncompliant": "say what was not done, e.g. 'did not complete homework'",
    "non-compliant": "say what was not done, e.g. 'did not complete homework'",
    "lazy": "describe the difficulty, e.g. 'low energy', 'difficulty initiating tasks'",
    "crazy": "describe the symptoms observed",
    "hysterical": "describe affect and behaviour, e.g. 'tearful, raised voice'",
    "drug abuser": "use person-first language, e.g. 'person who uses drugs'",
    "addict": "use person-first language, e.g. 'person with a substance use disorder'",
    "junkie": "use person-first language",
    "alcoholic": "use person-first language, e.g. 'person with alcohol use disorder'",
    "whining": "quote or describe what the client said",
    "whiny": "quote or describe what the client said",
    "refused to": "say 'declined to' and give the client's reason if stated",
    "claims": "say 'reports' or 'states'",
    "claimed": "say 'reported' or 'stated'",
    "in denial": "describe what the client said about the problem",
    "unmotivated": "describe the ambivalence or barriers observed",
    "resistant": "describe what happened, e.g. 'declined the exercise'",
    "difficult patient": "describe the behaviour observed",
    "difficult client": "describe the behaviour observed",
    "demanding": "describe the requests made",
    "needy": "describe the behaviour observed",
    "dramatic": "describe affect and behaviour",
    "psycho": "describe the symptoms observed",
    "nuts": "describe the symptoms observed",
}


@dataclass(frozen=True)
class Finding:
    level: Level
    rule: str
    message: str
    section: str | None = None

    @property
    def blocks_signing(self) -> bool:
        return self.level == "error"


class PlanState(Protocol):
    """What lint reads of the treatment plan in force (services.treatment_plan.PlanStatus)."""

    version: int  # 0: never signed
    unsigned_changes: bool
    review_due: str
    review: str  # "" | "due soon" | "overdue"


def _finding(rule: str, message: str, section: str | None = None) -> Finding:
    return Finding(RULES[rule], rule, message, section)


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def _phrase_re(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


_JUDGEMENTAL_RES = [(term, _phrase_re(term)) for term in JUDGEMENTAL_TERMS]
# The client's own words, in quotation marks, are recorded verbatim and not judged.
_QUOTED_RE = re.compile(r'"[^"\n]*"|\u201c[^\u201d\n]*\u201d')


def note_texts(draft: NoteDraft, template: Template) -> list[tuple[str, str, str]]:
    """Every piece of free text in the note as (section key, title, text)."""
    out: list[tuple[str, str, str]] = []
    known: set[str] = set()
    for spec in template.sections:
        out.append((spec.key, spec.title, draft.text_for(spec.key, spec.part)))
        if spec.part != "group":
            known.add(spec.key)
    # Text under a key the template lacks (e.g. template switched) still goes on the record.
    for key in sorted(set(draft.sections) - known):
        out.append((key, key, draft.sections[key]))
    mse = "\n".join(f"{label}: {text}" for label, text in draft.mental_status.items() if text.strip())
    out.append(("mental_status", "Mental status", mse))
    out.append(("interventions", "Interventions", "\n".join(draft.interventions)))
    r = draft.risk
    out.append(("risk", "Risk", "\n".join([r.si_detail, r.hi_detail, r.self_harm_detail, r.protective_factors])))
    out.append(("goals", "Goals", "\n".join([*(f"{g.label}\n{g.evidence}" for g in draft.goals),
                                             *(o.evidence for o in draft.objectives)])))
    p = draft.plan
    out.append(("plan", "Plan", "\n".join([p.next_session, p.homework, p.next_focus, p.coordination])))
    return out


def _risk_findings(draft: NoteDraft, risk_jottings: Sequence[str] = ()) -> Iterable[Finding]:
    risk = draft.risk
    if not risk.is_stated:
        yield _finding(
            "risk.missing",
            "No risk statement: record SI, HI and self-harm (even when denied) and a risk level.",
            "risk",
        )
    for label, status, detail in (
        ("SI", risk.si, risk.si_detail),
        ("HI", risk.hi, risk.hi_detail),
        ("Self-harm", risk.self_harm, risk.self_harm_detail),
    ):
        if status == "endorsed" and not detail.strip():
            yield _finding(
                "risk.endorsed-no-detail",
                f"{label} is endorsed but not described: add ideation, plan, intent, means and timing.",
                "risk",
            )
    if risk.level in ("moderate", "high") and not risk.safety_plan_reviewed:
        yield _finding(
            "risk.safety-plan",
            f"Risk level is {risk.level} but no safety plan review is recorded.",
            "risk",
        )
    for score in draft.measures:
        if score.item9_flag and not risk.si_detail.strip():
            yield _finding(
                "risk.phq9-item9",
                f"PHQ-9 item 9 scored {score.item9}: the risk statement must address it (add SI detail).",
                "risk",
            )
            break
    # A positive C-SSRS screen (any yes) is held to the same rule as PHQ-9 item 9.
    for score in draft.measures:
        if score.cssrs_positive and not risk.si_detail.strip():
            yield _finding(
                "risk.cssrs-positive",
                f"{score.risk_flag_text()}: the risk statement must address it (add SI detail).",
                "risk",
            )
            break
    for score in draft.measures:
        # The screen's triage is a floor the clinician may overrule with reasons, not a verdict.
        if score.cssrs_positive and risk.level in RISK_ORDER[1:] and RISK_ORDER.index(risk.level) < score.total:
            yield _finding(
                "risk.cssrs-level",
                f"The C-SSRS screen indicates {score.band} but the risk level stated is {risk.level}: "
                "confirm the level, and say in the SI detail why it differs.",
                "risk",
            )
            break
    flagged = any(text.strip() for text in risk_jottings) or any(s.risk_flag for s in draft.measures)
    if flagged and risk.is_stated:
        # Risk came up in session: a partial statement ("HI and self-harm not assessed.
        # Risk level not stated.") is not an assessment. Each area is denied, described,
        # or says why it was not assessed; and a level is stated.
        for label, status, detail in (
            ("SI", risk.si, risk.si_detail),
            ("HI", risk.hi, risk.hi_detail),
            ("Self-harm", risk.self_harm, risk.self_harm_detail),
        ):
            if status == "not assessed" and not detail.strip():
                yield _finding(
                    "risk.incomplete",
                    f"Risk came up this session but {label} is not addressed: mark it denied or endorsed, "
                    f"or give the reason it was not assessed in the {label} detail.",
                    "risk",
                )
        if not risk.level:
            yield _finding("risk.level-missing",
                           "Risk came up this session: state the risk level (low, moderate or high).", "risk")
    # SI present (issue 11 item 1): the protective factors and the safety plan are stated too,
    # whether or not a `!` line was jotted; endorsing SI is itself risk coming up.
    if risk.si == "endorsed":
        if not risk.protective_factors.strip():
            yield _finding("risk.si-protective",
                           "SI is endorsed: record the protective factors (or that none were identified).", "risk")
        if not risk.safety_plan:
            yield _finding("risk.si-safety-plan",
                           "SI is endorsed: say whether a safety plan was made, reviewed, or not made.", "risk")


def plan_fields_answer(draft: NoteDraft, template: Template, key: str) -> bool:
    """An individual note's Plan section is answered by the plan fields shown under it (the
    homework and the next focus are stated there once, not twice). A group member's Plan is
    "additional information" and still needs its own text."""
    return key == "plan" and not template.group and bool(draft.plan.homework.strip() or draft.plan.next_focus.strip())


def _required_findings(draft: NoteDraft, template: Template) -> Iterable[Finding]:
    for spec in template.sections:
        if (spec.required and not draft.text_for(spec.key, spec.part).strip()
                and not plan_fields_answer(draft, template, spec.key)):
            yield _finding("section.required-empty", f"{spec.title} is required and empty.", spec.key)


def _private_bodies(private_jottings: Iterable[str]) -> list[str]:
    bodies = []
    for raw in private_jottings:
        parsed = parse_jotting(raw)
        # Accept either the typed line ("~ ...") or the bare body.
        body = parsed.body if parsed.category is Category.PRIVATE else raw
        normal = _normalise(body)
        if len(normal) >= PRIVATE_MIN_CHARS:
            bodies.append(normal)
    return bodies


def _private_findings(texts: list[tuple[str, str, str]], private_jottings: Iterable[str]) -> Iterable[Finding]:
    bodies = _private_bodies(private_jottings)
    if not bodies:
        return
    for key, title, text in texts:
        normal = _normalise(text)
        if any(body in normal for body in bodies):
            # The message never repeats the private text: findings may be logged.
            yield _finding(
                "private.in-note",
                f"{title} contains text from a private jotting (~). Psychotherapy notes stay out of the record.",
                key,
            )


def _member_findings(texts: list[tuple[str, str, str]], other_members: Iterable[str]) -> Iterable[Finding]:
    patterns = [(m.strip(), _phrase_re(m.strip())) for m in other_members if m and m.strip()]
    for key, title, text in texts:
        for member, pattern in patterns:
            if pattern.search(text):
                yield _finding(
                    "group.other-member",
                    f"{title} names another group member ({member}). Refer to others without identifying them.",
                    key,
                )


def _identity_findings(texts: list[tuple[str, str, str]], template: Template,
                       members: Sequence[MemberIdentity], member: MemberIdentity | None) -> Iterable[Finding]:
    """Each individualized part against every *other* member's code, names, initials and
    title + surname; the shared group part against every member, this one included."""
    if not members:
        return
    shared = {spec.key for spec in template.sections if spec.part == "group"}
    for key, title, text in texts:
        if not text.strip():
            continue
        in_shared = key in shared
        for other in members:
            if not in_shared and member is not None and other.code == member.code:
                continue
            kind = other.named_in(text)
            if not kind:
                continue
            # Say which kind of identifier, never the identifier itself: the message may be
            # shown on another member's screen or logged.
            where = "the shared group part" if in_shared else "this member's part"
            yield _finding(
                "group.other-member",
                f"{title} ({where}) identifies a group member by {kind} ({other.code}). "
                "Refer to other members without identifying them.",
                key,
            )


# MSE "within normal limits" wording vs words in the note that contradict it.
_MSE_CONTRADICTIONS: dict[str, tuple[str, ...]] = {
    "appearance": ("dishevelled", "disheveled", "unkempt", "poor hygiene", "malodorous"),
    "behaviour": ("psychomotor slowing", "psychomotor retardation", "psychomotor agitation", "agitated",
                  "restless", "fidgety", "fidgeting", "poor eye contact", "avoided eye contact", "guarded"),
    "speech": ("pressured speech", "slowed speech", "slow speech", "slurred", "monotone", "rapid speech",
               "soft speech", "latency"),
    "mood": ("depressed", "low mood", "anxious", "irritable", "dysphoric", "euphoric", "sad"),
    "affect": ("flat affect", "blunted", "restricted affect", "constricted", "labile", "tearful", "incongruent"),
    "thought_process": ("tangential", "circumstantial", "loose associations", "flight of ideas",
                        "disorganised", "disorganized", "thought blocking"),
    "thought_content": ("delusion", "paranoid", "obsessions", "preoccupied"),
    "orientation": ("disoriented", "disorientated", "confused"),
    "insight": ("poor insight", "limited insight", "lacks insight"),
    "judgement": ("poor judgement", "poor judgment", "impaired judgement", "impulsive"),
}
# One alternation per MSE field, compiled once: lint runs on every visit to Review.
_MSE_CONTRADICTION_RES = {
    key: re.compile(r"(?<!\w)(" + "|".join(r"\s+".join(re.escape(w) for w in word.split()) for word in words)
                    + r")(?!\w)", re.IGNORECASE)
    for key, words in _MSE_CONTRADICTIONS.items()
}
_NEGATION_RE = re.compile(r"(?:\bno|\bnot|\bdenies|\bwithout|\bnor)\W+(?:\w+\W+){0,2}$", re.IGNORECASE)


def _mse_findings(draft: NoteDraft, template: Template) -> Iterable[Finding]:
    prose = "\n".join(draft.text_for(spec.key, spec.part) for spec in template.sections)
    if not prose.strip():
        return
    unquoted = _QUOTED_RE.sub(" ", prose)
    for key, label in MSE_FIELDS:
        value = getattr(draft.mental_status, key)
        if _normalise(value) != _normalise(MSE_WNL[key]):
            continue
        pattern = _MSE_CONTRADICTION_RES.get(key)
        if pattern is None:
            continue
        for found in pattern.finditer(unquoted):
            if _NEGATION_RE.search(unquoted[max(0, found.start() - 40):found.start()]):
                continue
            word = " ".join(found.group(1).split()).lower()
            yield _finding(
                "mental-status.contradicts",
                f"Mental status {label.lower()} says '{MSE_WNL[key]}' but the note says '{word}': "
                "correct one of them.",
                "mental_status",
            )
            break


def _facts_findings(draft: NoteDraft, today: date | None, now: datetime | None) -> Iterable[Finding]:
    for problem in fact_problems(draft.facts, today=today):
        yield _finding("facts.invalid", problem, "facts")
    if now is not None and signed_before_end(draft.facts, now):
        end = end_time_for(draft.facts.start_time, draft.facts.duration_min)
        yield _finding(
            "facts.signed-before-end",
            f"The session as stated ends at {draft.facts.date} {end}, after now: a note cannot be signed "
            "before its session ends. Check the date, start and duration.",
            "facts",
        )
    # Billing facts (issue 13 item 3): what no claim can carry blocks signing; a typed code
    # other than the one the facts call for, or telehealth without the client's location, is asked about.
    for problem in session_billing.problems(draft.facts):
        yield _finding("billing.impossible", problem, "facts")
    for rule, message in session_billing.warnings(draft.facts):
        yield _finding(rule, message, "facts")


def _judgemental_findings(texts: list[tuple[str, str, str]]) -> Iterable[Finding]:
    for key, title, text in texts:
        unquoted = _QUOTED_RE.sub(" ", text)
        for term, pattern in _JUDGEMENTAL_RES:
            if pattern.search(unquoted):
                yield _finding(
                    "language.judgemental",
                    f"{title}: '{term}' reads as judgemental; {JUDGEMENTAL_TERMS[term]}.",
                    key,
                )


# Review lints on every visit; unchanged sections need not be compared again (the full
# ratio is quadratic in the text). Keyed by a digest, never the text: no note text outlives a
# lock in this cache. Bounded: cleared when full.
_SIMILAR_CACHE: dict[bytes, bool] = {}


def _similar(a: str, b: str) -> bool:
    key = hashlib.blake2b(f"{len(a)}:{a}\x00{b}".encode("utf-8", "surrogatepass"), digest_size=16).digest()
    found = _SIMILAR_CACHE.get(key)
    if found is None:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        found = (matcher.real_quick_ratio() >= REPEAT_RATIO and matcher.quick_ratio() >= REPEAT_RATIO
                 and matcher.ratio() >= REPEAT_RATIO)
        if len(_SIMILAR_CACHE) > 512:
            _SIMILAR_CACHE.clear()
        _SIMILAR_CACHE[key] = found
    return found


def _repeat_findings(draft: NoteDraft, template: Template) -> Iterable[Finding]:
    seen: list[tuple[str, str, str]] = []
    for spec in template.sections:
        normal = _normalise(draft.text_for(spec.key, spec.part))
        if len(normal) < REPEAT_MIN_CHARS:
            continue
        for key, title, other in seen:
            if normal == other or _similar(other, normal):
                yield _finding("section.repeats", f"{spec.title} repeats {title}.", spec.key)
                break
        seen.append((spec.key, spec.title, normal))


def _carry_findings(draft: NoteDraft, template: Template) -> Iterable[Finding]:
    def filled_section_fed_by(*categories: Category) -> bool:
        return any(
            spec.feeds & set(categories) and draft.text_for(spec.key, spec.part).strip()
            for spec in template.sections
        )

    if not any(i.strip() for i in draft.interventions) and not filled_section_fed_by(Category.INTERVENTION):
        yield _finding("interventions.missing", "No interventions recorded.", "interventions")
    if draft.plan.is_empty and not filled_section_fed_by(Category.HOMEWORK, Category.QUESTION):
        yield _finding("plan.missing", "No plan recorded (next session, homework).", "plan")
    for goal in draft.goals:
        if not goal.status:
            name = goal.label.strip() or f"goal {goal.goal_id}".strip()
            yield _finding("goals.no-status", f"No progress recorded for {name}.", "goals")


def _plan_findings(draft: NoteDraft, plan: PlanState | None) -> Iterable[Finding]:
    """The golden thread: today's interventions serve an objective; the plan they serve is
    signed and not past its review."""
    if draft.objectives:
        linked = {" ".join(i.casefold().split()) for o in draft.objectives for i in o.interventions}
        unlinked = [i.strip() for i in draft.interventions
                    if i.strip() and " ".join(i.casefold().split()) not in linked]
        if unlinked:
            names = ", ".join(unlinked)
            yield _finding("interventions.unlinked",
                           f"Not linked to any treatment-plan objective: {names}. Tick it under its objective "
                           "(Goals), or acknowledge.", "goals")
    if plan is None:
        return
    if not plan.version:
        yield _finding("treatment-plan.unsigned", "The treatment plan is not signed yet.", "goals")
    elif plan.unsigned_changes:
        yield _finding("treatment-plan.unsigned",
                       f"The treatment plan has changes not signed yet (version {plan.version} is signed).", "goals")
    if plan.review == "overdue":
        yield _finding("treatment-plan.review-overdue",
                       f"The treatment plan's review is overdue (due {plan.review_due}).", "goals")


def lint_note(
    draft: NoteDraft,
    template: Template,
    *,
    private_jottings: list[str],
    other_members: list[str],
    risk_jottings: Sequence[str] = (),
    members: Sequence[MemberIdentity] = (),
    member: MemberIdentity | None = None,
    today: date | None = None,
    now: datetime | None = None,
    plan: PlanState | None = None,
) -> list[Finding]:
    """All findings, errors first, in a stable order.

    ``risk_jottings``: the session's ``!`` lines (for this member): any of them makes a
    complete risk statement required. ``members``: every group member, ``member``: the
    one this note is for. ``today``/``now`` (local): facts in the future, and signing
    before the session's end, are errors; None skips those checks. ``plan``: the client's
    treatment plan in force (None when the client has none): unsigned changes and an overdue
    review are warnings.
    """
    texts = note_texts(draft, template)
    findings = [
        *_facts_findings(draft, today, now),
        *_risk_findings(draft, risk_jottings),
        *_required_findings(draft, template),
        *_private_findings(texts, private_jottings),
        *_member_findings(texts, other_members),
        *_identity_findings(texts, template, members, member),
        *_judgemental_findings(texts),
        *_mse_findings(draft, template),
        *_repeat_findings(draft, template),
        *_carry_findings(draft, template),
        *_plan_findings(draft, plan),
    ]
    # The legacy name list and the identities can both catch the same code: say it once.
    seen: set[tuple[str, str | None]] = set()
    unique = []
    for finding in findings:
        if finding.rule == "group.other-member":
            if (finding.rule, finding.section) in seen:
                continue
            seen.add((finding.rule, finding.section))
        unique.append(finding)
    findings = unique
    return sorted(findings, key=lambda f: f.level != "error")  # stable: rule order kept
