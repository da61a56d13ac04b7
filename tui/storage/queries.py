"""Read queries over the clinical record, kept next to its schema (record.py).

What the caseload, chart, search, notes-due and export use-cases ask of the record.
Each function takes the open ``RecordStore`` and returns plain rows; the use-cases in
``tui/services`` shape them. Writes stay on ``RecordStore`` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .record import RecordStore

Row = dict[str, Any]

# "This session has no signed note", shaped so SQLite never reads a signed note's row:
# the note's text makes each row several pages long, and reading 10,000 of them to learn
# they are signed cost ~0.8 s for the client list. "No note" is answered by the unique
# index on session_id, and drafts (status is only 'draft' or 'signed') by notes_by_status.
UNSIGNED = """(NOT EXISTS (SELECT 1 FROM progress_notes n WHERE n.session_id = s.id)
                OR s.id IN (SELECT session_id FROM progress_notes WHERE status = 'draft'))"""


def _limit(limit: int | None) -> str:
    return "LIMIT ?" if limit is not None else ""


def _with_limit(params: tuple[Any, ...], limit: int | None) -> tuple[Any, ...]:
    return (*params, limit) if limit is not None else params


# -- caseload -------------------------------------------------------------------------
def caseload(record: "RecordStore", overdue_before: str) -> list[Row]:
    """One row per active client: last session, notes due and overdue, latest risk and scores."""
    return record.query(
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
        {"cutoff": overdue_before},
    )


def notes_due(record: "RecordStore", overdue_before: str) -> list[Row]:
    """Every ended session without a signed note, oldest first."""
    return record.query(
        f"""SELECT s.id AS session_id, s.started_at, s.ended_at, s.group_session_id, c.code, c.display_name,
                  (SELECT n.status FROM progress_notes n WHERE n.session_id = s.id) AS note_status,
                  (s.ended_at < :cutoff) AS overdue
             FROM sessions s JOIN clients c ON c.id = s.client_id
            WHERE s.ended_at IS NOT NULL AND {UNSIGNED}
            ORDER BY s.ended_at""",
        {"cutoff": overdue_before},
    )


# -- chart ------------------------------------------------------------------------------
def session_count(record: "RecordStore", client_id: int) -> int:
    return int(record.query_one("SELECT count(*) AS n FROM sessions WHERE client_id = ?", (client_id,))["n"])


def chart_sessions(record: "RecordStore", client_id: int, limit: int | None = None) -> list[Row]:
    """Sessions newest first, each with its note's status, risk level and scores."""
    return record.query(
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
         {_limit(limit)}
        """,
        _with_limit((client_id,), limit),
    )


def score_trend(record: "RecordStore", client_id: int, instrument: str, points: int) -> list[Row]:
    """The newest ``points`` scores of one instrument, oldest first."""
    return record.query(
        """SELECT instrument, total, administered_at FROM measure_scores WHERE client_id = ? AND instrument = ?
            ORDER BY administered_at DESC, id DESC LIMIT ?""",
        (client_id, instrument, points),
    )[::-1]


def risk_trend(record: "RecordStore", client_id: int, points: int) -> list[Row]:
    """The newest ``points`` stated risk levels, oldest first."""
    return record.query(
        """SELECT level, assessed_at FROM risk_assessments WHERE client_id = ? AND level != ''
            ORDER BY assessed_at DESC, id DESC LIMIT ?""",
        (client_id, points),
    )[::-1]


def sessions_of(record: "RecordStore", client_id: int | None = None, *, newest_first: bool = False) -> list[Row]:
    """Whole session rows of one client (or of everyone), by start time."""
    where, params = ("WHERE client_id = ?", (client_id,)) if client_id is not None else ("", ())
    order = "DESC" if newest_first else ""
    return record.query(f"SELECT * FROM sessions {where} ORDER BY started_at {order}", params)


def last_session(record: "RecordStore", client_id: int) -> Row | None:
    return record.query_one(
        "SELECT * FROM sessions WHERE client_id = ? ORDER BY started_at DESC, id DESC LIMIT 1", (client_id,))


def last_signed_draft(record: "RecordStore", client_id: int) -> Row | None:
    """The structured draft of the client's newest signed note (its plan is the next session's start)."""
    return record.query_one(
        """SELECT n.draft_json, s.started_at FROM progress_notes n JOIN sessions s ON s.id = n.session_id
            WHERE s.client_id = ? AND n.status = 'signed' ORDER BY s.started_at DESC LIMIT 1""",
        (client_id,),
    )


def latest_score(record: "RecordStore", client_id: int, instrument: str) -> Row | None:
    return record.query_one(
        """SELECT total FROM measure_scores WHERE client_id = ? AND instrument = ?
            ORDER BY administered_at DESC, id DESC LIMIT 1""", (client_id, instrument))


def latest_risk(record: "RecordStore", client_id: int) -> Row | None:
    return record.query_one(
        "SELECT level, assessed_at FROM risk_assessments WHERE client_id = ? ORDER BY assessed_at DESC, id DESC LIMIT 1",
        (client_id,))


# -- treatment plan -------------------------------------------------------------------
def problems(record: "RecordStore", client_id: int) -> list[Row]:
    return record.query("SELECT * FROM problems WHERE client_id = ? ORDER BY id", (client_id,))


def objectives(record: "RecordStore", goal_id: int) -> list[Row]:
    return record.query("SELECT * FROM objectives WHERE goal_id = ? ORDER BY ordinal, id", (goal_id,))


def plan_interventions(record: "RecordStore", goal_id: int, objective_id: int | None = None,
                       *, goal_level: bool = False) -> list[Row]:
    """A goal's planned interventions: all of them, those of one objective, or (``goal_level``)
    those that name no objective."""
    if objective_id is not None:
        return record.query("SELECT * FROM plan_interventions WHERE goal_id = ? AND objective_id = ? ORDER BY id",
                            (goal_id, objective_id))
    where = "AND objective_id IS NULL" if goal_level else ""
    return record.query(f"SELECT * FROM plan_interventions WHERE goal_id = ? {where} ORDER BY id", (goal_id,))


def plan_snapshot_rows(record: "RecordStore", client_id: int) -> dict[str, Any]:
    """Everything a signed treatment plan states, as rows: review date, diagnoses (current),
    problems, and every goal with its objectives and planned interventions."""
    goals = record.query("SELECT * FROM goals WHERE client_id = ? ORDER BY ordinal", (client_id,))
    for goal in goals:
        goal["objectives"] = objectives(record, goal["id"])
        for objective in goal["objectives"]:
            objective["interventions"] = plan_interventions(record, goal["id"], objective["id"])
        goal["interventions"] = plan_interventions(record, goal["id"], goal_level=True)
    return {
        "review_due": record.plan_review_due(client_id),
        "diagnoses": record.diagnoses(client_id),
        "problems": record.query("SELECT * FROM problems WHERE client_id = ? ORDER BY id", (client_id,)),
        "goals": goals,
    }


def signed_drafts(record: "RecordStore", client_id: int, limit: int | None = None) -> list[Row]:
    """The structured drafts of the client's signed notes, oldest first; with ``limit``, the newest that many."""
    return record.query(
        f"""SELECT n.draft_json, s.started_at FROM sessions s JOIN progress_notes n ON n.session_id = s.id
            WHERE s.client_id = ? AND n.status = 'signed' ORDER BY s.started_at DESC, s.id DESC
            {_limit(limit)}""",
        _with_limit((client_id,), limit),
    )[::-1]


# -- search -----------------------------------------------------------------------------
def search_count(record: "RecordStore", query: str, client_id: int | None, cap: int) -> int:
    """How many notes match; for one client, counted up to ``cap`` + 1."""
    if client_id is None:  # counted from the index alone: exact and cheap at any size
        return int(record.query_one("SELECT count(*) AS n FROM note_search WHERE note_search MATCH ?", (query,))["n"])
    # client_id is an UNINDEXED column stored after the note's text, so testing it reads
    # every matching note (0.15 s for 10,000 matches): count at most ``cap`` + 1.
    return int(record.query_one(
        """SELECT count(*) AS n FROM (SELECT 1 FROM note_search WHERE note_search MATCH ?
             AND note_search.client_id = ? LIMIT ?)""", (query, client_id, cap + 1))["n"])


def search_hits(record: "RecordStore", query: str, client_id: int | None, limit: int,
                mark: tuple[str, str]) -> list[Row]:
    """The best ``limit`` matches, each with a snippet whose matches sit between ``mark``."""
    scope = "AND note_search.client_id = :client" if client_id is not None else ""
    return record.query(
        f"""SELECT note_search.note_id, note_search.kind,
                   snippet(note_search, 0, :start, :end, '…', 12) AS snippet,
                   c.code, s.started_at
              FROM note_search
              JOIN progress_notes n ON n.id = note_search.note_id
              JOIN sessions s ON s.id = n.session_id
              JOIN clients c ON c.id = s.client_id
             WHERE note_search MATCH :q {scope}
             ORDER BY rank LIMIT :limit""",
        {"q": query, "client": client_id, "limit": limit, "start": mark[0], "end": mark[1]},
    )


# -- records export ---------------------------------------------------------------------
def signed_notes(record: "RecordStore", client_id: int) -> list[Row]:
    """Ids of the client's signed notes, oldest first."""
    return record.query(
        """SELECT n.id, s.id AS session_id, s.started_at FROM progress_notes n JOIN sessions s ON s.id = n.session_id
            WHERE s.client_id = ? AND n.status = 'signed' ORDER BY s.started_at""",
        (client_id,),
    )


def measures_of(record: "RecordStore", client_id: int) -> list[Row]:
    return record.query(
        """SELECT instrument, total, items_json, administered_at FROM measure_scores WHERE client_id = ?
            ORDER BY administered_at, id""",
        (client_id,))


def risk_assessments_of(record: "RecordStore", client_id: int) -> list[Row]:
    return record.query(
        """SELECT assessed_at, suicidal_ideation, homicidal_ideation, self_harm, detail, level, protective_factors,
                  safety_plan_reviewed FROM risk_assessments WHERE client_id = ? ORDER BY assessed_at, id""",
        (client_id,))


# -- FHIR export (whole rows, in bulk: one query per table for a 10,000-note client) ------
def client_signed_note_rows(record: "RecordStore", client_id: int) -> list[Row]:
    """The client's signed notes, whole rows, oldest session first."""
    return record.query(
        """SELECT n.* FROM progress_notes n JOIN sessions s ON s.id = n.session_id
            WHERE s.client_id = ? AND n.status = 'signed' ORDER BY s.started_at, n.id""",
        (client_id,))


def client_addenda(record: "RecordStore", client_id: int) -> list[Row]:
    """Every addendum to the client's notes, in the order each note's chain was written."""
    return record.query(
        """SELECT a.* FROM addenda a JOIN progress_notes n ON n.id = a.note_id JOIN sessions s ON s.id = n.session_id
            WHERE s.client_id = ? ORDER BY a.note_id, a.id""",
        (client_id,))


def client_measure_rows(record: "RecordStore", client_id: int) -> list[Row]:
    """Every measure score of the client, whole rows (with their id and session)."""
    return record.query(
        "SELECT * FROM measure_scores WHERE client_id = ? ORDER BY administered_at, id", (client_id,))
