"""The audit log is a hash chain; its head is signed at each sign and at each lock."""

from __future__ import annotations

import pytest

from tui.domain import signature as sig
from tui.storage.signing import audit_row_hash, verify_audit


def test_every_row_chains_to_the_one_before(clinic):
    clinic.sign_note("AB12")
    with clinic.workspace() as ws:
        rows = ws.record.query("SELECT * FROM audit_log ORDER BY id")
        assert rows[0]["prev_hash"] == "genesis"
        for before, row in zip(rows, rows[1:]):
            assert row["prev_hash"] == before["row_hash"]
            assert row["row_hash"] == audit_row_hash(row["id"], row["at"], row["actor"], row["action"],
                                                     row["subject"], row["detail"], row["prev_hash"])


def test_the_head_is_signed_at_signing_and_at_lock(clinic):
    clinic.sign_note("AB12")
    with clinic.workspace() as ws:
        note_signed = ws.record.query_one("SELECT id FROM audit_log WHERE action = 'note signed'")["id"]
        assert note_signed in [h["audit_id"] for h in ws.record.query("SELECT * FROM audit_heads")]  # at the sign
        ws.add_client("CD34", "", "", [])  # more audit rows, then the lock
        last = ws.record.query_one("SELECT max(id) AS id FROM audit_log")["id"]
    with clinic.workspace() as ws:
        heads = [h["audit_id"] for h in ws.record.query("SELECT * FROM audit_heads ORDER BY id")]
        fp = sig.fingerprint(sig.public_raw(ws.profile.signing_seed()))
        rows, problems = verify_audit(ws.record, {fp})
    assert heads[-1] == last  # signed when that workspace was locked
    assert problems == [] and rows == last + 1


def test_the_chain_trigger_refuses_a_row_that_does_not_follow_the_head(clinic):
    import sqlcipher3

    with pytest.raises(sqlcipher3.DatabaseError, match="hash chain"):
        with clinic.raw() as conn:
            conn.execute("INSERT INTO audit_log (at, actor, action, prev_hash, row_hash) VALUES ('x', 'y', 'z', 'no', 'h')")
