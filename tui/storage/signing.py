"""The record's signed parts: the audit hash chain, its signed heads, and review files.

The audit log is a hash chain: each row carries its predecessor's hash and a hash over
its own fields. Its head is signed with the clinician's Ed25519 key at each sign and at
each lock (audit_heads), and each signed note's payload names the head at signing, so a
log that was edited, truncated or had rows removed is found by ``verify_audit``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ..domain import signature as sig

GENESIS = "genesis"


def audit_row_hash(row_id: int, at: str, actor: str, action: str, subject: str, detail: str, prev: str) -> str:
    fields = {"id": row_id, "at": at, "actor": actor, "action": action, "subject": subject, "detail": detail,
              "prev": prev}
    return hashlib.sha256(b"hushpad-audit-v1:" + sig.canonical_bytes(fields)).hexdigest()


def legacy_audit_digest(rows: Sequence[Sequence[Any]]) -> str:
    """One digest over the rows written before the chain began (schema v3 and older)."""
    data = json.dumps([list(r) for r in rows], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return "legacy:" + hashlib.sha256(data).hexdigest()


def audit_head(conn: Any) -> dict[str, Any] | None:
    row = conn.execute("SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    if row is None or row[1] is None:
        return None
    return {"audit_id": int(row[0]), "row_hash": str(row[1])}


def sign_audit_head_in(conn: Any, seed: bytes) -> None:
    head = audit_head(conn)
    if head is None:
        return
    last = conn.execute("SELECT audit_id FROM audit_heads ORDER BY id DESC LIMIT 1").fetchone()
    if last is not None and last[0] == head["audit_id"]:
        return  # nothing new since the last signed head
    signed = sig.sign_payload(seed, sig.audit_head_payload(
        audit_id=head["audit_id"], row_hash=head["row_hash"],
        signed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        key_fingerprint=sig.fingerprint(sig.public_raw(seed))))
    conn.execute("INSERT INTO audit_heads (audit_id, row_hash, signed_payload, signature, signer_key) VALUES (?, ?, ?, ?, ?)",
                 (head["audit_id"], head["row_hash"], signed.payload.decode("utf-8"), sig.b64(signed.signature),
                  sig.b64(signed.public)))


def sign_audit_head(record: Any, seed: bytes) -> None:
    with record.transaction() as conn:
        sign_audit_head_in(conn, seed)


def verify_audit(record: Any, trusted: set[str]) -> tuple[int, list[str]]:
    """Walk the chain and the signed heads. Returns (rows checked, problems)."""
    rows = record.query("SELECT * FROM audit_log ORDER BY id")
    problems: list[str] = []
    legacy: list[tuple[Any, ...]] = []
    prev: str | None = None
    by_id: dict[int, str] = {}
    for row in rows:
        if row.get("row_hash") is None:
            if prev is not None:
                problems.append(f"audit row {row['id']} is outside the hash chain")
            legacy.append((row["id"], row["at"], row["actor"], row["action"], row["subject"], row["detail"]))
            continue
        expected_prev = prev if prev is not None else (legacy_audit_digest(legacy) if legacy else GENESIS)
        if row["prev_hash"] != expected_prev:
            problems.append(f"audit row {row['id']} does not follow the row before it (rows removed or reordered)")
        computed = audit_row_hash(row["id"], row["at"], row["actor"], row["action"], row["subject"], row["detail"],
                                  row["prev_hash"])
        if computed != row["row_hash"]:
            problems.append(f"audit row {row['id']} was edited after it was written")
        prev = row["row_hash"]
        by_id[int(row["id"])] = row["row_hash"]
    heads = record.query("SELECT * FROM audit_heads ORDER BY id")
    for head in heads:
        signed = sig.Signed(head["signed_payload"].encode("utf-8"), sig.unb64(head["signature"]),
                            sig.unb64(head["signer_key"]))
        fp = sig.fingerprint(signed.public)
        if not sig.signature_ok(signed.public, signed.payload, signed.signature) or fp not in trusted:
            problems.append(f"signed audit head {head['id']} does not verify")
            continue
        payload = sig.parse_payload(signed.payload)
        if by_id.get(payload["audit_id"]) != payload["row_hash"]:
            problems.append(f"the audit log no longer holds row {payload['audit_id']} as it was when its head was "
                            "signed (the log was truncated or edited)")
    return len(rows), list(dict.fromkeys(problems))


def note_audit_heads(notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The audit heads named inside signed note payloads (each a signed anchor)."""
    out = []
    for note in notes:
        if note.get("signed_payload"):
            try:
                payload = json.loads(note["signed_payload"])
            except json.JSONDecodeError:
                continue
            if payload.get("audit_head"):
                out.append({"note_id": note["id"], **payload["audit_head"]})
    return out
