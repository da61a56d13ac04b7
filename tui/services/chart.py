"""A client's chart: sessions with note status, trends, the treatment plan, what to take into
the next session, one signed note, and (only when asked, audited) a session's private jottings."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from ..domain import clock
from ..domain.measures import stored_band
from ..domain.visible import make_visible
from ..storage import queries
from .reading import RecordReader, TimelineError, day

CHART_FIRST_PAGE = 100  # sessions the chart shows before the rest arrive (more than a screenful)
TREND_POINTS = 120  # the newest scores and risk levels the chart reads (it draws width - 40 of them)


def age_on(born: str | None, today: date | None = None) -> int | None:
    if not born:
        return None
    birth = date.fromisoformat(born)
    today = today or clock.today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def note_status(note_status: str | None, late_entry: int | None, addenda: int | None) -> str:
    """One of: no note, draft, signed, late entry, addended."""
    if note_status is None:
        return "no note"
    if note_status != "signed":
        return "draft"
    if addenda:
        return "addended"
    return "late entry" if late_entry else "signed"


class TimelineRow(NamedTuple):
    """One session of the chart. A tuple of plain values, so the garbage collector stops
    tracking it: 10,000 tracked rows made every full collection (a page-down stall) longer."""

    session_id: int
    number: int
    date: str
    template: str
    status: str
    risk: str
    phq9: int | None
    gad7: int | None
    summary: str
    note_id: int | None


@dataclass
class Chart:
    client: dict[str, Any]
    age: int | None
    goals: list[dict[str, Any]]
    phq9: list[tuple[str, int]]
    gad7: list[tuple[str, int]]
    risk: list[tuple[str, str]]
    sessions: list[TimelineRow]
    session_count: int = 0
    # PCL-5 and the C-SSRS screener, the same way; empty when never given.
    pcl5: list[tuple[str, int]] = field(default_factory=list)
    cssrs: list[tuple[str, int]] = field(default_factory=list)
    # Custom scales ([measures.custom.KEY]) the client was scored on, each read with the
    # definition stored with its scores (name and bands then), not the config's now.
    custom: list["CustomTrend"] = field(default_factory=list)
    # The plan's current ICD-10-CM diagnoses as it reads them, primary first, and the plan's
    # signed version and review date ("" when it was never signed and has no review date).
    diagnoses: tuple[str, ...] = ()
    plan_status: str = ""

    @property
    def complete(self) -> bool:
        """Whether every session is in ``sessions`` (not just the first page)."""
        return len(self.sessions) >= self.session_count


@dataclass(frozen=True)
class NoteView:
    note: dict[str, Any]
    client_code: str
    addenda: list[dict[str, Any]]
    seal_ok: bool
    chain_ok: bool
    verdict: Any = None  # the signature Verdict: what the note view shows

    @property
    def text(self) -> str:
        return make_visible(self.note["canonical_text"] or "")


@dataclass(frozen=True)
class BeforeSession:
    client: dict[str, Any]
    last_session: str
    plan: dict[str, str]
    questions: list[str]
    phq9: tuple[int, str] | None
    gad7: tuple[int, str] | None
    risk_level: str
    risk_date: str
    goals: list[dict[str, Any]]
    # What the latest signed note's risk statement says, in its own words (issue 11).
    risk_summary: str = ""
    # Ended sessions with no signed note yet: (date, "no note" | "draft").
    missing_notes: tuple[tuple[str, str], ...] = ()
    # The latest PCL-5 and C-SSRS as a note states them ("PCL-5 41 (probable PTSD)").
    more_scores: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomTrend:
    """One custom scale's scores, oldest first: (date, total, band as scored)."""

    instrument: str  # "custom:sleep"
    name: str  # the name in the newest score's stored definition
    points: list[tuple[str, int, str]]
    changed: bool = False  # the scale's definition differs between these scores

    @property
    def words(self) -> str:
        """"Sleep quality 8 (fair) on 2026-11-03, down 4 since the first of 3 (12, fair)"."""
        last_day, last, band = self.points[-1]
        words = f"{self.name} {last} ({band}) on {last_day}"
        if len(self.points) == 1:
            return words + ", the first score"
        _, first, first_band = self.points[0]
        if self.changed:
            return words + f"; {len(self.points)} scores, the scale's definition changed between them"
        delta = last - first
        change = "no change" if delta == 0 else f"{'up' if delta > 0 else 'down'} {abs(delta)}"
        return f"{words}, {change} since the first of {len(self.points)} ({first}, {first_band})"


def custom_trends(record: Any, client_id: int, points: int = 0) -> list[CustomTrend]:
    """The client's custom-scale scores per scale (the newest ``points`` of each; 0 all)."""
    from ..domain.measures import CUSTOM_PREFIX, MeasureError, score_from_stored

    rows = record.query("""SELECT instrument, total, items_json, administered_at FROM measure_scores
                            WHERE client_id = ? AND instrument GLOB 'custom:*' ORDER BY administered_at, id""",
                        (client_id,))
    by_scale: dict[str, list[tuple[str, int, str]]] = {}
    scales: dict[str, list[Any]] = {}
    for row in rows:
        try:
            score = score_from_stored(row["instrument"], row["total"], row["items_json"])
        except (MeasureError, ValueError, TypeError, KeyError):
            continue  # a damaged row: left out of the trend (the note's verify names it)
        by_scale.setdefault(score.instrument, []).append((day(row["administered_at"]), score.total,
                                                          make_visible(score.band)))
        scales.setdefault(score.instrument, []).append(score.scale)
    out = []
    for instrument, shown in by_scale.items():
        kept = shown[-points:] if points else shown
        used = scales[instrument][-len(kept):]
        name = make_visible(used[-1].name) if used[-1] is not None else instrument.removeprefix(CUSTOM_PREFIX)
        out.append(CustomTrend(instrument, name, kept, changed=any(s != used[-1] for s in used)))
    return out


class ClientChart(RecordReader):
    def _client(self, client_id: int) -> dict[str, Any]:
        client = self.record.client(client_id)
        if client is None:
            raise TimelineError("That client no longer exists.")
        return client

    def chart(self, client_id: int, *, limit: int | None = None) -> Chart:
        """The chart; with ``limit``, only the newest ``limit`` sessions (the screen's first page).

        Session numbers and the count are over all sessions either way. The trends hold the
        newest TREND_POINTS scores and risk levels (the chart draws fewer than that).
        """
        client = self._client(client_id)
        count = queries.session_count(self.record, client_id)
        sessions = [
            TimelineRow(r["id"], count - i, day(r["started_at"]), (r["template"] or "").upper(),
                        note_status(r["status"], r["late_entry"], r["addenda"]), r["risk"] or "", r["phq9"], r["gad7"],
                        make_visible(r["summary"].splitlines()[0]) if r["summary"] else "", r["note_id"])
            for i, r in enumerate(queries.chart_sessions(self.record, client_id, limit))
        ]

        def trend(instrument: str) -> list[tuple[str, int]]:
            return [(day(m["administered_at"]), m["total"])
                    for m in queries.score_trend(self.record, client_id, instrument, TREND_POINTS)]

        from .diagnoses import plan_label
        from .treatment_plan import plan_status

        status = plan_status(self.record, client_id)
        return Chart(
            client=client, age=age_on(client["date_of_birth"]), goals=self.record.goals(client_id),
            phq9=trend("phq9"), gad7=trend("gad7"), pcl5=trend("pcl5"), cssrs=trend("cssrs"),
            custom=custom_trends(self.record, client_id, TREND_POINTS),
            risk=[(day(r["assessed_at"]), r["level"]) for r in queries.risk_trend(self.record, client_id, TREND_POINTS)],
            sessions=sessions, session_count=count,
            diagnoses=tuple(plan_label(row) for row in self.record.diagnoses(client_id)),
            plan_status=status.label if status.version or status.review_due else "",
        )

    def open_note(self, note_id: int) -> NoteView:
        note = self.record.note(note_id)
        if note is None:
            raise TimelineError(f"No progress note with id {note_id}.")
        session = self.record.session(note["session_id"])
        client = self.record.client(session["client_id"]) if session else None
        addenda = self.record.addenda(note_id)
        from .signing import Signatures  # the one verify: signature, owned rows, addenda, countersignature

        verdict = Signatures(self.workspace).verify_row(note)
        return NoteView(note, client["code"] if client else "", addenda, verdict.note_ok, verdict.addenda_ok, verdict)

    def integrity(self, client_id: int,
                  stop: "Callable[[], bool]" = lambda: False) -> "tuple[dict[int, list[str]], list[str]]":
        """This client's notes that fail the one verify, and the record's own problems (doctor's
        note chain, audit log and search index checks): what the chart flags. `stop` (asked between
        queries) ends it early with CheckStopped: the chart that asked has closed."""
        from .signing import Signatures, client_integrity

        signatures = Signatures(self.workspace)
        return client_integrity(self.record, client_id, signatures.trusted(), set(signatures.supervisor_keys()),
                                stop)

    def private_jottings(self, session_id: int) -> list[tuple[int, str]]:
        """The session's private psychotherapy notes. Every opening is audited."""
        from ..storage.vault import doc_key_for

        session = self.record.session(session_id)
        if session is None:
            raise TimelineError("That session no longer exists.")
        lines = self.workspace.vault.load_jottings(doc_key_for(session))
        self.record.audit(self.actor, "private jottings viewed", subject=f"session:{session_id}")
        return [(line.minute, make_visible(line.text)) for line in lines]

    def before_session(self, client_id: int) -> BeforeSession:
        from ..domain.shorthand import Category, parse_jotting
        from ..storage.vault import doc_key_for

        client = self._client(client_id)
        last_note = queries.last_signed_draft(self.record, client_id)
        plan = json.loads(last_note["draft_json"]).get("plan", {}) if last_note else {}
        last = queries.last_session(self.record, client_id)
        questions = []
        if last is not None:
            questions = [make_visible(line.text) for line in self.workspace.vault.load_jottings(doc_key_for(last))
                         if parse_jotting(line.text, self.workspace.rules).category is Category.QUESTION]

        def latest(instrument: str) -> tuple[int, str] | None:
            row = queries.latest_score(self.record, client_id, instrument)
            return (row["total"], stored_band(instrument, row["total"])) if row else None

        risk = queries.latest_risk(self.record, client_id)
        risk_summary = ""
        signed = queries.signed_notes(self.record, client_id)
        if signed:
            latest_note = self.record.note(signed[-1]["id"]) or {}
            try:
                from ..domain.models import RiskStatement

                stated = json.loads(latest_note.get("draft_json") or "{}").get("risk")
                risk_summary = make_visible(RiskStatement.from_dict(stated).summary()) if stated else ""
            except (ValueError, TypeError):
                risk_summary = ""
        missing = []
        for session in queries.sessions_of(self.record, client_id):
            if session["ended_at"] is None:
                continue
            note = self.record.note_for_session(session["id"])
            if note is None or note["status"] != "signed":
                missing.append((day(session["started_at"]), "no note" if note is None else "draft"))
        more = []
        for instrument in ("pcl5", "cssrs"):
            for row in queries.score_trend(self.record, client_id, instrument, 1):
                from .records_export import measure_text

                more.append(f"{measure_text(instrument, row['total'])}, {day(row['administered_at'])}")
        for custom in custom_trends(self.record, client_id, 1):  # the latest of each custom scale
            last_day, total, band = custom.points[-1]
            more.append(f"{custom.name} {total} ({band}), {last_day}")
        return BeforeSession(
            risk_summary=risk_summary, missing_notes=tuple(missing), more_scores=tuple(more),
            client=client, last_session=day(last["started_at"]) if last else "",
            plan={k: make_visible(str(v)) for k, v in plan.items()}, questions=questions,
            phq9=latest("phq9"), gad7=latest("gad7"),
            risk_level=(risk["level"] if risk else "") or "", risk_date=day(risk["assessed_at"]) if risk else "",
            goals=self.record.goals(client_id),
        )

    def treatment_plan(self, client_id: int, *, recent_notes: int | None = None) -> dict[str, Any]:
        """Problems and goals, each goal with its progress history from the signed notes, and
        each of its objectives with the interventions planned for it and its own history.

        A goal's ``interventions`` are all of its planned interventions (each row names its
        ``objective_id``, NULL for the goal as a whole); an objective's are its own. A goal's
        ``history`` holds (day, status, evidence); an objective's holds dicts with day, status,
        evidence and interventions (the note's ``objectives`` progress, read defensively: notes
        signed before it was recorded have none).

        ``recent_notes`` limits the history to the newest that many notes (the screen shows
        the last 30 entries per goal; reading 10,000 notes' drafts for it took ~0.6 s).
        """
        problems = queries.problems(self.record, client_id)
        goals = self.record.goals(client_id, active_only=False)
        for goal in goals:
            goal["objectives"] = queries.objectives(self.record, goal["id"])
            goal["interventions"] = queries.plan_interventions(self.record, goal["id"])
            goal["history"] = []
            for objective in goal["objectives"]:
                objective["interventions"] = [i for i in goal["interventions"]
                                              if i.get("objective_id") == objective["id"]]
                objective["history"] = []
        add_progress(goals, queries.signed_drafts(self.record, client_id, recent_notes))
        return {"problems": problems, "goals": goals}


def add_progress(goals: list[dict[str, Any]], notes: Any) -> None:
    """Append to each goal's and objective's ``history`` what the signed notes' drafts
    (``draft_json``, ``started_at``; oldest first) say of it. Read defensively: a note signed
    before objectives were rated has none, and an entry for an objective or goal no longer on
    the plan, or not an object, is passed over."""
    by_id = {str(g["id"]): g for g in goals}
    objectives_by_id = {str(o["id"]): o for g in goals for o in g.get("objectives") or []}
    planned = {str(i["id"]): i["description"] for g in goals for i in g.get("interventions") or []}
    for row in notes:
        try:
            stored = json.loads(row["draft_json"] or "{}")
        except ValueError:
            continue
        if not isinstance(stored, dict):
            continue
        for progress in stored.get("goals") or []:
            goal = by_id.get(str(progress.get("goal_id"))) if isinstance(progress, dict) else None
            if goal is not None and progress.get("status"):
                goal["history"].append((day(row["started_at"]), progress["status"], progress.get("evidence", "")))
        for progress in stored.get("objectives") or []:
            objective = objectives_by_id.get(str(progress.get("objective_id"))) if isinstance(progress, dict) else None
            if objective is None or not (progress.get("status") or progress.get("evidence")):
                continue
            objective["history"].append({
                "day": day(row["started_at"]), "status": str(progress.get("status") or ""),
                "evidence": str(progress.get("evidence") or ""),
                "interventions": _intervention_names(progress.get("interventions"), planned)})


def _intervention_names(value: Any, planned: dict[str, str]) -> str:
    """What a note's objective progress says was done: a list of names or planned-intervention
    ids (an id reads as its description), or one text."""
    if not isinstance(value, (list, tuple)):
        return str(value) if value else ""
    names = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("description") or item.get("id") or ""
        if isinstance(item, int) and not isinstance(item, bool):
            item = planned.get(str(item), str(item))
        if item:
            names.append(str(item))
    return ", ".join(names)
