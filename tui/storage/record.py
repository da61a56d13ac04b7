"""The clinical record: clients, treatment plans, sessions, progress notes, audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .db import EncryptedStore

LOCKED_NOTE = "a signed progress note is locked; corrections go in an addendum"

RECORD_V1 = [
    """CREATE TABLE clients (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL DEFAULT '',
        date_of_birth TEXT,
        created_at TEXT NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE problems (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        description TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active',
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE goals (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        problem_id INTEGER REFERENCES problems(id),
        ordinal INTEGER NOT NULL,
        description TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'met', 'discontinued')),
        created_at TEXT NOT NULL,
        UNIQUE (client_id, ordinal)
    )""",
    """CREATE TABLE objectives (
        id INTEGER PRIMARY KEY,
        goal_id INTEGER NOT NULL REFERENCES goals(id),
        description TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active',
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE plan_interventions (
        id INTEGER PRIMARY KEY,
        goal_id INTEGER NOT NULL REFERENCES goals(id),
        description TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE group_sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        topic TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        group_session_id INTEGER REFERENCES group_sessions(id),
        started_at TEXT NOT NULL,
        ended_at TEXT,
        duration_min INTEGER,
        modality TEXT NOT NULL DEFAULT 'individual',
        setting TEXT NOT NULL DEFAULT 'in person'
    )""",
    "CREATE INDEX sessions_by_client ON sessions (client_id, started_at)",
    """CREATE TABLE progress_notes (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL UNIQUE REFERENCES sessions(id),
        template TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed')),
        draft_json TEXT NOT NULL DEFAULT '{}',
        canonical_text TEXT,
        content_hash TEXT,
        signer TEXT,
        credentials TEXT,
        signed_at TEXT,
        late_entry INTEGER NOT NULL DEFAULT 0,
        summary TEXT NOT NULL DEFAULT '',
        editing_pid INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE note_sections (
        id INTEGER PRIMARY KEY,
        note_id INTEGER NOT NULL REFERENCES progress_notes(id),
        key TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        ordinal INTEGER NOT NULL,
        UNIQUE (note_id, key)
    )""",
    """CREATE TABLE addenda (
        id INTEGER PRIMARY KEY,
        note_id INTEGER NOT NULL REFERENCES progress_notes(id),
        body TEXT NOT NULL,
        signer TEXT NOT NULL,
        credentials TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        amends_hash TEXT NOT NULL,
        content_hash TEXT NOT NULL
    )""",
    """CREATE TABLE measure_scores (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        session_id INTEGER REFERENCES sessions(id),
        instrument TEXT NOT NULL CHECK (instrument IN ('phq9', 'gad7')),
        total INTEGER NOT NULL,
        items_json TEXT,
        administered_at TEXT NOT NULL
    )""",
    "CREATE INDEX measures_by_client ON measure_scores (client_id, instrument, administered_at)",
    """CREATE TABLE risk_assessments (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        session_id INTEGER REFERENCES sessions(id),
        suicidal_ideation TEXT NOT NULL DEFAULT 'not assessed',
        homicidal_ideation TEXT NOT NULL DEFAULT 'not assessed',
        self_harm TEXT NOT NULL DEFAULT 'not assessed',
        detail TEXT NOT NULL DEFAULT '',
        level TEXT NOT NULL DEFAULT '',
        protective_factors TEXT NOT NULL DEFAULT '',
        safety_plan_reviewed INTEGER NOT NULL DEFAULT 0,
        assessed_at TEXT NOT NULL
    )""",
    "CREATE INDEX risk_by_client ON risk_assessments (client_id, assessed_at)",
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT ''
    )""",
    # The audit log is append-only, enforced by the database itself.
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    # A signed note, its sections and addenda never change.
    f"CREATE TRIGGER signed_note_no_update BEFORE UPDATE ON progress_notes WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, '{LOCKED_NOTE}'); END",
    f"CREATE TRIGGER signed_note_no_delete BEFORE DELETE ON progress_notes WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, '{LOCKED_NOTE}'); END",
    f"""CREATE TRIGGER signed_section_no_insert BEFORE INSERT ON note_sections
        WHEN (SELECT status FROM progress_notes WHERE id = NEW.note_id) = 'signed'
        BEGIN SELECT RAISE(ABORT, '{LOCKED_NOTE}'); END""",
    f"""CREATE TRIGGER signed_section_no_update BEFORE UPDATE ON note_sections
        WHEN (SELECT status FROM progress_notes WHERE id = OLD.note_id) = 'signed'
        BEGIN SELECT RAISE(ABORT, '{LOCKED_NOTE}'); END""",
    f"""CREATE TRIGGER signed_section_no_delete BEFORE DELETE ON note_sections
        WHEN (SELECT status FROM progress_notes WHERE id = OLD.note_id) = 'signed'
        BEGIN SELECT RAISE(ABORT, '{LOCKED_NOTE}'); END""",
    "CREATE TRIGGER addenda_no_update BEFORE UPDATE ON addenda BEGIN SELECT RAISE(ABORT, 'an addendum is permanent'); END",
    "CREATE TRIGGER addenda_no_delete BEFORE DELETE ON addenda BEGIN SELECT RAISE(ABORT, 'an addendum is permanent'); END",
]


def now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


class RecordStore(EncryptedStore):
    name = "record"
    migrations = (RECORD_V1,)

    # -- audit -------------------------------------------------------------
    def audit(self, actor: str, action: str, subject: str = "", detail: str = "") -> None:
        """Record an act. Never pass note or jotting content here: ids and kinds only."""
        with self.transaction() as conn:
            self.audit_in(conn, actor, action, subject, detail)

    @staticmethod
    def audit_in(conn: Any, actor: str, action: str, subject: str = "", detail: str = "") -> None:
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (now_iso(), actor, action, subject, detail),
        )

    def audit_entries(self, limit: int = 200) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))

    # -- clients -----------------------------------------------------------
    def add_client(self, code: str, display_name: str = "", date_of_birth: str | None = None) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO clients (code, display_name, date_of_birth, created_at) VALUES (?, ?, ?, ?)",
                (code, display_name, date_of_birth, now_iso()),
            )
            return int(cur.lastrowid)

    def update_client(self, client_id: int, *, code: str, display_name: str, date_of_birth: str | None) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE clients SET code = ?, display_name = ?, date_of_birth = ? WHERE id = ?",
                (code, display_name, date_of_birth, client_id),
            )

    def client_by_code(self, code: str) -> dict[str, Any] | None:
        return self.query_one("SELECT * FROM clients WHERE code = ? COLLATE NOCASE", (code,))

    def client(self, client_id: int) -> dict[str, Any] | None:
        return self.query_one("SELECT * FROM clients WHERE id = ?", (client_id,))

    def client_rows(self) -> list[dict[str, Any]]:
        """Clients with their last session and count of sessions still needing a signed note."""
        return self.query(
            """
            SELECT c.*,
                   (SELECT max(s.started_at) FROM sessions s WHERE s.client_id = c.id) AS last_session,
                   (SELECT count(*) FROM sessions s
                      LEFT JOIN progress_notes n ON n.session_id = s.id
                     WHERE s.client_id = c.id AND s.ended_at IS NOT NULL
                       AND (n.id IS NULL OR n.status != 'signed')) AS notes_due,
                   (SELECT count(*) FROM sessions s WHERE s.client_id = c.id AND s.ended_at IS NULL) AS open_sessions
              FROM clients c
             WHERE c.archived = 0
             ORDER BY c.code COLLATE NOCASE
            """
        )

    # -- treatment plan ----------------------------------------------------
    def goals(self, client_id: int, active_only: bool = True) -> list[dict[str, Any]]:
        where = "AND status = 'active'" if active_only else ""
        return self.query(f"SELECT * FROM goals WHERE client_id = ? {where} ORDER BY ordinal", (client_id,))

    def add_goal(self, client_id: int, description: str, problem_id: int | None = None) -> int:
        with self.transaction() as conn:
            ordinal = conn.execute(
                "SELECT coalesce(max(ordinal), 0) + 1 FROM goals WHERE client_id = ?", (client_id,)
            ).fetchone()[0]
            cur = conn.execute(
                "INSERT INTO goals (client_id, problem_id, ordinal, description, created_at) VALUES (?, ?, ?, ?, ?)",
                (client_id, problem_id, ordinal, description, now_iso()),
            )
            return int(cur.lastrowid)

    def replace_active_goals(self, client_id: int, descriptions: list[str]) -> None:
        """Edit the active goal list: changed text updates, removed goals are discontinued."""
        with self.transaction() as conn:
            active = conn.execute(
                "SELECT id, description FROM goals WHERE client_id = ? AND status = 'active' ORDER BY ordinal",
                (client_id,),
            ).fetchall()
            for index, (goal_id, old) in enumerate(active):
                if index < len(descriptions):
                    if descriptions[index] != old:
                        conn.execute("UPDATE goals SET description = ? WHERE id = ?", (descriptions[index], goal_id))
                else:
                    conn.execute("UPDATE goals SET status = 'discontinued' WHERE id = ?", (goal_id,))
            next_ordinal = conn.execute(
                "SELECT coalesce(max(ordinal), 0) + 1 FROM goals WHERE client_id = ?", (client_id,)
            ).fetchone()[0]
            for offset, text in enumerate(descriptions[len(active):]):
                conn.execute(
                    "INSERT INTO goals (client_id, ordinal, description, created_at) VALUES (?, ?, ?, ?)",
                    (client_id, next_ordinal + offset, text, now_iso()),
                )

    # -- sessions ----------------------------------------------------------
    def session(self, session_id: int) -> dict[str, Any] | None:
        return self.query_one("SELECT * FROM sessions WHERE id = ?", (session_id,))

    def sessions_for(self, client_id: int) -> list[dict[str, Any]]:
        return self.query(
            """SELECT s.*, n.status AS note_status, n.late_entry, n.template
                 FROM sessions s LEFT JOIN progress_notes n ON n.session_id = s.id
                WHERE s.client_id = ? ORDER BY s.started_at DESC, s.id DESC""",
            (client_id,),
        )
