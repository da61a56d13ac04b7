"""The vault: private psychotherapy notes (jottings), one document per session.

Only session ids cross from the record to here; nothing here is copied back
except by the clinician carrying a jotting into a note section.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .db import EncryptedStore
from .record import now_iso

VAULT_V1 = [
    """CREATE TABLE jotting_documents (
        id INTEGER PRIMARY KEY,
        doc_key TEXT NOT NULL UNIQUE,
        lines_json TEXT NOT NULL DEFAULT '[]',
        revision INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
    )""",
]

# v2: one row per line, so a save writes only the lines that changed (a whole-document
# rewrite put the document's size into the WAL on every keystroke's save).
VAULT_V2 = [
    """CREATE TABLE jotting_lines (
        document_id INTEGER NOT NULL REFERENCES jotting_documents(id),
        idx INTEGER NOT NULL,
        minute INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (document_id, idx)
    ) WITHOUT ROWID""",
    """INSERT INTO jotting_lines (document_id, idx, minute, text)
       SELECT d.id, CAST(j.key AS INTEGER), CAST(json_extract(j.value, '$[0]') AS INTEGER),
              CAST(json_extract(j.value, '$[1]') AS TEXT)
         FROM jotting_documents d, json_each(d.lines_json) j""",
    "UPDATE jotting_documents SET lines_json = '[]'",
]


@dataclass(frozen=True)
class JottingLine:
    """One line of the scratchpad and the session minute at which it was begun."""

    minute: int
    text: str


def doc_key_for(session: dict[str, Any]) -> str:
    """Group sessions share one document; an individual session has its own."""
    if session.get("group_session_id"):
        return f"group:{session['group_session_id']}"
    return f"session:{session['id']}"


class VaultStore(EncryptedStore):
    name = "vault"
    migrations = (VAULT_V1, VAULT_V2)

    def load_jottings(self, doc_key: str) -> list[JottingLine]:
        rows = self.query(
            """SELECT l.minute, l.text FROM jotting_lines l JOIN jotting_documents d ON d.id = l.document_id
               WHERE d.doc_key = ? ORDER BY l.idx""",
            (doc_key,),
        )
        return [JottingLine(int(r["minute"]), str(r["text"])) for r in rows]

    def save_jottings(self, doc_key: str, lines: list[JottingLine]) -> int:
        """Make the stored document equal ``lines`` in one transaction, writing only the
        lines that changed (keyed by position); returns the new revision."""
        wanted = [(int(line.minute), str(line.text)) for line in lines]
        return self.write(lambda conn: _save_lines(conn, doc_key, wanted))

    def delete_jottings(self, doc_key: str) -> int:
        """Destroy a document and its lines (a session discarded by the clinician). Returns how
        many lines it held."""

        def delete(conn: Any) -> int:
            row = conn.execute("SELECT id FROM jotting_documents WHERE doc_key = ?", (doc_key,)).fetchone()
            if row is None:
                return 0
            lines = conn.execute("DELETE FROM jotting_lines WHERE document_id = ?", (row[0],)).rowcount
            conn.execute("DELETE FROM jotting_documents WHERE id = ?", (row[0],))
            return int(lines)

        return self.write(delete)


def _save_lines(conn: Any, doc_key: str, wanted: list[tuple[int, str]]) -> int:
    conn.execute(
        """INSERT INTO jotting_documents (doc_key, revision, updated_at) VALUES (?, 1, ?)
           ON CONFLICT (doc_key) DO UPDATE SET
             revision = jotting_documents.revision + 1, updated_at = excluded.updated_at""",
        (doc_key, now_iso()),
    )
    doc_id, revision = conn.execute(
        "SELECT id, revision FROM jotting_documents WHERE doc_key = ?", (doc_key,)).fetchone()
    stored = {int(i): (int(m), str(t)) for i, m, t in conn.execute(
        "SELECT idx, minute, text FROM jotting_lines WHERE document_id = ?", (doc_id,))}
    for idx, row in enumerate(wanted):
        old = stored.get(idx)
        if old is None:
            conn.execute("INSERT INTO jotting_lines (document_id, idx, minute, text) VALUES (?, ?, ?, ?)",
                         (doc_id, idx, *row))
        elif old != row:
            conn.execute("UPDATE jotting_lines SET minute = ?, text = ? WHERE document_id = ? AND idx = ?",
                         (*row, doc_id, idx))
    if len(stored) > len(wanted):
        conn.execute("DELETE FROM jotting_lines WHERE document_id = ? AND idx >= ?", (doc_id, len(wanted)))
    return int(revision)
