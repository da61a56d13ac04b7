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


# v2: the shared part of a group note lives once, on the group session.
RECORD_V2 = [
    "ALTER TABLE group_sessions ADD COLUMN group_part_json TEXT NOT NULL DEFAULT '{}'",
    "CREATE INDEX notes_by_status ON progress_notes (status)",
]


# v3: indexes for the chart's one-query timeline, and full-text search over signed
# notes and addenda. The FTS table lives inside the encrypted file like everything else.
RECORD_V3 = [
    "CREATE INDEX risk_by_session ON risk_assessments (session_id)",
    "CREATE INDEX measures_by_session ON measure_scores (session_id)",
    "CREATE INDEX addenda_by_note ON addenda (note_id)",
    """CREATE VIRTUAL TABLE note_search USING fts5(
        body, note_id UNINDEXED, client_id UNINDEXED, kind UNINDEXED, tokenize = 'unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER note_search_on_sign AFTER UPDATE OF status ON progress_notes
       WHEN NEW.status = 'signed' AND OLD.status != 'signed'
       BEGIN
         INSERT INTO note_search (body, note_id, client_id, kind)
         VALUES (NEW.canonical_text, NEW.id, (SELECT client_id FROM sessions WHERE id = NEW.session_id), 'note');
       END""",
    """CREATE TRIGGER note_search_on_addendum AFTER INSERT ON addenda
       BEGIN
         INSERT INTO note_search (body, note_id, client_id, kind)
         VALUES (NEW.body, NEW.note_id,
                 (SELECT s.client_id FROM progress_notes n JOIN sessions s ON s.id = n.session_id WHERE n.id = NEW.note_id),
                 'addendum');
       END""",
    """INSERT INTO note_search (body, note_id, client_id, kind)
       SELECT n.canonical_text, n.id, s.client_id, 'note'
         FROM progress_notes n JOIN sessions s ON s.id = n.session_id
        WHERE n.status = 'signed'""",
    """INSERT INTO note_search (body, note_id, client_id, kind)
       SELECT a.body, a.note_id, s.client_id, 'addendum'
         FROM addenda a JOIN progress_notes n ON n.id = a.note_id JOIN sessions s ON s.id = n.session_id""",
]


# v4: Ed25519 signatures (issue 10). Notes and addenda carry their signed payload, the
# signature and the signer's public key. Every row a signed note owns refuses UPDATE
# and DELETE; an addendum must extend its note's chain; the audit log is a hash chain
# whose head is signed (audit_heads); a supervisor's countersignature is a row of its own.
_SIGNED_SESSION = "EXISTS (SELECT 1 FROM progress_notes WHERE session_id = {col} AND status = 'signed')"
RECORD_V4 = [
    "ALTER TABLE progress_notes ADD COLUMN signed_payload TEXT",
    "ALTER TABLE progress_notes ADD COLUMN signature TEXT",
    "ALTER TABLE progress_notes ADD COLUMN signer_key TEXT",
    "ALTER TABLE addenda ADD COLUMN signed_payload TEXT",
    "ALTER TABLE addenda ADD COLUMN signature TEXT",
    "ALTER TABLE addenda ADD COLUMN signer_key TEXT",
    "ALTER TABLE audit_log ADD COLUMN prev_hash TEXT",
    "ALTER TABLE audit_log ADD COLUMN row_hash TEXT",
    """CREATE TABLE audit_heads (
        id INTEGER PRIMARY KEY,
        audit_id INTEGER NOT NULL,
        row_hash TEXT NOT NULL,
        signed_payload TEXT NOT NULL,
        signature TEXT NOT NULL,
        signer_key TEXT NOT NULL
    )""",
    """CREATE TABLE supervisors (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        ed25519 TEXT NOT NULL,
        x25519 TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        added_at TEXT NOT NULL,
        registration TEXT NOT NULL,
        registration_signature TEXT NOT NULL
    )""",
    """CREATE TABLE cosignatures (
        id INTEGER PRIMARY KEY,
        note_id INTEGER NOT NULL REFERENCES progress_notes(id),
        supervisor TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('awaiting', 'cosigned', 'returned')),
        at TEXT NOT NULL,
        signed_payload TEXT,
        signature TEXT,
        signer_key TEXT
    )""",
    "CREATE INDEX cosignatures_by_note ON cosignatures (note_id)",
    "CREATE TRIGGER audit_heads_no_update BEFORE UPDATE ON audit_heads BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER cosignatures_no_update BEFORE UPDATE ON cosignatures BEGIN SELECT RAISE(ABORT, 'a countersignature is permanent'); END",
    "CREATE TRIGGER cosignatures_no_delete BEFORE DELETE ON cosignatures BEGIN SELECT RAISE(ABORT, 'a countersignature is permanent'); END",
    # Once chained, every new audit row must name the current head as its predecessor.
    """CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
       WHEN (SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1) IS NOT NULL
        AND (NEW.row_hash IS NULL OR NEW.prev_hash IS NOT (SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1))
       BEGIN SELECT RAISE(ABORT, 'the audit log is a hash chain; this row does not follow its head'); END""",
    # An addendum amends the latest signed version of its note, and a signed note's addenda are signed.
    """CREATE TRIGGER addenda_chain BEFORE INSERT ON addenda
       WHEN NEW.amends_hash IS NOT coalesce(
              (SELECT content_hash FROM addenda WHERE note_id = NEW.note_id ORDER BY id DESC LIMIT 1),
              (SELECT content_hash FROM progress_notes WHERE id = NEW.note_id AND status = 'signed'))
       BEGIN SELECT RAISE(ABORT, 'an addendum must amend the latest signed version of its note'); END""",
    """CREATE TRIGGER addenda_signed BEFORE INSERT ON addenda
       WHEN (SELECT signed_payload FROM progress_notes WHERE id = NEW.note_id) IS NOT NULL
        AND (NEW.signed_payload IS NULL OR NEW.signature IS NULL OR NEW.signer_key IS NULL)
       BEGIN SELECT RAISE(ABORT, 'an addendum to a signed note must itself be signed'); END""",
    *[
        f"""CREATE TRIGGER {name} BEFORE {op} ON {table}
            WHEN {_SIGNED_SESSION.format(col=col)}
            BEGIN SELECT RAISE(ABORT, '{LOCKED_NOTE}'); END"""
        for table, key in (("sessions", "id"), ("measure_scores", "session_id"), ("risk_assessments", "session_id"))
        for op, name, col in (
            ("UPDATE", f"signed_{table}_no_update", f"OLD.{key}"),
            ("DELETE", f"signed_{table}_no_delete", f"OLD.{key}"),
            *([("INSERT", f"signed_{table}_no_insert", f"NEW.{key}")] if table != "sessions" else []),
        )
    ],
]


# v5: more measures (issue 13): PCL-5, the C-SSRS screener and custom scales
# ("custom:KEY") join PHQ-9 and GAD-7. SQLite cannot widen a CHECK in place, so the
# table is rebuilt with its ids, and its index and its signed-row triggers made again
# (DROP TABLE fires no trigger and takes the table's own with it).
MEASURE_INSTRUMENTS = ("phq9", "gad7", "pcl5", "cssrs")
_MEASURE_CHECK = (f"instrument IN ({', '.join(repr(i) for i in MEASURE_INSTRUMENTS)}) "
                  "OR (instrument GLOB 'custom:[a-z][a-z0-9]*' AND length(instrument) <= 23)")
RECORD_V5 = [
    f"""CREATE TABLE measure_scores_v5 (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        session_id INTEGER REFERENCES sessions(id),
        instrument TEXT NOT NULL CHECK ({_MEASURE_CHECK}),
        total INTEGER NOT NULL,
        items_json TEXT,
        administered_at TEXT NOT NULL
    )""",
    """INSERT INTO measure_scores_v5 (id, client_id, session_id, instrument, total, items_json, administered_at)
       SELECT id, client_id, session_id, instrument, total, items_json, administered_at FROM measure_scores""",
    "DROP TABLE measure_scores",
    "ALTER TABLE measure_scores_v5 RENAME TO measure_scores",
    "CREATE INDEX measures_by_client ON measure_scores (client_id, instrument, administered_at)",
    "CREATE INDEX measures_by_session ON measure_scores (session_id)",
    *[statement for statement in RECORD_V4 if "ON measure_scores" in statement and "CREATE TRIGGER" in statement],
]


# v6: ICD-10-CM diagnoses on the treatment plan (issue 13 item 1). History is kept: a
# removal sets removed_at and the row stays; a current code is listed once per client and at
# most one current diagnosis is primary (partial unique indexes). The title is the one the
# code set gave when it was chosen, so a plan made under an older release reads as it was.
RECORD_V6 = [
    """CREATE TABLE diagnoses (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        code TEXT NOT NULL CHECK (length(code) BETWEEN 3 AND 8),
        title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
        is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
        onset TEXT CHECK (onset IS NULL OR onset GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
        added_at TEXT NOT NULL,
        removed_at TEXT
    )""",
    "CREATE INDEX diagnoses_by_client ON diagnoses (client_id, removed_at)",
    "CREATE UNIQUE INDEX diagnoses_one_primary ON diagnoses (client_id) WHERE is_primary = 1 AND removed_at IS NULL",
    "CREATE UNIQUE INDEX diagnoses_current_once ON diagnoses (client_id, code) WHERE removed_at IS NULL",
    "CREATE TRIGGER diagnoses_no_delete BEFORE DELETE ON diagnoses BEGIN SELECT RAISE(ABORT, 'a diagnosis is removed, never deleted'); END",
    """CREATE TRIGGER diagnoses_removed_stays BEFORE UPDATE ON diagnoses WHEN OLD.removed_at IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'a removed diagnosis is history and does not change'); END""",
]


# v7: the treatment plan's golden thread (issue 13 item 2). Objectives get a number within
# their goal and a target date; a planned intervention can name the objective it serves (goal-
# level ones from before keep objective_id NULL); the plan gets a review date; and every
# signed version of the plan is kept, append-only and chained like the notes.
_ISO_DAY = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
RECORD_V7 = [
    "ALTER TABLE objectives ADD COLUMN ordinal INTEGER",
    f"ALTER TABLE objectives ADD COLUMN target_date TEXT CHECK (target_date IS NULL OR target_date {_ISO_DAY})",
    """UPDATE objectives SET ordinal = (SELECT count(*) FROM objectives o
                                        WHERE o.goal_id = objectives.goal_id AND o.id <= objectives.id)""",
    "CREATE UNIQUE INDEX objectives_numbered ON objectives (goal_id, ordinal)",
    "ALTER TABLE plan_interventions ADD COLUMN objective_id INTEGER REFERENCES objectives(id)",
    f"""CREATE TABLE plan_reviews (
        client_id INTEGER PRIMARY KEY REFERENCES clients(id),
        review_due TEXT NOT NULL CHECK (review_due {_ISO_DAY}),
        set_at TEXT NOT NULL
    )""",
    """CREATE TABLE plan_versions (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        version INTEGER NOT NULL CHECK (version >= 1),
        canonical_text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        previous_hash TEXT,
        signed_payload TEXT NOT NULL,
        signature TEXT NOT NULL,
        signer_key TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        UNIQUE (client_id, version)
    )""",
    "CREATE TRIGGER plan_versions_no_update BEFORE UPDATE ON plan_versions BEGIN SELECT RAISE(ABORT, 'a signed treatment plan is locked; sign a new version'); END",
    "CREATE TRIGGER plan_versions_no_delete BEFORE DELETE ON plan_versions BEGIN SELECT RAISE(ABORT, 'a signed treatment plan is locked; sign a new version'); END",
    # Each version follows the one before it: next number, and the previous version's seal.
    """CREATE TRIGGER plan_versions_chain BEFORE INSERT ON plan_versions
       WHEN NEW.version IS NOT coalesce((SELECT max(version) FROM plan_versions WHERE client_id = NEW.client_id), 0) + 1
         OR NEW.previous_hash IS NOT (SELECT content_hash FROM plan_versions WHERE client_id = NEW.client_id
                                       ORDER BY version DESC LIMIT 1)
       BEGIN SELECT RAISE(ABORT, 'a treatment-plan version must follow the latest signed version'); END""",
]


class DiagnosisConflictError(Exception):
    """The diagnosis cannot be added or changed as asked (already listed, no longer current)."""


class NoteLockedError(Exception):
    """A signed note was asked to change."""


class WriteupBusyError(Exception):
    """Another write-up of the same session is open."""


def now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


class RecordStore(EncryptedStore):
    name = "record"
    migrations = (RECORD_V1, RECORD_V2, RECORD_V3, RECORD_V4, RECORD_V5, RECORD_V6, RECORD_V7)

    # -- audit -------------------------------------------------------------
    def audit(self, actor: str, action: str, subject: str = "", detail: str = "") -> None:
        """Record an act. Never pass note or jotting content here: ids and kinds only."""
        with self.transaction() as conn:
            self.audit_in(conn, actor, action, subject, detail)

    @staticmethod
    def audit_in(conn: Any, actor: str, action: str, subject: str = "", detail: str = "") -> None:
        """Append one row to the hash chain: it carries its predecessor's hash and its own."""
        from .signing import audit_row_hash, legacy_audit_digest

        last = conn.execute("SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        if last is None:
            prev = "genesis"
        elif last[1] is None:  # rows written before the chain began are folded into one digest
            prev = legacy_audit_digest(conn.execute(
                "SELECT id, at, actor, action, subject, detail FROM audit_log ORDER BY id").fetchall())
        else:
            prev = last[1]
        row_id = (last[0] if last else 0) + 1
        at = now_iso()
        conn.execute(
            "INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row_id, at, actor, action, subject, detail, prev,
             audit_row_hash(row_id, at, actor, action, subject, detail, prev)),
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

    # -- progress notes ----------------------------------------------------
    def note_for_session(self, session_id: int) -> dict[str, Any] | None:
        return self.query_one("SELECT * FROM progress_notes WHERE session_id = ?", (session_id,))

    def note(self, note_id: int) -> dict[str, Any] | None:
        return self.query_one("SELECT * FROM progress_notes WHERE id = ?", (note_id,))

    def claim_draft(self, session_id: int, template: str, draft_json: str, pid: int,
                    pid_alive: Any) -> tuple[dict[str, Any], bool]:
        """Open (or create) the session's draft for writing, marked with our pid.

        Returns (row, created). Refuses when another live process holds it, and
        when the note is already signed.
        """
        with self.transaction() as conn:
            row = conn.execute("SELECT id, status, editing_pid FROM progress_notes WHERE session_id = ?",
                               (session_id,)).fetchone()
            if row is None:
                now = now_iso()
                conn.execute(
                    """INSERT INTO progress_notes (session_id, template, draft_json, editing_pid, created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?)""",
                    (session_id, template, draft_json, pid, now, now),
                )
                created = True
            else:
                note_id, status, holder = row
                if status == "signed":
                    raise NoteLockedError("This session's note is already signed; add an addendum instead.")
                if holder and holder != pid and pid_alive(holder):
                    raise WriteupBusyError(
                        f"This session is already being written up (process {holder}). Finish or close that one first."
                    )
                conn.execute("UPDATE progress_notes SET editing_pid = ? WHERE id = ?", (pid, note_id))
                created = False
        note = self.note_for_session(session_id)
        assert note is not None
        return note, created

    def release_draft(self, note_id: int, pid: int) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE progress_notes SET editing_pid = NULL WHERE id = ? AND editing_pid = ? AND status = 'draft'",
                (note_id, pid),
            )

    def save_draft(self, note_id: int, template: str, draft_json: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE progress_notes SET template = ?, draft_json = ?, updated_at = ? WHERE id = ? AND status = 'draft'",
                (template, draft_json, now_iso(), note_id),
            )

    def group_part(self, group_session_id: int) -> str:
        row = self.query_one("SELECT group_part_json FROM group_sessions WHERE id = ?", (group_session_id,))
        return row["group_part_json"] if row else "{}"

    def save_group_part(self, group_session_id: int, group_part_json: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE group_sessions SET group_part_json = ? WHERE id = ?", (group_part_json, group_session_id))

    def session_number(self, session: dict[str, Any]) -> int:
        row = self.query_one(
            "SELECT count(*) AS n FROM sessions WHERE client_id = ? AND (started_at < ? OR (started_at = ? AND id <= ?))",
            (session["client_id"], session["started_at"], session["started_at"], session["id"]),
        )
        return int(row["n"]) if row else 1

    def previous_scores(self, client_id: int, before: str) -> list[dict[str, Any]]:
        """The latest earlier administration of each instrument."""
        return self.query(
            """SELECT m.* FROM measure_scores m
                WHERE m.client_id = ? AND m.administered_at < ?
                  AND m.id = (SELECT m2.id FROM measure_scores m2
                               WHERE m2.client_id = m.client_id AND m2.instrument = m.instrument
                                 AND m2.administered_at < ?
                               ORDER BY m2.administered_at DESC, m2.id DESC LIMIT 1)""",
            (client_id, before, before),
        )

    def sign_note(self, note_id: int, *, sections: list[tuple[str, str, str]], draft_json: str,
                  canonical_text: str, content_hash: str, signer: str, credentials: str, signed_at: str,
                  late_entry: bool, summary: str, measures: list[tuple[str, int, str | None]],
                  risk: dict[str, Any] | None, client_id: int, session_id: int, actor: str,
                  before_commit: Any = None, signed: tuple[str, str, str] | None = None,
                  signing_seed: bytes | None = None, administered_at: str | None = None,
                  template: str | None = None) -> None:
        """Freeze the note, its sections, scores and risk in ONE transaction.

        ``template``: the template it is signed under (the row's column, which the chart lists,
        must not keep the one the draft was created with).

        ``administered_at``: when the scores were taken and the risk assessed, the session's
        start (a note signed days later must not move its scores to the signing day).

        A crash at any point leaves either a fully signed note or the untouched draft.
        ``before_commit`` is a test seam to fail between the writes and the commit.
        ``signed`` is (payload, signature, public key); ``signing_seed`` signs the audit head.
        """
        with self.transaction() as conn:
            status = conn.execute("SELECT status FROM progress_notes WHERE id = ?", (note_id,)).fetchone()
            if status is None:
                raise NoteLockedError("That note no longer exists.")
            if status[0] == "signed":
                raise NoteLockedError("This note is already signed.")
            conn.execute("DELETE FROM note_sections WHERE note_id = ?", (note_id,))
            for ordinal, (key, title, body) in enumerate(sections):
                conn.execute(
                    "INSERT INTO note_sections (note_id, key, title, body, ordinal) VALUES (?, ?, ?, ?, ?)",
                    (note_id, key, title, body, ordinal),
                )
            conn.execute("DELETE FROM measure_scores WHERE session_id = ?", (session_id,))
            for instrument, total, items_json in measures:
                conn.execute(
                    """INSERT INTO measure_scores (client_id, session_id, instrument, total, items_json, administered_at)
                       VALUES (?, ?, ?, ?, ?, ?)""",
                    (client_id, session_id, instrument, total, items_json, administered_at or signed_at),
                )
            conn.execute("DELETE FROM risk_assessments WHERE session_id = ?", (session_id,))
            if risk is not None:
                conn.execute(
                    """INSERT INTO risk_assessments (client_id, session_id, suicidal_ideation, homicidal_ideation,
                       self_harm, detail, level, protective_factors, safety_plan_reviewed, assessed_at)
                       VALUES (:client_id, :session_id, :si, :hi, :self_harm, :detail, :level, :protective_factors,
                               :safety_plan_reviewed, :assessed_at)""",
                    {**risk, "client_id": client_id, "session_id": session_id,
                     "assessed_at": administered_at or signed_at},
                )
            if signed is not None:  # in the same statement: once signed, the row never changes
                conn.execute("UPDATE progress_notes SET signed_payload = ?, signature = ?, signer_key = ? WHERE id = ?",
                             (*signed, note_id))
            conn.execute(
                """UPDATE progress_notes SET status = 'signed', draft_json = ?, canonical_text = ?, content_hash = ?,
                       signer = ?, credentials = ?, signed_at = ?, late_entry = ?, summary = ?, editing_pid = NULL,
                       updated_at = ?, template = coalesce(?, template)
                   WHERE id = ?""",
                (draft_json, canonical_text, content_hash, signer, credentials, signed_at, int(late_entry),
                 summary, signed_at, template, note_id),
            )
            self.audit_in(conn, actor, "note signed", subject=f"note:{note_id}",
                          detail="late entry" if late_entry else "")
            if signing_seed is not None:
                from .signing import sign_audit_head_in

                sign_audit_head_in(conn, signing_seed)
            if before_commit is not None:
                before_commit()

    def addenda(self, note_id: int) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM addenda WHERE note_id = ? ORDER BY id", (note_id,))

    def add_addendum(self, note_id: int, body: str, signer: str, credentials: str, created_at: str,
                     amends_hash: str, content_hash: str, actor: str, signed: tuple[str, str, str] | None = None,
                     signing_seed: bytes | None = None) -> int:
        """Append a signed addendum; the addenda_chain trigger refuses one that does not
        amend the latest signed version (checked here too, for a clear message)."""
        with self.transaction() as conn:
            head = conn.execute(
                """SELECT coalesce((SELECT content_hash FROM addenda WHERE note_id = ? ORDER BY id DESC LIMIT 1),
                                   (SELECT content_hash FROM progress_notes WHERE id = ? AND status = 'signed'))""",
                (note_id, note_id)).fetchone()[0]
            if head != amends_hash:
                raise NoteLockedError("The note changed since this addendum was written; open it again.")
            cur = conn.execute(
                """INSERT INTO addenda (note_id, body, signer, credentials, created_at, amends_hash, content_hash,
                                        signed_payload, signature, signer_key)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (note_id, body, signer, credentials, created_at, amends_hash, content_hash, *(signed or (None,) * 3)),
            )
            self.audit_in(conn, actor, "addendum signed", subject=f"note:{note_id}")
            if signing_seed is not None:
                from .signing import sign_audit_head_in

                sign_audit_head_in(conn, signing_seed)
            return int(cur.lastrowid)

    # -- treatment plan edits ------------------------------------------------
    def add_problem(self, client_id: int, description: str) -> int:
        with self.transaction() as conn:
            return int(conn.execute("INSERT INTO problems (client_id, description, created_at) VALUES (?, ?, ?)",
                                    (client_id, description, now_iso())).lastrowid)

    def add_objective(self, goal_id: int, description: str, target_date: str | None = None) -> int:
        """An objective under its goal, numbered next within the goal (objective 1.2)."""
        with self.transaction() as conn:
            ordinal = conn.execute("SELECT coalesce(max(ordinal), 0) + 1 FROM objectives WHERE goal_id = ?",
                                   (goal_id,)).fetchone()[0]
            cur = conn.execute(
                "INSERT INTO objectives (goal_id, ordinal, description, target_date, created_at) VALUES (?, ?, ?, ?, ?)",
                (goal_id, ordinal, description, target_date or None, now_iso()))
            self._plan_changed(conn, goal_id=goal_id, detail="objective added")
            return int(cur.lastrowid)

    def add_plan_intervention(self, goal_id: int, description: str, objective_id: int | None = None) -> int:
        """A planned intervention; with ``objective_id``, for that objective of the goal."""
        with self.transaction() as conn:
            if objective_id is not None and conn.execute(
                    "SELECT 1 FROM objectives WHERE id = ? AND goal_id = ?", (objective_id, goal_id)).fetchone() is None:
                raise ValueError("That objective is not under this goal.")
            cur = conn.execute(
                "INSERT INTO plan_interventions (goal_id, objective_id, description, created_at) VALUES (?, ?, ?, ?)",
                (goal_id, objective_id, description, now_iso()))
            self._plan_changed(conn, goal_id=goal_id, detail="intervention added")
            return int(cur.lastrowid)

    def set_objective_text(self, objective_id: int, description: str) -> None:
        self._objective_update(objective_id, "description", description, "objective changed")

    def set_objective_target(self, objective_id: int, target_date: str | None) -> None:
        self._objective_update(objective_id, "target_date", target_date or None, "objective target date set")

    def set_objective_status(self, objective_id: int, status: str) -> None:
        if status not in ("active", "met", "discontinued"):
            raise ValueError("An objective is active, met or discontinued.")
        self._objective_update(objective_id, "status", status, f"objective {status}")

    def _objective_update(self, objective_id: int, column: str, value: Any, detail: str) -> None:
        with self.transaction() as conn:
            row = conn.execute("SELECT goal_id FROM objectives WHERE id = ?", (objective_id,)).fetchone()
            if row is None:
                raise ValueError("That objective is no longer on the plan.")
            conn.execute(f"UPDATE objectives SET {column} = ? WHERE id = ?", (value, objective_id))
            self._plan_changed(conn, goal_id=int(row[0]), detail=detail)

    def set_plan_review_due(self, client_id: int, review_due: str) -> None:
        with self.transaction() as conn:
            conn.execute("""INSERT INTO plan_reviews (client_id, review_due, set_at) VALUES (?, ?, ?)
                            ON CONFLICT (client_id) DO UPDATE SET review_due = excluded.review_due,
                                                                  set_at = excluded.set_at""",
                         (client_id, review_due, now_iso()))
            self.audit_in(conn, "clinician", "plan review date set", subject=f"client:{client_id}", detail=review_due)

    def plan_review_due(self, client_id: int) -> str | None:
        row = self.query_one("SELECT review_due FROM plan_reviews WHERE client_id = ?", (client_id,))
        return row["review_due"] if row else None

    def _plan_changed(self, conn: Any, *, goal_id: int, detail: str) -> None:
        client = conn.execute("SELECT client_id FROM goals WHERE id = ?", (goal_id,)).fetchone()
        self.audit_in(conn, "clinician", "plan changed", subject=f"client:{client[0] if client else '?'}",
                      detail=detail)

    # -- signed treatment-plan versions ------------------------------------------
    def plan_versions(self, client_id: int) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM plan_versions WHERE client_id = ? ORDER BY version", (client_id,))

    def latest_plan_version(self, client_id: int) -> dict[str, Any] | None:
        return self.query_one("SELECT * FROM plan_versions WHERE client_id = ? ORDER BY version DESC LIMIT 1",
                              (client_id,))

    def add_plan_version(self, client_id: int, *, version: int, canonical_text: str, content_hash: str,
                         previous_hash: str | None, signed: tuple[str, str, str], signed_at: str,
                         actor: str, signing_seed: bytes | None = None) -> int:
        """Lock a signed version of the plan (the trigger refuses one that does not follow the latest)."""
        with self.transaction() as conn:
            cur = conn.execute(
                """INSERT INTO plan_versions (client_id, version, canonical_text, content_hash, previous_hash,
                                              signed_payload, signature, signer_key, signed_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (client_id, version, canonical_text, content_hash, previous_hash, *signed, signed_at))
            self.audit_in(conn, actor, "plan signed", subject=f"client:{client_id}", detail=f"version {version}")
            if signing_seed is not None:
                from .signing import sign_audit_head_in

                sign_audit_head_in(conn, signing_seed)
            return int(cur.lastrowid)

    def set_goal_status(self, goal_id: int, status: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE goals SET status = ? WHERE id = ?", (status, goal_id))
            self._plan_changed(conn, goal_id=goal_id, detail=f"goal {status}")

    def set_goal_text(self, goal_id: int, description: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE goals SET description = ? WHERE id = ?", (description, goal_id))
            self._plan_changed(conn, goal_id=goal_id, detail="goal changed")

    # -- diagnoses (ICD-10-CM, on the plan) -----------------------------------
    def diagnoses(self, client_id: int, *, current_only: bool = True) -> list[dict[str, Any]]:
        """The client's diagnoses, primary first then in the order added; with
        ``current_only`` False, removed ones too (history)."""
        where = "AND removed_at IS NULL" if current_only else ""
        return self.query(f"""SELECT * FROM diagnoses WHERE client_id = ? {where}
                              ORDER BY removed_at IS NOT NULL, is_primary DESC, id""", (client_id,))

    def add_diagnosis(self, client_id: int, code: str, title: str, *, primary: bool = False,
                      onset: str | None = None, actor: str = "clinician") -> int:
        """Add a current diagnosis (primary: the earlier primary stops being one). Audited by code."""
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM diagnoses WHERE client_id = ? AND code = ? AND removed_at IS NULL",
                            (client_id, code)).fetchone():
                raise DiagnosisConflictError(f"{code} is already on the plan.")
            if primary:
                conn.execute("UPDATE diagnoses SET is_primary = 0 WHERE client_id = ? AND is_primary = 1 "
                             "AND removed_at IS NULL", (client_id,))
            cur = conn.execute(
                """INSERT INTO diagnoses (client_id, code, title, is_primary, onset, added_at)
                   VALUES (?, ?, ?, ?, ?, ?)""", (client_id, code, title, int(primary), onset or None, now_iso()))
            self.audit_in(conn, actor, "diagnosis added", subject=f"client:{client_id}",
                          detail=code + (" primary" if primary else ""))
            return int(cur.lastrowid)

    def _current_diagnosis(self, conn: Any, diagnosis_id: int) -> tuple[int, str]:
        row = conn.execute("SELECT client_id, code FROM diagnoses WHERE id = ? AND removed_at IS NULL",
                           (diagnosis_id,)).fetchone()
        if row is None:
            raise DiagnosisConflictError("That diagnosis is no longer on the plan.")
        return int(row[0]), str(row[1])

    def remove_diagnosis(self, diagnosis_id: int, *, actor: str = "clinician") -> None:
        """Take a diagnosis off the plan: the row stays, with removed_at (and no longer primary)."""
        with self.transaction() as conn:
            client_id, code = self._current_diagnosis(conn, diagnosis_id)
            conn.execute("UPDATE diagnoses SET removed_at = ? WHERE id = ?", (now_iso(), diagnosis_id))
            self.audit_in(conn, actor, "diagnosis removed", subject=f"client:{client_id}", detail=code)

    def set_primary_diagnosis(self, diagnosis_id: int, *, actor: str = "clinician") -> None:
        """Make this current diagnosis the primary one (the earlier primary becomes secondary)."""
        with self.transaction() as conn:
            client_id, code = self._current_diagnosis(conn, diagnosis_id)
            conn.execute("UPDATE diagnoses SET is_primary = 0 WHERE client_id = ? AND is_primary = 1 "
                         "AND removed_at IS NULL AND id != ?", (client_id, diagnosis_id))
            conn.execute("UPDATE diagnoses SET is_primary = 1 WHERE id = ?", (diagnosis_id,))
            self.audit_in(conn, actor, "diagnosis set primary", subject=f"client:{client_id}", detail=code)
