"""The vault: private psychotherapy notes (jottings), one document per session.

Only session ids cross from the record to here; nothing here is copied back
except by the clinician carrying a jotting into a note section.
"""

from __future__ import annotations

import json
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
    migrations = (VAULT_V1,)

    def load_jottings(self, doc_key: str) -> list[JottingLine]:
        row = self.query_one("SELECT lines_json FROM jotting_documents WHERE doc_key = ?", (doc_key,))
        if row is None:
            return []
        return [JottingLine(int(m), str(t)) for m, t in json.loads(row["lines_json"])]

    def save_jottings(self, doc_key: str, lines: list[JottingLine]) -> int:
        """Replace the document in one transaction; returns the new revision."""
        payload = json.dumps([[line.minute, line.text] for line in lines], ensure_ascii=False)
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO jotting_documents (doc_key, lines_json, revision, updated_at)
                   VALUES (?, ?, 1, ?)
                   ON CONFLICT (doc_key) DO UPDATE SET
                     lines_json = excluded.lines_json,
                     revision = jotting_documents.revision + 1,
                     updated_at = excluded.updated_at""",
                (doc_key, payload, now_iso()),
            )
            return int(conn.execute("SELECT revision FROM jotting_documents WHERE doc_key = ?", (doc_key,)).fetchone()[0])
