"""A third party checks an exported signature with openssl alone; a profile from before
signatures (keys.json with no signing key, record.db at schema v3 with hash-sealed notes)
keeps working: it gets a signing key on first start, its notes are labelled "sealed (hash
only)" and are never re-signed."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tui.domain.canonical import content_hash
from tui.storage import record as recordmod

from .conftest import cli, load


def openssl_ed25519() -> str | None:
    path = shutil.which("openssl")
    if path is None:
        return None
    help_text = subprocess.run([path, "pkeyutl", "-help"], capture_output=True, text=True).stderr
    return path if "-rawin" in help_text else None


def test_openssl_alone_verifies_an_exported_signature_and_refuses_an_edited_one(clinic, tmp_path, require):
    openssl = openssl_ed25519()
    require(openssl, "openssl with Ed25519 `pkeyutl -rawin` (OpenSSL 3) is not installed")
    note = clinic.sign_note("AB12")
    target = tmp_path / "note.json"
    assert cli(clinic.root, "export", "note", str(note), "--format", "json", "-o", str(target))[0] == 0
    code, pem, _ = cli(clinic.root, "keys", "show", "--pem")
    assert code == 0 and pem.startswith("-----BEGIN PUBLIC KEY-----")
    (tmp_path / "clinician.pem").write_text(pem)
    # Exactly the README's recipe: jq + base64 pull out the payload and the raw signature.
    require(shutil.which("jq") and shutil.which("base64"), "jq and base64 are needed for the README recipe")
    recipe = (f"jq -r .signatures.note.payload {target} | base64 -d > {tmp_path}/note.payload && "
              f"jq -r .signatures.note.signature {target} | base64 -d > {tmp_path}/note.sig && "
              f"{openssl} pkeyutl -verify -pubin -inkey {tmp_path}/clinician.pem -rawin "
              f"-in {tmp_path}/note.payload -sigfile {tmp_path}/note.sig")
    done = subprocess.run(["sh", "-c", recipe], capture_output=True, text=True)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout, done.stderr
    payload = json.loads((tmp_path / "note.payload").read_bytes())
    assert payload["text"] == load(target)["text"]  # what openssl checked is the note shown
    # `hushpad verify --extract` writes the same three files.
    assert cli(clinic.root, "verify", str(target), "--extract", str(tmp_path / "x"))[0] == 0
    assert (tmp_path / "x" / f"note-{note}.payload").read_bytes() == (tmp_path / "note.payload").read_bytes()
    # One changed byte and openssl refuses.
    edited = (tmp_path / "note.payload").read_bytes().replace(b"Low mood", b"Low mooD")
    (tmp_path / "edited.payload").write_bytes(edited)
    bad = subprocess.run([openssl, "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "clinician.pem"), "-rawin",
                          "-in", str(tmp_path / "edited.payload"), "-sigfile", str(tmp_path / "note.sig")],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "Signature Verified Successfully" not in bad.stdout


class RecordV3(recordmod.RecordStore):
    """The record as Hushpad wrote it before this issue."""

    migrations = (recordmod.RECORD_V1, recordmod.RECORD_V2, recordmod.RECORD_V3)


TEXT = "PROGRESS NOTE (SOAP)\n\nClient: OLD1\n\nASSESSMENT\nSigned long ago.\n"


@pytest.fixture
def legacy(clinic):
    """A profile from before signatures: no signing key in keys.json, record.db at v3 holding one
    hash-sealed note with a hash-chained addendum, written as the old code wrote them."""
    from tui.domain.canonical import addendum_hash

    deks = clinic.deks()
    keys_path = clinic.root / "keys.json"
    doc = json.loads(keys_path.read_text())
    doc.pop("key_wraps", None)
    doc.pop("public_keys", None)
    keys_path.write_text(json.dumps(doc))
    for name in ("record.db", "record.db-wal", "record.db-shm"):
        (clinic.root / name).unlink(missing_ok=True)
    store = RecordV3(clinic.root / "record.db", deks["record"], create=True)
    with store.transaction() as conn:
        conn.execute("INSERT INTO clients (code, created_at) VALUES ('OLD1', '2024-01-01')")
        conn.execute("INSERT INTO sessions (client_id, started_at, ended_at, duration_min) "
                     "VALUES (1, '2024-01-02T10:00:00+00:00', '2024-01-02T10:50:00+00:00', 50)")
        conn.execute("""INSERT INTO progress_notes (session_id, template, status, canonical_text, content_hash, signer,
                        credentials, signed_at, created_at, updated_at) VALUES (1, 'soap', 'signed', ?, ?, 'Dana Reyes',
                        'LCSW', '2024-01-02T11:00:00+00:00', 'x', 'x')""", (TEXT, content_hash(TEXT)))
        conn.execute("INSERT INTO risk_assessments (client_id, session_id, suicidal_ideation, level, assessed_at) "
                     "VALUES (1, 1, 'denied', 'low', '2024-01-02')")
        a_hash = addendum_hash(content_hash(TEXT), "Old correction.", "2024-01-03T09:00:00+00:00", "Dana Reyes")
        conn.execute("""INSERT INTO addenda (note_id, body, signer, created_at, amends_hash, content_hash)
                        VALUES (1, 'Old correction.', 'Dana Reyes', '2024-01-03T09:00:00+00:00', ?, ?)""",
                     (content_hash(TEXT), a_hash))
        conn.execute("INSERT INTO audit_log (at, actor, action, subject) VALUES ('2024-01-02', 'Dana', 'note signed', 'note:1')")
    store.close()
    return clinic


def test_a_profile_from_before_signatures_gets_a_key_and_keeps_its_hash_seals(legacy, tmp_path):
    before = None
    code, out, err = cli(legacy.root, "keys", "show")
    assert code == 0, err
    assert "Signing key (Ed25519) fingerprint:" in out
    assert "not yet covered by your recovery" in err  # made under the passphrase; recovery needs a new code
    keys = json.loads((legacy.root / "keys.json").read_text())
    assert {w["store"] for w in keys["key_wraps"]} == {"signing", "exchange"}
    with legacy.workspace() as ws:
        before = ws.record.note(1)
        assert ws.record.schema_version == len(type(ws.record).migrations)  # migrated to the current schema
    for fmt in ("txt", "md"):
        code, out, err = cli(legacy.root, "export", "note", "1", "--format", fmt)
        assert code == 0, err
        shown = out.replace("\\", "")  # Markdown escapes the parentheses
        assert "sealed (hash only)" in shown and "SIGNATURE INVALID" not in out
        assert "Signed long ago." in out
    target = tmp_path / "old.json"
    assert cli(legacy.root, "export", "note", "1", "--format", "json", "-o", str(target))[0] == 0
    code, out, _ = cli(legacy.root, "verify", str(target))
    assert code == 0 and "Sealed (hash only)" in out
    _, out, _ = cli(legacy.root, "doctor")
    assert "1 signed notes: 0 verified, 1 sealed (hash only), 0 SIGNATURE INVALID" in out
    assert "FAIL  audit log" not in out and "FAIL  signatures" not in out
    with legacy.workspace() as ws:
        assert ws.record.note(1) == before  # never re-signed, not touched at all
        from tui.services.writeup import NoteRecords

        NoteRecords(ws).add_addendum(1, "A new correction, signed now.")  # a new addendum is signed
        newest = ws.record.addenda(1)[-1]
        assert newest["signature"] and newest["signed_payload"]
        assert NoteRecords(ws).verdict(ws.record.note(1)).status == "sealed (hash only)"


def test_a_hash_sealed_note_with_its_text_edited_is_invalid(legacy):
    cli(legacy.root, "keys", "show")
    with legacy.raw() as conn:
        conn.execute("DROP TRIGGER signed_note_no_update")
        conn.execute("UPDATE progress_notes SET canonical_text = replace(canonical_text, 'long ago', 'yesterday')")
    code, out, _ = cli(legacy.root, "export", "note", "1")
    assert code == 1 and "SIGNATURE INVALID" in out and "no longer matches its SHA-256 seal" in out


def test_the_audit_rows_from_before_the_chain_are_folded_into_it(legacy):
    cli(legacy.root, "keys", "show")
    with legacy.raw() as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET actor = 'someone' WHERE id = 1")  # a pre-chain row
    _, out, _ = cli(legacy.root, "doctor")
    assert "FAIL  audit log" in out and "does not follow the row before it" in out
