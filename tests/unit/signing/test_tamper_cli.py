"""Issue 10's attacker, with the record's data key but not the signing key, against the
real CLI on real SQLCipher files: every edit is reported loudly by every export format,
by `hushpad verify` and by `doctor`, and never shown as verified."""

from __future__ import annotations

import json

import pytest

from . import tamper
from .conftest import cli, load


@pytest.fixture
def record(clinic):
    """Client AB12 with two signed notes; the first has a signed addendum."""
    first = clinic.sign_note("AB12", "Low mood, improving.")
    code, _, err = cli(clinic.root, "export", "note", str(first))  # a CLI round first: audit heads get signed
    assert code == 0, err
    with clinic.workspace() as ws:
        from tui.services.writeup import NoteRecords

        NoteRecords(ws).add_addendum(first, "Client called to correct the date of the move.")
    second = clinic.sign_note("AB12", "Sleep better; mood steadier.")
    with clinic.workspace() as ws:
        sessions = {n: ws.record.note(n)["session_id"] for n in (first, second)}
    return clinic, first, second, sessions


def exports_fail(clinic, note_id, tmp_path, expect: str) -> None:
    """Every export format of the note, and the client's record, shout SIGNATURE INVALID and exit 1."""
    for fmt in ("txt", "md", "json"):
        code, out, err = cli(clinic.root, "export", "note", str(note_id), "--format", fmt)
        assert code == 1, (fmt, err)
        assert "SIGNATURE INVALID" in out and "SIGNATURE INVALID" in err, fmt
        assert expect in out, (fmt, out)
    code, out, err = cli(clinic.root, "export", "client", "AB12", "--format", "md")
    assert code == 1 and "SIGNATURE INVALID" in out, err
    target = tmp_path / "record.json"
    code, _, err = cli(clinic.root, "export", "client", "AB12", "--format", "json", "-o", str(target))
    assert code == 1, err
    assert load(target)["verification"]["status"] == "SIGNATURE INVALID"
    code, out, err = cli(clinic.root, "verify", str(target))
    assert code == 1 and "FAIL" in out and "SIGNATURE INVALID" in err, out
    one = tmp_path / "note.json"
    cli(clinic.root, "export", "note", str(note_id), "--format", "json", "-o", str(one))
    code, out, _ = cli(clinic.root, "verify", str(one))
    assert code == 1 and f"FAIL  note {note_id}" in out


def doctor_fails(clinic, section: str, expect: str) -> str:
    _, out, _ = cli(clinic.root, "doctor")
    lines = [line for line in out.splitlines() if line.startswith(f"FAIL  {section}")]
    assert lines and any(expect in line for line in lines), out
    return out


def test_an_untouched_record_verifies_everywhere(record, tmp_path):
    clinic, first, second, _ = record
    for fmt in ("txt", "md", "json"):
        code, out, err = cli(clinic.root, "export", "note", str(first), "--format", fmt)
        assert code == 0 and "SIGNATURE INVALID" not in out, err
    target = tmp_path / "record.json"
    assert cli(clinic.root, "export", "client", "AB12", "--format", "json", "-o", str(target))[0] == 0
    code, out, _ = cli(clinic.root, "verify", str(target))
    assert code == 0 and "2 note(s) checked: all verify." in out
    _, out, _ = cli(clinic.root, "doctor")
    assert "ok    signatures: 2 signed notes: 2 verified, 0 sealed (hash only), 0 SIGNATURE INVALID" in out
    assert "ok    audit log" in out and "ok    note chain" in out and "ok    search index" in out
    assert "FAIL  signatures" not in out and "FAIL  audit" not in out


def test_rewritten_text_with_recomputed_hashes_and_rechained_addenda(record, tmp_path):
    clinic, first, _, _ = record
    with clinic.raw() as conn:
        tamper.rewrite_text(conn, first, "Low mood, improving.", "Mood stable, no concerns.")
    exports_fail(clinic, first, tmp_path, "the note text differs from what was signed")
    doctor_fails(clinic, "signatures", "the note text differs from what was signed")


def test_text_resigned_with_the_attackers_own_key(record, tmp_path):
    clinic, first, _, _ = record
    with clinic.raw() as conn:
        tamper.resign_with_own_key(conn, first, "Low mood, improving.", "Mood stable, no concerns.")
    exports_fail(clinic, first, tmp_path, "which is not this clinician's key")
    doctor_fails(clinic, "signatures", "which is not this clinician's key")


@pytest.mark.parametrize("edit, expect", [
    (tamper.update_risk, "the risk assessment differs from what was signed"),
    (tamper.update_measure, "the measure scores differ from what was signed"),
    (tamper.update_session, "the session's date, times or setting differ from what was signed"),
])
def test_structured_facts_edited_behind_the_triggers(record, tmp_path, edit, expect):
    clinic, first, _, sessions = record
    with clinic.raw() as conn:
        edit(conn, sessions[first])
    exports_fail(clinic, first, tmp_path, expect)
    doctor_fails(clinic, "signatures", expect)


@pytest.mark.parametrize("sql", [
    "UPDATE risk_assessments SET suicidal_ideation = 'endorsed', level = 'high' WHERE session_id = {s}",
    "DELETE FROM risk_assessments WHERE session_id = {s}",
    "UPDATE measure_scores SET total = 27 WHERE session_id = {s}",
    "DELETE FROM measure_scores WHERE session_id = {s}",
    "INSERT INTO measure_scores (client_id, session_id, instrument, total, administered_at) VALUES (1, {s}, 'gad7', 3, 'x')",
    "UPDATE sessions SET duration_min = 90 WHERE id = {s}",
    "DELETE FROM sessions WHERE id = {s}",
    "UPDATE note_sections SET body = 'x' WHERE note_id = {n}",
    "INSERT INTO addenda (note_id, body, signer, created_at, amends_hash, content_hash) VALUES ({n}, 'x', 'y', 'z', 'bad', 'h')",
    "UPDATE audit_log SET actor = 'x' WHERE id = 2",
    "DELETE FROM audit_heads",
])
def test_the_triggers_refuse_changes_to_what_a_signed_note_owns(record, sql):
    clinic, first, _, sessions = record
    import sqlcipher3

    with pytest.raises(sqlcipher3.DatabaseError):
        with clinic.raw() as conn:
            conn.execute(sql.format(s=sessions[first], n=first))


def test_a_correctly_chained_but_unsigned_addendum_is_refused_then_detected(record, tmp_path):
    clinic, first, _, _ = record
    import sqlcipher3

    with pytest.raises(sqlcipher3.DatabaseError, match="must itself be signed"):
        with clinic.raw() as conn:  # the trigger: a signed note's addenda are signed
            head = conn.execute("SELECT content_hash FROM addenda WHERE note_id = ? ORDER BY id DESC LIMIT 1",
                                (first,)).fetchone()[0]
            conn.execute("INSERT INTO addenda (note_id, body, signer, created_at, amends_hash, content_hash) "
                         "VALUES (?, 'x', 'y', 'z', ?, 'h')", (first, head))
    with clinic.raw() as conn:
        tamper.forge_addendum(conn, first, well_chained=True)
    exports_fail(clinic, first, tmp_path, "addendum 2 is not signed")
    doctor_fails(clinic, "signatures", "addendum 2 is not signed")


def test_a_forged_addendum_with_a_bad_chain(record, tmp_path):
    clinic, first, _, _ = record
    with clinic.raw() as conn:
        tamper.forge_addendum(conn, first, well_chained=False)
    exports_fail(clinic, first, tmp_path, "addendum 2 does not amend what precedes it")


def test_a_deleted_note_in_the_chain(record, tmp_path):
    clinic, first, second, _ = record
    with clinic.raw() as conn:
        tamper.delete_note(conn, first)
    target = tmp_path / "record.json"
    code, _, err = cli(clinic.root, "export", "client", "AB12", "--format", "json", "-o", str(target))
    assert code == 1 and "a note was deleted" in err
    code, out, _ = cli(clinic.root, "verify", str(target))
    assert code == 1 and "a signed note that is missing" in out
    code, out, _ = cli(clinic.root, "export", "client", "AB12", "--format", "md")
    assert code == 1 and "SIGNATURE INVALID" in out
    out = doctor_fails(clinic, "note chain", "a note was deleted")
    assert f"note {first} was signed (audit log) but is no longer in the record" in out


def test_an_edited_audit_row(record):
    clinic, *_ = record
    with clinic.raw() as conn:
        tamper.edit_audit(conn)
    doctor_fails(clinic, "audit log", "audit row 3 was edited after it was written")


def test_a_truncated_audit_log_with_its_signed_heads_removed_too(record):
    clinic, _, second, _ = record
    with clinic.workspace() as ws:
        head = json.loads(ws.record.note(second)["signed_payload"])["audit_head"]["audit_id"]
    with clinic.raw() as conn:  # back to before the second note was signed; its payload names the head
        tamper.truncate_audit(conn, keep=head - 1)
    doctor_fails(clinic, "audit log", f"names audit row {head}, which is gone")


def test_the_last_rows_of_the_audit_log_removed(record):
    clinic, *_ = record
    with clinic.raw() as conn:
        last = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        triggers = tamper.drop_triggers(conn)
        conn.execute("DELETE FROM audit_log WHERE id > ?", (last - 2,))
        tamper.recreate(conn, triggers)
    doctor_fails(clinic, "audit log", "the log was truncated or edited")


def test_an_edited_search_index(record):
    clinic, first, _, _ = record
    with clinic.raw() as conn:
        tamper.edit_search_index(conn, first)
    doctor_fails(clinic, "search index", f"note {first} differs from what was signed")


@pytest.mark.parametrize("edit", ["text", "risk", "payload", "signature", "key", "addendum"])
def test_an_edited_export_file_fails_verify(record, tmp_path, edit):
    clinic, first, _, _ = record
    target = tmp_path / "note.json"
    assert cli(clinic.root, "export", "note", str(first), "--format", "json", "-o", str(target))[0] == 0
    assert cli(clinic.root, "verify", str(target))[0] == 0
    doc = load(target)
    block = doc["signatures"]["note"]
    if edit == "text":
        doc["text"] = doc["text"].replace("Low mood", "No mood")
    elif edit == "risk":
        doc["risk"][0]["suicidal_ideation"] = "endorsed"
    elif edit == "payload":
        import base64

        payload = base64.b64decode(block["payload"]).replace(b"Low mood", b"No mood")
        block["payload"] = base64.b64encode(payload).decode()
    elif edit == "signature":
        block["signature"] = block["signature"][:10] + ("A" if block["signature"][10] != "A" else "B") + block["signature"][11:]
    elif edit == "key":
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from tui.domain import signature as sig

        other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
        block["public_key"] = sig.b64(other)
    else:
        doc["addenda"][0]["body"] = "Something else entirely."
    target.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = cli(clinic.root, "verify", str(target))
    assert code == 1 and "FAIL" in out and "SIGNATURE INVALID" in err, out


def test_verify_with_the_clinicians_key_refuses_another_signer(record, tmp_path):
    clinic, first, _, _ = record
    target = tmp_path / "note.json"
    cli(clinic.root, "export", "note", str(first), "--format", "json", "-o", str(target))
    pem = tmp_path / "mine.pem"
    code, out, _ = cli(clinic.root, "keys", "show", "--pem")
    pem.write_text(out)
    assert cli(clinic.root, "verify", str(target), "--key", str(pem))[0] == 0
    # Another clinician's key (a profile of its own, made by init) is not the signer.
    assert cli(tmp_path / "fresh", "init", "--passphrase", "--non-interactive")[0] == 0
    code, out, _ = cli(tmp_path / "fresh", "keys", "show", "--pem")
    (tmp_path / "theirs.pem").write_text(out)
    code, out, err = cli(clinic.root, "verify", str(target), "--key", str(tmp_path / "theirs.pem"))
    assert code == 1 and "not this clinician's key" in out


def test_an_edited_note_section(record, tmp_path):
    clinic, first, _, _ = record
    with clinic.raw() as conn:
        triggers = tamper.drop_triggers(conn)
        conn.execute("UPDATE note_sections SET body = 'Rewritten.' WHERE note_id = ? AND key = 'assessment'", (first,))
        tamper.recreate(conn, triggers)
    exports_fail(clinic, first, tmp_path, "the note's sections differ from what was signed")


def test_a_forged_hash_only_note_is_invalid(record, tmp_path):
    """Write access without the signing key: insert a note that looks like one sealed before
    signatures (a hash seal, no signature). It has no place in the pre-chain audit log."""
    clinic, first, _, sessions = record
    from tui.domain.canonical import content_hash

    text = "PROGRESS NOTE (SOAP)\n\nClient: AB12\n\nASSESSMENT\nClient disclosed a plan.\n"
    with clinic.raw() as conn:
        triggers = tamper.drop_triggers(conn)
        conn.execute("INSERT INTO sessions (client_id, started_at, ended_at, duration_min) "
                     "VALUES (1, '2024-01-02T10:00:00+00:00', '2024-01-02T10:50:00+00:00', 50)")
        sid = conn.execute("SELECT max(id) FROM sessions").fetchone()[0]
        conn.execute("""INSERT INTO progress_notes (session_id, template, status, canonical_text, content_hash, signer,
                        signed_at, created_at, updated_at) VALUES (?, 'soap', 'signed', ?, ?, 'Dana Reyes',
                        '2024-01-02T11:00:00+00:00', 'x', 'x')""", (sid, text, content_hash(text)))
        forged = conn.execute("SELECT max(id) FROM progress_notes").fetchone()[0]
        tamper.recreate(conn, triggers)
    exports_fail(clinic, forged, tmp_path, "was not signed before signatures began")
    doctor_fails(clinic, "signatures", "was not signed before signatures began")
