"""The write-up: from a session's jottings to a signed, locked progress note.

The screen edits a ``NoteDraft``; this module loads it (prefilled from the
jottings), saves it, lints it, signs it in one transaction, and renders it.
"""

from __future__ import annotations

import json
import os
import weakref
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..domain.canonical import addendum_hash, canonical_text, content_hash
from ..domain.group import MemberIdentity
from ..domain.lint import Finding, lint_note
from ..domain.prefill import objectives_from, prefill_draft, session_facts_from
from ..domain.routing import jottings_for_member, risk_jottings
from ..domain.measures import MeasureError, MeasureScore, score_from_stored
from ..domain import clock
from ..domain.models import NoteDraft, ObjectiveProgress, is_late_entry
from ..domain.session_billing import prefill as billing_prefill
from ..domain.shorthand import Category, Jotting, carry_into_note, expand_abbreviations, parse_jotting
from ..domain.templates import Template
from ..domain.visible import make_visible
from ..errors import HushpadError
from .workspace import ValidationError

if TYPE_CHECKING:
    from .workspace import Workspace

DEFAULT_INTERVENTIONS = (
    "Cognitive restructuring",
    "Behavioural activation",
    "Psychoeducation",
    "Mindfulness",
    "Motivational interviewing",
    "Exposure",
    "Problem solving",
    "Role-play",
    "Supportive reflection",
    "Safety planning",
    "Relaxation training",
    "Skills training (DBT)",
    "Validation",
    "Values clarification",
)


class WriteupError(HushpadError):
    pass


# A group's session facts are the same for every member: kept with the shared part.
SHARED_FACTS_KEY = "_facts"
SHARED_FACTS = ("date", "start_time", "duration_min", "end_time", "setting", "modality", "cpt_code",
                "place_of_service", "telehealth", "cpt_modifier")


# Notes open for writing in this process, per unlocked workspace. The record's
# editing_pid claim keeps out other processes (a dead one's claim is taken
# over); this keeps out a second write-up of the same session in this one,
# which the pid check alone would let through.
_OPEN_HERE: "weakref.WeakKeyDictionary[Workspace, set[int]]" = weakref.WeakKeyDictionary()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Writeup:
    """One open write-up: the session, its jottings, and the draft being edited."""

    note_id: int
    session: dict[str, Any]
    client: dict[str, Any]
    template: Template
    draft: NoteDraft
    jottings: list[Jotting]
    active_goals: list[dict[str, Any]] = field(default_factory=list)
    other_members: list[str] = field(default_factory=list)
    group_session_id: int | None = None
    members: tuple[MemberIdentity, ...] = ()  # every member of the group (empty when individual)
    member: MemberIdentity | None = None  # this note's client, in a group
    # True once another member's note is signed: the shared part (facts, group sections) is
    # then what that note says, and is not offered for editing again.
    shared_locked: bool = False
    # Context, not draft: the client's last score per instrument before this session, read
    # from the record on open, so each measure can state its change.
    previous_scores: dict[str, MeasureScore] = field(default_factory=dict)
    # Context too, for a discharge summary: per instrument, the first and the last earlier
    # score with their dates (first date, first, last date, last).
    course_scores: dict[str, tuple[str, MeasureScore, str, MeasureScore]] = field(default_factory=dict)
    # The treatment plan in force when the write-up opened (services.treatment_plan.PlanStatus);
    # None when the client has no plan (no goals, never signed).
    plan_status: Any = None

    @property
    def client_label(self) -> str:
        return self.client["code"]

    @property
    def own_jottings(self) -> list[Jotting]:
        """The lines this note may be prefilled from (in a group: no other member's)."""
        return jottings_for_member(self.jottings, self.member, self.members)

    @property
    def risk_lines(self) -> list[Jotting]:
        """Every ``!`` line the Risk step shows and the risk rule counts."""
        return risk_jottings(self.jottings, member=self.member, members=self.members)

    @property
    def private_jottings(self) -> list[str]:
        return [j.text for j in self.jottings if j.category is Category.PRIVATE]


@dataclass(frozen=True)
class DraftSnapshot:
    note_id: int
    template_key: str
    draft_json: str
    group_session_id: int | None
    group_part_json: str


@dataclass(frozen=True)
class SignedNote:
    note_id: int
    text: str
    content_hash: str
    late_entry: bool


class WriteupService:
    def __init__(self, workspace: "Workspace") -> None:
        self.workspace = workspace
        self.config = workspace.config
        self.templates = self.config.note_templates  # parsed once, when the config was loaded
        self._written: dict[int, DraftSnapshot] = {}  # per note, the last snapshot written

    @property
    def record(self):  # noqa: ANN201
        return self.workspace.record

    def template_for(self, key: str) -> Template:
        template = self.templates.get(key.lower())
        if template is None:
            raise ValidationError(f"No template called {key!r}. Known: {', '.join(t.name for t in self.templates.values())}.")
        return template

    # -- open ---------------------------------------------------------------
    def open(self, session_id: int) -> Writeup:
        session = self.record.session(session_id)
        if session is None:
            raise WriteupError("That session no longer exists.")
        if session["ended_at"] is None:
            raise WriteupError("End the session before writing it up.")
        client = self.record.client(session["client_id"])
        assert client is not None
        group_id = session["group_session_id"]
        default_key = "group" if group_id else self.config.default_template.lower()
        template = self.template_for(default_key)
        from ..storage.record import NoteLockedError, WriteupBusyError
        from ..storage.vault import doc_key_for

        try:
            row, created = self.record.claim_draft(session_id, template.key, "{}", os.getpid(), _pid_alive)
        except (NoteLockedError, WriteupBusyError) as exc:
            raise WriteupError(str(exc)) from None
        held = _OPEN_HERE.setdefault(self.workspace, set())
        if row["id"] in held:
            raise WriteupError("This session is already being written up. Finish or close that one first.")
        lines = self.workspace.vault.load_jottings(doc_key_for(session))
        jottings = [parse_jotting(make_visible(line.text), self.workspace.rules) for line in lines]
        members: tuple[MemberIdentity, ...] = ()
        if group_id:
            members = tuple(MemberIdentity(m["code"], m["display_name"] or "")
                            for m in self.workspace.group_members(group_id))
        this_member = next((m for m in members if m.code == client["code"]), None)
        own = jottings_for_member(jottings, this_member, members)
        goals = self._active_goals(client["id"])
        previous = {}
        for r in self.record.previous_scores(client["id"], session["started_at"]):
            try:
                # A custom scale's score is read with the definition stored with it, not the config's.
                previous[r["instrument"]] = score_from_stored(r["instrument"], r["total"], r["items_json"])
            except (MeasureError, ValueError, TypeError, KeyError):
                continue  # a score this Hushpad cannot read (a damaged row): no comparison
        course = self._course_scores(client["id"], session["started_at"])
        stored = json.loads(row["draft_json"] or "{}")
        if created or not stored:
            facts = session_facts_from(session, self.record.session_number(session), template.key)
            draft = prefill_draft(facts, own, goals, self.workspace.rules, datetime.fromisoformat(session["started_at"]))
        else:
            draft = NoteDraft.from_dict(stored)
            template = self.template_for(draft.template_key or template.key)
            # A draft saved before the billing facts: place of service and telehealth from its setting.
            draft.facts = billing_prefill(draft.facts)
        # The plan's diagnoses as they stand now (a draft is never signed here): the note carries them.
        from .diagnoses import current as current_diagnoses, note_labels

        draft.diagnoses = list(note_labels(current_diagnoses(self.record, client["id"])))
        # Likewise the plan's objectives and the version in force (issue 13 item 2).
        if not created and stored:
            draft.objectives = merge_objectives(draft.objectives, objectives_from(own, goals, draft.interventions))
        from .treatment_plan import plan_status

        status = plan_status(self.record, client["id"], clock.now().date())
        if not goals and not status.version:
            status = None  # no plan at all: the note says nothing about one
        draft.plan_version = status.note_line if status is not None else ""
        other_members: list[str] = []
        if group_id:
            # The stored shared part wins over this member's copy: it holds the latest edits,
            # from whichever member's write-up they were made in.
            draft.group_part = {**draft.group_part, **json.loads(self.record.group_part(group_id) or "{}")}
            shared = draft.group_part.get(SHARED_FACTS_KEY)
            if shared:
                values = {k: v for k, v in json.loads(shared).items() if k in SHARED_FACTS}
                draft.facts = replace(draft.facts, **values)
            for member in self.workspace.group_members(group_id):
                if member["client_id"] != client["id"]:
                    other_members += [m for m in (member["code"], member["display_name"]) if m]
        held.add(row["id"])
        shared_locked = bool(group_id) and any(
            (note := self.record.note_for_session(m["session_id"])) is not None and note["status"] == "signed"
            for m in self.workspace.group_members(group_id) if m["session_id"] != session_id)
        return Writeup(row["id"], session, client, template, draft, jottings, goals, other_members, group_id,
                       members, this_member, shared_locked, previous, course, status)

    def _active_goals(self, client_id: int) -> list[dict[str, Any]]:
        """The active goals, each with its active objectives (``objectives``) and, on each
        objective, the text of its planned interventions (``planned``)."""
        from ..storage import queries

        goals = self.record.goals(client_id)
        for goal in goals:
            goal["objectives"] = [o for o in queries.objectives(self.record, goal["id"])
                                  if (o["status"] or "active") == "active"]
            for objective in goal["objectives"]:
                # Read as a jotting is carried into the note (abbreviations expanded), so a plan's
                # "CBT thought records" links to today's "> CBT thought records", which the note
                # lists as "Cognitive behavioural therapy thought records".
                objective["planned"] = [
                    expand_abbreviations(i["description"], self.workspace.rules.abbreviations)
                    for i in queries.plan_interventions(self.record, goal["id"], objective["id"])]
        return goals

    def _course_scores(self, client_id: int, before: str) -> dict[str, tuple[str, MeasureScore, str, MeasureScore]]:
        """Each instrument's first and last score before ``before``, with their local dates."""
        from ..storage import queries
        from .reading import day

        def instant(iso: str) -> datetime:
            # Compared as moments, not strings: stored offsets may differ (+00:00 and -05:00).
            moment = datetime.fromisoformat(iso)
            return moment if moment.tzinfo else moment.astimezone()

        cutoff = instant(before)
        course: dict[str, tuple[str, MeasureScore, str, MeasureScore]] = {}
        rows = sorted(queries.client_measure_rows(self.record, client_id), key=lambda r: instant(r["administered_at"]))
        for r in rows:  # oldest first
            if instant(r["administered_at"]) >= cutoff:
                continue
            try:
                score = score_from_stored(r["instrument"], r["total"], r["items_json"])
            except (MeasureError, ValueError, TypeError, KeyError):
                continue
            when = day(r["administered_at"])
            first = course.get(r["instrument"])
            course[r["instrument"]] = (first[0], first[1], when, score) if first else (when, score, when, score)
        return course

    def next_unsigned_member(self, writeup: Writeup) -> int | None:
        """In a group, the next member whose note is not yet signed."""
        if not writeup.group_session_id:
            return None
        for member in self.workspace.group_members(writeup.group_session_id):
            note = self.record.note_for_session(member["session_id"])
            if member["session_id"] != writeup.session["id"] and (note is None or note["status"] != "signed"):
                return int(member["session_id"])
        return None

    def carry(self, writeup: Writeup, jotting: Jotting) -> str:
        """The text a jotting becomes in a note. Private jottings never cross."""
        from ..domain.shorthand import PrivateJottingError

        try:
            return carry_into_note(jotting, self.workspace.rules)
        except PrivateJottingError:
            raise WriteupError("A private (~) jotting never goes into the record.") from None

    # -- save -----------------------------------------------------------------
    def snapshot(self, writeup: Writeup) -> DraftSnapshot:
        """The draft as text, taken where it is edited (the UI thread) and written elsewhere."""
        if writeup.group_session_id and not writeup.shared_locked:
            facts = writeup.draft.facts
            writeup.draft.group_part[SHARED_FACTS_KEY] = json.dumps(
                {k: getattr(facts, k) for k in SHARED_FACTS}, sort_keys=True)
        payload = writeup.draft.to_dict()
        return DraftSnapshot(writeup.note_id, writeup.template.key, json.dumps(payload, ensure_ascii=False),
                             writeup.group_session_id, json.dumps(writeup.draft.group_part, ensure_ascii=False))

    def write(self, snapshot: DraftSnapshot) -> None:
        """Write the snapshot, unless it is the one written last (an edit that changed nothing)."""
        if self._written.get(snapshot.note_id) == snapshot:
            return
        self.record.save_draft(snapshot.note_id, snapshot.template_key, snapshot.draft_json)
        if snapshot.group_session_id:
            self.record.save_group_part(snapshot.group_session_id, snapshot.group_part_json)
        self._written[snapshot.note_id] = snapshot

    def save(self, writeup: Writeup) -> None:
        self.write(self.snapshot(writeup))

    def release(self, writeup: Writeup) -> None:
        self.record.release_draft(writeup.note_id, os.getpid())
        _OPEN_HERE.get(self.workspace, set()).discard(writeup.note_id)

    def change_template(self, writeup: Writeup, key: str) -> None:
        """Another template; a CPT code still the one suggested follows it (an intake is 90791
        whatever its length), as the facts step does: one the clinician typed stays."""
        from ..domain import session_billing
        from ..domain.billing import BillingError

        def suggested() -> str:
            try:
                return session_billing.suggestion(writeup.draft.facts).primary or ""
            except BillingError:
                return ""

        before = suggested()
        writeup.template = self.template_for(key)
        writeup.draft.template_key = writeup.template.key  # stored once, in the facts
        after, typed = suggested(), writeup.draft.facts.cpt_code.strip()
        if after and typed in ("", before):
            writeup.draft.facts = replace(writeup.draft.facts, cpt_code=after)

    # -- review -----------------------------------------------------------------
    def lint(self, writeup: Writeup) -> list[Finding]:
        now = clock.now().replace(tzinfo=None)  # local wall-clock time, like the facts the clinician typed
        return lint_note(writeup.draft, writeup.template, private_jottings=writeup.private_jottings,
                         other_members=writeup.other_members, risk_jottings=[j.text for j in writeup.risk_lines],
                         members=writeup.members, member=writeup.member, today=now.date(), now=now,
                         plan=writeup.plan_status)

    def signed_at_now(self) -> str:
        return clock.now_iso()

    def is_late(self, writeup: Writeup, signed_at: str) -> bool:
        """The one late-entry rule (models.is_late_entry), read in the session's own wall clock."""
        started = datetime.fromisoformat(writeup.session["started_at"])
        zone = started.tzinfo

        def wall(iso: str) -> datetime:
            moment = datetime.fromisoformat(iso)
            return moment.astimezone(zone).replace(tzinfo=None) if zone and moment.tzinfo else moment

        recorded_end = wall(writeup.session["ended_at"] or writeup.session["started_at"])
        try:
            return is_late_entry(writeup.draft.facts, wall(signed_at), recorded_end=recorded_end)
        except ValueError:  # facts not yet a real date (lint refuses to sign them): the recorded end alone
            return clock.is_late(recorded_end, wall(signed_at))

    def render(self, writeup: Writeup, signed_at: str = "", key_fingerprint: str = "") -> str:
        """The note as it will be signed (the review step shows exactly this; signing adds
        the line naming the signer's key fingerprint)."""
        signed_at = signed_at or self.signed_at_now()
        return make_visible(canonical_text(
            writeup.draft, writeup.template, client_label=writeup.client_label, signer=self.config.signer,
            credentials=self.config.credentials, signed_at=signed_at, late_entry=self.is_late(writeup, signed_at),
            key_fingerprint=key_fingerprint, previous=writeup.previous_scores, course=writeup.course_scores,
        ))

    def sign(self, writeup: Writeup, acknowledged: set[str], *, before_commit: Any = None,
             signed_at: str | None = None) -> SignedNote:
        """Lint, seal and lock. ``signed_at`` is for synthetic data (demo, benchmarks) only."""
        findings = self.lint(writeup)
        errors = [f for f in findings if f.level == "error"]
        if errors:
            raise WriteupError(f"Cannot sign yet: {errors[0].message}")
        unacknowledged = [f for f in findings if f.level == "warning" and finding_id(f) not in acknowledged]
        if unacknowledged:
            raise WriteupError(f"Acknowledge each warning before signing: {unacknowledged[0].message}")
        from ..domain.canonical import layout
        from ..domain.signature import measure_fact, risk_fact
        from .signing import Signatures, SigningError

        signatures = Signatures(self.workspace)
        try:
            seed = signatures.seed()
        except SigningError as exc:
            raise WriteupError(str(exc)) from None
        signed_at = signed_at or self.signed_at_now()
        late = self.is_late(writeup, signed_at)
        key_fingerprint = signatures.fingerprint()
        text = self.render(writeup, signed_at, key_fingerprint)
        draft = writeup.draft
        sections = [(s.key, s.title, draft.text_for(s.key, "group" if s.part == "group" else "note"))
                    for s in writeup.template.sections]
        payload = draft.to_dict()
        risk = draft.risk
        risk_row = None
        if risk.is_stated:
            risk_row = {
                "si": risk.si, "hi": risk.hi, "self_harm": risk.self_harm,
                "detail": "; ".join(d for d in (risk.si_detail, risk.hi_detail, risk.self_harm_detail) if d),
                "level": risk.level, "protective_factors": risk.protective_factors,
                "safety_plan_reviewed": int(risk.safety_plan_reviewed),
            }
        summary_key = next((k for k in ("assessment", "response", "narrative", "data", "behavior")
                            if draft.sections.get(k, "").strip()), None)
        summary = draft.sections.get(summary_key, "").strip().splitlines()[0] if summary_key else ""
        if draft.tags:  # the chart's one line shows the note's tags first
            summary = " ".join(draft.tags) + (f"  {summary}" if summary else "")
        # items_json: a custom scale's score stores the definition it was scored with (MeasureScore.items_json).
        measures = [(m.instrument, m.total, m.items_json()) for m in draft.measures]
        # What is signed: the text, the layout every rendering is drawn from, and the
        # structured facts other screens and exports read, exactly as they are stored.
        blocks = layout(draft, writeup.template, client_label=writeup.client_label, signer=self.config.signer,
                        credentials=self.config.credentials, signed_at=signed_at, late_entry=late,
                        key_fingerprint=key_fingerprint, previous=writeup.previous_scores,
                        course=writeup.course_scores)
        facts = draft.facts.to_dict()
        signed = signatures.sign(signatures.note_payload(
            note_id=writeup.note_id, client=writeup.client, session=self.record.session(writeup.session["id"]) or {},
            blocks=blocks, text=text, template=writeup.template, facts=facts,
            measures=[measure_fact({"instrument": i, "total": t, "items_json": j}) for i, t, j in measures],
            risk=risk_fact(risk_row) if risk_row is not None else None, signer=self.config.signer,
            credentials=self.config.credentials, signed_at=signed_at, late_entry=late, sections=sections))
        digest = content_hash(text)  # the hash seal stays; the signature covers text and facts
        self.record.sign_note(
            writeup.note_id, sections=sections, draft_json=json.dumps(payload, ensure_ascii=False),
            canonical_text=text, content_hash=digest, signer=self.config.signer, credentials=self.config.credentials,
            signed_at=signed_at, late_entry=late, summary=summary[:200],
            measures=measures, risk=risk_row, client_id=writeup.client["id"], session_id=writeup.session["id"],
            actor=self.config.signer, before_commit=before_commit,
            signed=(signed.payload.decode("utf-8"), signed.signature_b64, signed.public_b64), signing_seed=seed,
            administered_at=writeup.session["started_at"], template=writeup.template.key,
        )
        _OPEN_HERE.get(self.workspace, set()).discard(writeup.note_id)
        return SignedNote(writeup.note_id, text, digest, late)


def merge_objectives(stored: list[ObjectiveProgress], fresh: list[ObjectiveProgress]) -> list[ObjectiveProgress]:
    """A reopened draft's objectives against the plan as it stands now: what was recorded for
    an objective still active is kept (its label as the plan now reads it); a new objective
    comes in fresh; one no longer active goes, unless something was recorded for it."""
    kept = {o.objective_id: o for o in stored}
    out = [replace(kept[f.objective_id], label=f.label, goal_id=f.goal_id) if f.objective_id in kept else f
           for f in fresh]
    current = {f.objective_id for f in fresh}
    out += [o for o in stored if o.objective_id not in current and o.has_content]
    return out


def finding_id(finding: Finding) -> str:
    return f"{finding.rule}:{finding.section or ''}:{finding.message}"



# -- after signing: addenda and output ----------------------------------------------
class NoteRecords:
    """Reading, sealing and amending signed notes (exports live in records_export.py)."""

    def __init__(self, workspace: "Workspace") -> None:
        self.workspace = workspace

    @property
    def record(self):  # noqa: ANN201
        return self.workspace.record

    def signed(self, note_id: int) -> dict[str, Any]:
        note = self.record.note(note_id)
        if note is None:
            raise WriteupError(f"No progress note with id {note_id}.")
        if note["status"] != "signed":
            raise WriteupError(f"Note {note_id} is a draft; only signed notes are exported.")
        return note

    def seal_ok(self, note: dict[str, Any]) -> bool:
        """Whether the note, everything it owns and its addenda verify (the one verify)."""
        return self.verdict(note).ok

    def verdict(self, note: dict[str, Any]):  # noqa: ANN201 - a signature.Verdict
        from .signing import Signatures

        return Signatures(self.workspace).verify_row(note)

    def add_addendum(self, note_id: int, body: str) -> int:
        body = body.strip()
        if not body:
            raise ValidationError("An addendum needs text.")
        from ..storage.record import NoteLockedError
        from .signing import Signatures, SigningError

        note = self.signed(note_id)
        verdict = self.verdict(note)
        if not verdict.ok:
            raise WriteupError("This note does not verify, so nothing can be added to it: " + verdict.label)
        created = clock.now_iso()
        try:
            return Signatures(self.workspace).add_addendum(note_id, body, created)
        except (SigningError, NoteLockedError) as exc:
            raise WriteupError(str(exc)) from None
