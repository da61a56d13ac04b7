"""What an attacker holding the record's data key (but not the signing key) can do to the
file: each function takes a raw sqlcipher3 connection opened with the DEK."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

from tui.domain import signature as sig
from tui.domain.canonical import addendum_hash, content_hash


def drop_triggers(conn: Any) -> list[str]:
    rows = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    return [r[0] for r in rows]


def recreate(conn: Any, triggers: list[str]) -> None:
    for sql in triggers:
        conn.execute(sql)


def rechain_addenda(conn: Any, note_id: int, head: str) -> None:
    """Recompute every addendum's hash chain with the app's own addendum_hash."""
    previous = head
    for row_id, body, created, signer in conn.execute(
            "SELECT id, body, created_at, signer FROM addenda WHERE note_id = ? ORDER BY id", (note_id,)).fetchall():
        digest = addendum_hash(previous, body, created, signer)
        conn.execute("UPDATE addenda SET amends_hash = ?, content_hash = ? WHERE id = ?", (previous, digest, row_id))
        previous = digest


def rewrite_text(conn: Any, note_id: int, old: str, new: str) -> None:
    """The full job: drop the triggers, rewrite canonical_text, recompute the hash, re-chain
    the addenda, fix the search index, recreate the triggers."""
    triggers = drop_triggers(conn)
    text = conn.execute("SELECT canonical_text FROM progress_notes WHERE id = ?", (note_id,)).fetchone()[0]
    assert old in text
    text = text.replace(old, new)
    conn.execute("UPDATE progress_notes SET canonical_text = ?, content_hash = ? WHERE id = ?",
                 (text, content_hash(text), note_id))
    rechain_addenda(conn, note_id, content_hash(text))
    conn.execute("UPDATE note_search SET body = ? WHERE note_id = ? AND kind = 'note'", (text, note_id))
    recreate(conn, triggers)


def resign_with_own_key(conn: Any, note_id: int, old: str, new: str) -> None:
    """Key substitution: rewrite the text AND the signed payload, signed with a key of one's own."""
    rewrite_text(conn, note_id, old, new)
    triggers = drop_triggers(conn)
    payload_text, text = conn.execute("SELECT signed_payload, canonical_text FROM progress_notes WHERE id = ?",
                                      (note_id,)).fetchone()
    payload = json.loads(payload_text)
    mine = Ed25519PrivateKey.generate()
    seed = mine.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                              serialization.NoEncryption())
    payload["text"] = text
    payload["key_fingerprint"] = sig.fingerprint(sig.public_raw(seed))
    signed = sig.sign_payload(seed, payload)
    conn.execute("UPDATE progress_notes SET signed_payload = ?, signature = ?, signer_key = ? WHERE id = ?",
                 (signed.payload.decode(), signed.signature_b64, signed.public_b64, note_id))
    # Re-sign the addenda too, over the new chain.
    previous, previous_signed = content_hash(text), signed.hash
    for row in conn.execute("SELECT id, signed_payload, content_hash FROM addenda WHERE note_id = ? ORDER BY id",
                            (note_id,)).fetchall():
        a = json.loads(row[1])
        a.update(amends=previous, amends_signed=previous_signed, key_fingerprint=payload["key_fingerprint"])
        a_signed = sig.sign_payload(seed, a)
        conn.execute("UPDATE addenda SET signed_payload = ?, signature = ?, signer_key = ? WHERE id = ?",
                     (a_signed.payload.decode(), a_signed.signature_b64, a_signed.public_b64, row[0]))
        previous, previous_signed = row[2], a_signed.hash
    recreate(conn, triggers)


def update_risk(conn: Any, session_id: int) -> None:
    triggers = drop_triggers(conn)
    conn.execute("UPDATE risk_assessments SET suicidal_ideation = 'endorsed', level = 'high' WHERE session_id = ?",
                 (session_id,))
    recreate(conn, triggers)


def update_measure(conn: Any, session_id: int) -> None:
    triggers = drop_triggers(conn)
    conn.execute("UPDATE measure_scores SET total = 27 WHERE session_id = ?", (session_id,))
    recreate(conn, triggers)


def update_session(conn: Any, session_id: int) -> None:
    triggers = drop_triggers(conn)
    conn.execute("UPDATE sessions SET duration_min = 90 WHERE id = ?", (session_id,))
    recreate(conn, triggers)


def forge_addendum(conn: Any, note_id: int, *, well_chained: bool) -> None:
    """An addendum nobody signed: chained with the app's own hash when well_chained."""
    triggers = drop_triggers(conn)
    head = conn.execute(
        """SELECT coalesce((SELECT content_hash FROM addenda WHERE note_id = ? ORDER BY id DESC LIMIT 1),
                           (SELECT content_hash FROM progress_notes WHERE id = ?))""", (note_id, note_id)).fetchone()[0]
    amends = head if well_chained else "bad"
    created, body, signer = "2026-01-01T09:00:00+00:00", "Client now reports active suicidal intent.", "Dana Reyes"
    conn.execute("""INSERT INTO addenda (note_id, body, signer, credentials, created_at, amends_hash, content_hash)
                    VALUES (?, ?, ?, 'LCSW', ?, ?, ?)""",
                 (note_id, body, signer, created, amends, addendum_hash(amends, body, created, signer)))
    recreate(conn, triggers)


def delete_note(conn: Any, note_id: int) -> None:
    triggers = drop_triggers(conn)
    session_id = conn.execute("SELECT session_id FROM progress_notes WHERE id = ?", (note_id,)).fetchone()[0]
    for sql in ("DELETE FROM note_sections WHERE note_id = ?", "DELETE FROM addenda WHERE note_id = ?",
                "DELETE FROM cosignatures WHERE note_id = ?", "DELETE FROM note_search WHERE note_id = ?"):
        conn.execute(sql, (note_id,))
    for sql in ("DELETE FROM measure_scores WHERE session_id = ?", "DELETE FROM risk_assessments WHERE session_id = ?"):
        conn.execute(sql, (session_id,))
    conn.execute("DELETE FROM progress_notes WHERE id = ?", (note_id,))
    recreate(conn, triggers)


def edit_audit(conn: Any) -> None:
    triggers = drop_triggers(conn)
    conn.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = 3")
    recreate(conn, triggers)


def truncate_audit(conn: Any, keep: int) -> None:
    triggers = drop_triggers(conn)
    conn.execute("DELETE FROM audit_log WHERE id > ?", (keep,))
    conn.execute("DELETE FROM audit_heads WHERE audit_id > ?", (keep,))  # and the heads that name them
    recreate(conn, triggers)


def edit_search_index(conn: Any, note_id: int) -> None:
    conn.execute("UPDATE note_search SET body = 'nothing of note' WHERE note_id = ? AND kind = 'note'", (note_id,))


def edit_section(conn: Any, note_id: int, key: str = "assessment") -> None:
    triggers = drop_triggers(conn)
    conn.execute("UPDATE note_sections SET body = 'Rewritten.' WHERE note_id = ? AND key = ?", (note_id, key))
    recreate(conn, triggers)


def forge_hash_only_note(conn: Any, client_id: int, started_at: str, code: str) -> int:
    """A note dressed as one sealed before signatures (a hash seal, no signature), inserted by
    someone who can write the record but not sign. Returns its id."""
    text = f"PROGRESS NOTE (SOAP)\n\nClient: {code}\n\nASSESSMENT\nClient disclosed a plan.\n"
    triggers = drop_triggers(conn)
    conn.execute("INSERT INTO sessions (client_id, started_at, ended_at, duration_min) VALUES (?, ?, ?, 50)",
                 (client_id, started_at, started_at))
    sid = conn.execute("SELECT max(id) FROM sessions").fetchone()[0]
    conn.execute("""INSERT INTO progress_notes (session_id, template, status, canonical_text, content_hash, signer,
                    signed_at, created_at, updated_at) VALUES (?, 'soap', 'signed', ?, ?, 'Test Clinician',
                    ?, 'x', 'x')""", (sid, text, content_hash(text), started_at))
    forged = conn.execute("SELECT max(id) FROM progress_notes").fetchone()[0]
    recreate(conn, triggers)
    return forged
