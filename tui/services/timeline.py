"""A client's timeline: where they stand, what was left open, and the record for a request.

Read-mostly use-cases over the record (and, only when asked and audited, the vault).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from ..domain.canonical import addendum_hash, content_hash
from ..domain.measures import band_for
from ..errors import HushpadError

if TYPE_CHECKING:
    from .workspace import Workspace

OVERDUE_AFTER = timedelta(hours=24)
SEARCH_LIMIT = 200
SCOPED_COUNT_CAP = 1000  # one client's matches are counted up to this
SNIPPET_START, SNIPPET_END = "\x01", "\x02"  # never typed by a user; turned into styling, never markup


# "This session has no signed note", shaped so SQLite never reads a signed note's row:
# the note's text makes each row several pages long, and reading 10,000 of them to learn
# they are signed cost ~0.8 s for the client list. "No note" is answered by the unique
# index on session_id, and drafts (status is only 'draft' or 'signed') by notes_by_status.
UNSIGNED = """(NOT EXISTS (SELECT 1 FROM progress_notes n WHERE n.session_id = s.id)
                OR s.id IN (SELECT session_id FROM progress_notes WHERE status = 'draft'))"""
CHART_FIRST_PAGE = 100  # sessions the chart shows before the rest arrive (more than a screenful)
TREND_POINTS = 120  # the newest scores and risk levels the chart reads (it draws width - 40 of them)


class TimelineError(HushpadError):
    pass


def _date(iso: str | None) -> str:
    return iso[:10] if iso else ""


def _now() -> datetime:
    return datetime.now().astimezone()


def age_on(born: str | None, today: date | None = None) -> int | None:
    if not born:
        return None
    birth = date.fromisoformat(born)
    today = today or date.today()
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


@dataclass(frozen=True)
class ClientRow:
    id: int
    code: str
    display_name: str
    last_session: str
    notes_due: int
    overdue: int
    risk_level: str
    phq9: int | None
    gad7: int | None
    open_sessions: int

    @property
    def phq9_band(self) -> str:
        return band_for("phq9", self.phq9) if self.phq9 is not None else ""

    @property
    def gad7_band(self) -> str:
        return band_for("gad7", self.gad7) if self.gad7 is not None else ""


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

    @property
    def complete(self) -> bool:
        """Whether every session is in ``sessions`` (not just the first page)."""
        return len(self.sessions) >= self.session_count


@dataclass(frozen=True)
class SearchHit:
    note_id: int
    client_code: str
    date: str
    kind: str
    snippet: str  # with SNIPPET_START/END around matches


@dataclass(frozen=True)
class SearchResults:
    query: str
    total: int
    hits: list[SearchHit]
    private_hits: list[tuple[int, str, str]] = field(default_factory=list)  # (session_id, date, line)
    more: bool = False  # total is a lower bound: more than that many notes match

    @property
    def total_text(self) -> str:
        return f"{self.total:,}{'+' if self.more else ''}"


@dataclass(frozen=True)
class NoteView:
    note: dict[str, Any]
    client_code: str
    addenda: list[dict[str, Any]]
    seal_ok: bool
    chain_ok: bool

    @property
    def text(self) -> str:
        return self.note["canonical_text"] or ""


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


def fts_query(text: str) -> str | None:
    """User text as a literal FTS5 query: every token a quoted string, ANDed.

    Quotes, *, -, NEAR, OR, brackets and colons all lose their FTS meaning.
    """
    # A NUL ends the query string inside FTS5 ("unterminated string"): it separates words instead.
    tokens = [t for t in re.split(r"[\s\x00]+", text.strip()) if t]
    tokens = [t for t in tokens if re.search(r"\w", t)]  # punctuation alone matches nothing in unicode61
    if not tokens:
        return None
    return " ".join('"' + t.replace('"', '""') + '"' for t in tokens[:32])


class Timeline:
    def __init__(self, workspace: "Workspace") -> None:
        self.workspace = workspace

    @property
    def record(self):  # noqa: ANN201
        return self.workspace.record

    @property
    def actor(self) -> str:
        return self.workspace.config.signer

    # -- client list ----------------------------------------------------------
    def client_rows(self, now: datetime | None = None) -> list[ClientRow]:
        cutoff = ((now or _now()) - OVERDUE_AFTER).isoformat()
        rows = self.record.query(
            f"""
            SELECT c.id, c.code, c.display_name,
                   (SELECT max(s.started_at) FROM sessions s WHERE s.client_id = c.id) AS last_session,
                   (SELECT count(*) FROM sessions s
                     WHERE s.client_id = c.id AND s.ended_at IS NOT NULL AND {UNSIGNED}) AS notes_due,
                   (SELECT count(*) FROM sessions s
                     WHERE s.client_id = c.id AND s.ended_at IS NOT NULL AND s.ended_at < :cutoff
                       AND {UNSIGNED}) AS overdue,
                   (SELECT r.level FROM risk_assessments r WHERE r.client_id = c.id
                     ORDER BY r.assessed_at DESC, r.id DESC LIMIT 1) AS risk_level,
                   (SELECT m.total FROM measure_scores m WHERE m.client_id = c.id AND m.instrument = 'phq9'
                     ORDER BY m.administered_at DESC, m.id DESC LIMIT 1) AS phq9,
                   (SELECT m.total FROM measure_scores m WHERE m.client_id = c.id AND m.instrument = 'gad7'
                     ORDER BY m.administered_at DESC, m.id DESC LIMIT 1) AS gad7,
                   (SELECT count(*) FROM sessions s WHERE s.client_id = c.id AND s.ended_at IS NULL) AS open_sessions
              FROM clients c WHERE c.archived = 0 ORDER BY c.code COLLATE NOCASE
            """,
            {"cutoff": cutoff},
        )
        return [ClientRow(r["id"], r["code"], r["display_name"], _date(r["last_session"]), r["notes_due"],
                          r["overdue"], r["risk_level"] or "", r["phq9"], r["gad7"], r["open_sessions"]) for r in rows]

    # -- chart ------------------------------------------------------------------
    def chart(self, client_id: int, *, limit: int | None = None) -> Chart:
        """The chart; with ``limit``, only the newest ``limit`` sessions (the screen's first page).

        Session numbers and the count are over all sessions either way. The trends hold the
        newest TREND_POINTS scores and risk levels (the chart draws fewer than that).
        """
        client = self.record.client(client_id)
        if client is None:
            raise TimelineError("That client no longer exists.")
        count = self.record.query_one("SELECT count(*) AS n FROM sessions WHERE client_id = ?", (client_id,))["n"]
        rows = self.record.query(
            f"""
            SELECT s.id, s.started_at, n.id AS note_id, n.status, n.late_entry, n.template, n.summary,
                   (SELECT count(*) FROM addenda a WHERE a.note_id = n.id) AS addenda,
                   (SELECT r.level FROM risk_assessments r WHERE r.session_id = s.id ORDER BY r.id DESC LIMIT 1) AS risk,
                   (SELECT m.total FROM measure_scores m WHERE m.session_id = s.id AND m.instrument = 'phq9'
                     ORDER BY m.id DESC LIMIT 1) AS phq9,
                   (SELECT m.total FROM measure_scores m WHERE m.session_id = s.id AND m.instrument = 'gad7'
                     ORDER BY m.id DESC LIMIT 1) AS gad7
              FROM sessions s LEFT JOIN progress_notes n ON n.session_id = s.id
             WHERE s.client_id = ?
             ORDER BY s.started_at DESC, s.id DESC
             {"LIMIT ?" if limit is not None else ""}
            """,
            (client_id, limit) if limit is not None else (client_id,),
        )
        sessions = [
            TimelineRow(r["id"], count - i, _date(r["started_at"]), (r["template"] or "").upper(),
                        note_status(r["status"], r["late_entry"], r["addenda"]), r["risk"] or "", r["phq9"], r["gad7"],
                        (r["summary"] or "").splitlines()[0] if r["summary"] else "", r["note_id"])
            for i, r in enumerate(rows)
        ]
        measures = self.record.query(
            """SELECT instrument, total, administered_at FROM measure_scores WHERE client_id = ? AND instrument = ?
                ORDER BY administered_at DESC, id DESC LIMIT ?""",
            (client_id, "phq9", TREND_POINTS),
        )[::-1] + self.record.query(
            """SELECT instrument, total, administered_at FROM measure_scores WHERE client_id = ? AND instrument = ?
                ORDER BY administered_at DESC, id DESC LIMIT ?""",
            (client_id, "gad7", TREND_POINTS),
        )[::-1]
        risk = self.record.query(
            """SELECT level, assessed_at FROM risk_assessments WHERE client_id = ? AND level != ''
                ORDER BY assessed_at DESC, id DESC LIMIT ?""",
            (client_id, TREND_POINTS),
        )[::-1]
        return Chart(
            client=client, age=age_on(client["date_of_birth"]), goals=self.record.goals(client_id),
            phq9=[(_date(m["administered_at"]), m["total"]) for m in measures if m["instrument"] == "phq9"],
            gad7=[(_date(m["administered_at"]), m["total"]) for m in measures if m["instrument"] == "gad7"],
            risk=[(_date(r["assessed_at"]), r["level"]) for r in risk],
            sessions=sessions, session_count=count,
        )

    # -- notes ------------------------------------------------------------------
    def open_note(self, note_id: int) -> NoteView:
        note = self.record.note(note_id)
        if note is None:
            raise TimelineError(f"No progress note with id {note_id}.")
        session = self.record.session(note["session_id"])
        client = self.record.client(session["client_id"]) if session else None
        addenda = self.record.addenda(note_id)
        seal_ok = note["status"] != "signed" or content_hash(note["canonical_text"] or "") == note["content_hash"]
        chain_ok = True
        previous = note["content_hash"]
        for addendum in addenda:
            expected = addendum_hash(addendum["amends_hash"], addendum["body"], addendum["created_at"], addendum["signer"])
            if addendum["amends_hash"] != previous or addendum["content_hash"] != expected:
                chain_ok = False
            previous = addendum["content_hash"]
        return NoteView(note, client["code"] if client else "", addenda, seal_ok, chain_ok)

    def private_jottings(self, session_id: int) -> list[tuple[int, str]]:
        """The session's private psychotherapy notes. Every opening is audited."""
        from ..storage.vault import doc_key_for

        session = self.record.session(session_id)
        if session is None:
            raise TimelineError("That session no longer exists.")
        lines = self.workspace.vault.load_jottings(doc_key_for(session))
        self.record.audit(self.actor, "private jottings viewed", subject=f"session:{session_id}")
        return [(line.minute, line.text) for line in lines]

    # -- search -----------------------------------------------------------------
    def search(self, text: str, client_id: int | None = None, *, include_private: bool = False,
               limit: int = SEARCH_LIMIT) -> SearchResults:
        query = fts_query(text)
        if query is None:
            return SearchResults(text, 0, [])
        scope = "AND note_search.client_id = :client" if client_id is not None else ""
        params = {"q": query, "client": client_id, "limit": limit}
        if client_id is None:  # counted from the index alone: exact and cheap at any size
            total = self.record.query_one("SELECT count(*) AS n FROM note_search WHERE note_search MATCH :q",
                                          params)["n"]
            more = False
        else:
            # client_id is an UNINDEXED column stored after the note's text, so testing it reads
            # every matching note (0.15 s for 10,000 matches): count at most SCOPED_COUNT_CAP.
            total = self.record.query_one(
                f"""SELECT count(*) AS n FROM (SELECT 1 FROM note_search WHERE note_search MATCH :q {scope}
                     LIMIT {SCOPED_COUNT_CAP + 1})""", params)["n"]
            more = total > SCOPED_COUNT_CAP
            total = min(total, SCOPED_COUNT_CAP)
        rows = self.record.query(
            f"""SELECT note_search.note_id, note_search.kind,
                       snippet(note_search, 0, '{SNIPPET_START}', '{SNIPPET_END}', '…', 12) AS snippet,
                       c.code, s.started_at
                  FROM note_search
                  JOIN progress_notes n ON n.id = note_search.note_id
                  JOIN sessions s ON s.id = n.session_id
                  JOIN clients c ON c.id = s.client_id
                 WHERE note_search MATCH :q {scope}
                 ORDER BY rank LIMIT :limit""",
            params,
        )
        hits = [SearchHit(r["note_id"], r["code"], _date(r["started_at"]), r["kind"], r["snippet"]) for r in rows]
        private_hits: list[tuple[int, str, str]] = []
        if include_private:
            private_hits = self._search_private(text, client_id)
        return SearchResults(text, total, hits, private_hits, more)

    def _search_private(self, text: str, client_id: int | None) -> list[tuple[int, str, str]]:
        """Only on explicit request: a plain substring search through the vault, audited."""
        from ..storage.vault import doc_key_for

        needle = text.strip().casefold()
        if not needle:
            return []
        where, params = ("WHERE client_id = ?", (client_id,)) if client_id is not None else ("", ())
        sessions = self.record.query(f"SELECT * FROM sessions {where} ORDER BY started_at DESC", params)
        seen: set[str] = set()
        hits = []
        for session in sessions:
            key = doc_key_for(session)
            if key in seen:
                continue
            seen.add(key)
            for line in self.workspace.vault.load_jottings(key):
                if needle in line.text.casefold():
                    hits.append((session["id"], _date(session["started_at"]), line.text))
        self.record.audit(self.actor, "private jottings searched",
                          subject=f"client:{client_id}" if client_id is not None else "all clients")
        return hits

    # -- notes due --------------------------------------------------------------
    def notes_due(self, now: datetime | None = None) -> list[dict[str, Any]]:
        cutoff = ((now or _now()) - OVERDUE_AFTER).isoformat()
        return self.record.query(
            f"""SELECT s.id AS session_id, s.started_at, s.ended_at, s.group_session_id, c.code, c.display_name,
                      (SELECT n.status FROM progress_notes n WHERE n.session_id = s.id) AS note_status,
                      (s.ended_at < :cutoff) AS overdue
                 FROM sessions s JOIN clients c ON c.id = s.client_id
                WHERE s.ended_at IS NOT NULL AND {UNSIGNED}
                ORDER BY s.ended_at""",
            {"cutoff": cutoff},
        )

    # -- before the session -----------------------------------------------------
    def before_session(self, client_id: int) -> BeforeSession:
        from ..domain.shorthand import Category, parse_jotting
        from ..storage.vault import doc_key_for

        client = self.record.client(client_id)
        if client is None:
            raise TimelineError("That client no longer exists.")
        last_note = self.record.query_one(
            """SELECT n.draft_json, s.started_at FROM progress_notes n JOIN sessions s ON s.id = n.session_id
                WHERE s.client_id = ? AND n.status = 'signed' ORDER BY s.started_at DESC LIMIT 1""",
            (client_id,),
        )
        plan = json.loads(last_note["draft_json"]).get("plan", {}) if last_note else {}
        last = self.record.query_one(
            "SELECT * FROM sessions WHERE client_id = ? ORDER BY started_at DESC, id DESC LIMIT 1", (client_id,))
        questions = []
        if last is not None:
            questions = [line.text for line in self.workspace.vault.load_jottings(doc_key_for(last))
                         if parse_jotting(line.text, self.workspace.rules).category is Category.QUESTION]

        def latest(instrument: str) -> tuple[int, str] | None:
            row = self.record.query_one(
                """SELECT total FROM measure_scores WHERE client_id = ? AND instrument = ?
                    ORDER BY administered_at DESC, id DESC LIMIT 1""", (client_id, instrument))
            return (row["total"], band_for(instrument, row["total"])) if row else None

        risk = self.record.query_one(
            "SELECT level, assessed_at FROM risk_assessments WHERE client_id = ? ORDER BY assessed_at DESC, id DESC LIMIT 1",
            (client_id,))
        return BeforeSession(
            client=client, last_session=_date(last["started_at"]) if last else "",
            plan={k: str(v) for k, v in plan.items()}, questions=questions,
            phq9=latest("phq9"), gad7=latest("gad7"),
            risk_level=(risk["level"] if risk else "") or "", risk_date=_date(risk["assessed_at"]) if risk else "",
            goals=self.record.goals(client_id),
        )

    # -- treatment plan ---------------------------------------------------------
    def treatment_plan(self, client_id: int, *, recent_notes: int | None = None) -> dict[str, Any]:
        """Problems and goals, each goal with its progress history from the signed notes.

        ``recent_notes`` limits the history to the newest that many notes (the screen shows
        the last 30 entries per goal; reading 10,000 notes' drafts for it took ~0.6 s).
        """
        problems = self.record.query("SELECT * FROM problems WHERE client_id = ? ORDER BY id", (client_id,))
        goals = self.record.goals(client_id, active_only=False)
        for goal in goals:
            goal["objectives"] = self.record.query("SELECT * FROM objectives WHERE goal_id = ? ORDER BY id", (goal["id"],))
            goal["interventions"] = self.record.query(
                "SELECT * FROM plan_interventions WHERE goal_id = ? ORDER BY id", (goal["id"],))
            goal["history"] = []
        history = self.record.query(
            f"""SELECT n.draft_json, s.started_at FROM sessions s JOIN progress_notes n ON n.session_id = s.id
                WHERE s.client_id = ? AND n.status = 'signed' ORDER BY s.started_at DESC, s.id DESC
                {"LIMIT ?" if recent_notes is not None else ""}""",
            (client_id, recent_notes) if recent_notes is not None else (client_id,),
        )[::-1]
        by_id = {str(g["id"]): g for g in goals}
        for row in history:
            for progress in json.loads(row["draft_json"]).get("goals", []):
                goal = by_id.get(str(progress.get("goal_id")))
                if goal is not None and progress.get("status"):
                    goal["history"].append((_date(row["started_at"]), progress["status"], progress.get("evidence", "")))
        return {"problems": problems, "goals": goals}

    # -- records export -----------------------------------------------------------
    def export_client(self, code: str, fmt: str, *, include_private: bool = False) -> str:
        """The clinical record for a records request. Psychotherapy notes only when asked."""
        from .writeup import NoteRecords

        client = self.workspace.client_by_code(code)
        plan = self.treatment_plan(client["id"])
        notes = self.record.query(
            """SELECT n.id, s.id AS session_id, s.started_at FROM progress_notes n JOIN sessions s ON s.id = n.session_id
                WHERE s.client_id = ? AND n.status = 'signed' ORDER BY s.started_at""",
            (client["id"],),
        )
        records = NoteRecords(self.workspace)
        measures = self.record.query(
            "SELECT instrument, total, items_json, administered_at FROM measure_scores WHERE client_id = ? ORDER BY administered_at, id",
            (client["id"],))
        risk = self.record.query(
            """SELECT assessed_at, suicidal_ideation, homicidal_ideation, self_harm, detail, level, protective_factors,
                      safety_plan_reviewed FROM risk_assessments WHERE client_id = ? ORDER BY assessed_at, id""",
            (client["id"],))
        private: dict[int, list[tuple[int, str]]] = {}
        if include_private:
            from ..storage.vault import doc_key_for

            for note in self.record.query("SELECT * FROM sessions WHERE client_id = ? ORDER BY started_at", (client["id"],)):
                lines = self.workspace.vault.load_jottings(doc_key_for(note))
                if lines:
                    private[note["id"]] = [(line.minute, line.text) for line in lines]
        self.record.audit(self.actor, "client record exported", subject=f"client:{client['id']}",
                          detail=f"{fmt}{' with private jottings' if include_private else ''}")
        if fmt == "json":
            return json.dumps({
                "format": "hushpad-client-record", "version": 1, "exported_at": _now().isoformat(timespec="seconds"),
                "client": {k: client[k] for k in ("code", "display_name", "date_of_birth")},
                "treatment_plan": {
                    "problems": [{"description": p["description"], "status": p["status"]} for p in plan["problems"]],
                    "goals": [{"number": g["ordinal"], "description": g["description"], "status": g["status"],
                               "objectives": [o["description"] for o in g["objectives"]],
                               "interventions": [i["description"] for i in g["interventions"]],
                               "progress": [{"date": d, "status": s, "evidence": e} for d, s, e in g["history"]]}
                              for g in plan["goals"]],
                },
                "progress_notes": [{"note_id": n["id"], "date": _date(n["started_at"]),
                                    "text": records.plain_text(n["id"])} for n in notes],
                "measures": [{"date": _date(m["administered_at"]), "instrument": m["instrument"], "total": m["total"],
                              "band": band_for(m["instrument"], m["total"]),
                              "items": json.loads(m["items_json"]) if m["items_json"] else None} for m in measures],
                "risk_assessments": [dict(r) for r in risk],
                **({"psychotherapy_notes": [{"session_id": sid, "jottings": [{"minute": m, "text": t} for m, t in lines]}
                                            for sid, lines in private.items()]} if include_private else {}),
            }, ensure_ascii=False, indent=2) + "\n"
        return self._export_markdown(client, plan, notes, records, measures, risk, private)

    @staticmethod
    def _export_markdown(client, plan, notes, records, measures, risk, private) -> str:  # noqa: ANN001
        from ..domain.canonical import escape_markdown as esc

        out = [f"# Clinical record: {esc(client['code'])}", ""]
        if client["display_name"]:
            out.append(f"- Name: {esc(client['display_name'])}")
        if client["date_of_birth"]:
            out.append(f"- Date of birth: {esc(client['date_of_birth'])}")
        out += ["", "## Treatment plan", ""]
        for problem in plan["problems"]:
            out.append(f"- Problem: {esc(problem['description'])} ({esc(problem['status'])})")
        for goal in plan["goals"]:
            out.append(f"- Goal {goal['ordinal']} ({goal['status']}): {esc(goal['description'])}")
            out += [f"  - Objective: {esc(o['description'])}" for o in goal["objectives"]]
            out += [f"  - Intervention: {esc(i['description'])}" for i in goal["interventions"]]
            out += [f"  - {d}: {s}{' (' + esc(e) + ')' if e else ''}" for d, s, e in goal["history"]]
        out += ["", "## Measures", "", "| Date | Measure | Total | Band |", "|---|---|---|---|"]
        out += [f"| {_date(m['administered_at'])} | {'PHQ-9' if m['instrument'] == 'phq9' else 'GAD-7'} | {m['total']} | "
                f"{band_for(m['instrument'], m['total'])} |" for m in measures]
        out += ["", "## Risk assessments", ""]
        out += [f"- {_date(r['assessed_at'])}: level {esc(r['level'] or 'not stated')}; SI {r['suicidal_ideation']}, "
                f"HI {r['homicidal_ideation']}, self-harm {r['self_harm']}"
                + (f"; {esc(r['detail'])}" if r["detail"] else "") for r in risk]
        out += ["", "## Progress notes", ""]
        for note in notes:
            out += [f"### {_date(note['started_at'])} (note {note['id']})", "", "```text",
                    records.plain_text(note["id"]).replace("```", "`\u200b``").rstrip("\n"), "```", ""]
        if private:
            out += ["## Psychotherapy notes (private; included on explicit request)", ""]
            for session_id, lines in private.items():
                out.append(f"### Session {session_id}")
                out += [f"- {m}' {esc(t)}" for m, t in lines]
                out.append("")
        return "\n".join(out).rstrip("\n") + "\n"
