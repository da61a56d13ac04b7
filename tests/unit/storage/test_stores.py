"""The two SQLCipher stores: settings, encryption, modes, locked notes, audit, backup."""

from __future__ import annotations

import secrets
import shutil
import stat

import pytest
import sqlcipher3

from tui.storage.db import PLAINTEXT_HEADER
from tui.storage.errors import StoreOpenError
from tui.storage.paths import ProfilePaths
from tui.storage.profile import unlock
from tui.storage.record import LOCKED_NOTE, RecordStore
from tui.storage.vault import JottingLine, VaultStore, doc_key_for

from .helpers import assert_clear_message, jot, snapshot_hashes


@pytest.fixture
def opened(made):
    profile = made.open()
    yield profile
    profile.close()


def mode(path) -> int:  # noqa: ANN001
    return stat.S_IMODE(path.stat().st_mode)


# -- settings and encryption ---------------------------------------------------------------
def test_both_stores_run_with_the_designed_settings(opened):
    for store in (opened.record, opened.vault):
        pragma = lambda name: store.conn.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("temp_store") == 2  # MEMORY
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") >= 1000
        assert int(pragma("cipher_page_size")) == 4096
        assert store.schema_version == len(type(store).migrations)


def test_the_stores_have_different_keys(opened):
    deks = opened.deks()
    assert deks["vault"] != deks["record"]
    with pytest.raises(StoreOpenError):
        RecordStore(opened.paths.vault, deks["record"])


def test_store_files_are_encrypted_from_the_first_byte(made):
    for path in (made.paths.record, made.paths.vault):
        head = path.read_bytes()[:100]
        assert not head.startswith(PLAINTEXT_HEADER)
        assert b"SQLite" not in head
        with pytest.raises(sqlcipher3.DatabaseError):  # no key: nothing readable
            sqlcipher3.connect(str(path)).execute("SELECT * FROM sqlite_master").fetchall()


def test_modes_are_0700_and_0600_including_wal_and_shm(opened):
    opened.vault.save_jottings("session:9", jot([(1, "x")]))
    root = opened.paths.root
    assert mode(root) == 0o700
    files = [p for p in root.iterdir() if p.is_file()]
    names = {p.name for p in files}
    assert {"keys.json", "record.db", "vault.db", "record.db-wal", "vault.db-wal"} <= names
    for path in files:
        assert mode(path) == 0o600, f"{path.name} is {mode(path):o}"


def test_full_text_search_works_inside_the_encrypted_file(opened):
    with opened.record.transaction() as conn:
        conn.execute("CREATE VIRTUAL TABLE temp_fts_check USING fts5(body)")
        conn.execute("INSERT INTO temp_fts_check (body) VALUES ('discussed sleep hygiene')")
    rows = opened.record.query("SELECT body FROM temp_fts_check WHERE temp_fts_check MATCH 'hygiene'")
    assert rows == [{"body": "discussed sleep hygiene"}]


def test_a_newer_schema_is_refused_without_changing_the_file(made):
    profile = made.open()
    key = bytes(profile.deks()["vault"])  # close() zeroes the original
    with profile.vault.transaction() as conn:
        conn.execute("PRAGMA user_version = 99")
    profile.close()
    before = snapshot_hashes(made.root)
    with pytest.raises(StoreOpenError) as info:
        VaultStore(made.paths.vault, key)
    assert "newer Hushpad" in assert_clear_message(info.value)
    assert snapshot_hashes(made.root) == before


def test_a_plain_sqlite_file_in_place_of_a_store_is_refused(made):
    import sqlite3

    made.paths.record.unlink()
    plain = sqlite3.connect(made.paths.record)
    plain.execute("CREATE TABLE clients (id)")
    plain.commit()
    plain.close()
    before = snapshot_hashes(made.root)
    with pytest.raises(StoreOpenError, match="unencrypted SQLite file"):
        made.open()
    assert snapshot_hashes(made.root) == before


# -- the vault ---------------------------------------------------------------------------------
def test_jottings_round_trip_with_revisions_and_unicode(opened):
    lines = [JottingLine(0, '" I feel like a ghost'), JottingLine(12, "~ I felt sleepy 😴 — naïve")]
    assert opened.vault.save_jottings("session:5", lines) == 1
    assert opened.vault.save_jottings("session:5", lines + [JottingLine(13, "hw walk")]) == 2
    assert opened.vault.load_jottings("session:5") == lines + [JottingLine(13, "hw walk")]
    assert opened.vault.load_jottings("session:404") == []


def test_group_sessions_share_one_document():
    assert doc_key_for({"id": 4, "group_session_id": 2}) == "group:2"
    assert doc_key_for({"id": 4, "group_session_id": None}) == "session:4"


# -- signed notes and the audit log are enforced by the database itself -------------------------
def make_note(record: RecordStore, *, signed: bool) -> int:
    client_id = record.add_client(f"T{secrets.token_hex(3)}")
    with record.transaction() as conn:
        session_id = conn.execute(
            "INSERT INTO sessions (client_id, started_at) VALUES (?, '2025-02-03T09:00:00+00:00')", (client_id,)
        ).lastrowid
        note_id = conn.execute(
            "INSERT INTO progress_notes (session_id, template, created_at, updated_at) VALUES (?, 'SOAP', 'x', 'x')",
            (session_id,),
        ).lastrowid
        conn.execute(
            "INSERT INTO note_sections (note_id, key, title, body, ordinal) VALUES (?, 'S', 'Subjective', 'ok', 1)",
            (note_id,),
        )
        if signed:
            conn.execute(
                "UPDATE progress_notes SET status = 'signed', signer = 'Dr X', signed_at = 'now', "
                "canonical_text = 'S: ok', content_hash = 'abc' WHERE id = ?",
                (note_id,),
            )
    return note_id


LOCKED_STATEMENTS = {
    "update note": "UPDATE progress_notes SET summary = 'changed' WHERE id = :id",
    "unsign note": "UPDATE progress_notes SET status = 'draft' WHERE id = :id",
    "delete note": "DELETE FROM progress_notes WHERE id = :id",
    "update section": "UPDATE note_sections SET body = 'changed' WHERE note_id = :id",
    "delete section": "DELETE FROM note_sections WHERE note_id = :id",
    "insert section": "INSERT INTO note_sections (note_id, key, title, body, ordinal) VALUES (:id, 'P', 'Plan', 'x', 2)",
}


@pytest.mark.parametrize("statement", sorted(LOCKED_STATEMENTS))
def test_a_signed_note_refuses_change_by_raw_sql(opened, statement):
    note_id = make_note(opened.record, signed=True)
    before = opened.record.query("SELECT * FROM progress_notes WHERE id = ?", (note_id,))
    sections = opened.record.query("SELECT * FROM note_sections WHERE note_id = ?", (note_id,))
    with pytest.raises(sqlcipher3.IntegrityError, match=LOCKED_NOTE):
        with opened.record.transaction() as conn:
            conn.execute(LOCKED_STATEMENTS[statement], {"id": note_id})
    # Bypassing the helper and its transaction changes nothing either.
    with pytest.raises(sqlcipher3.IntegrityError, match=LOCKED_NOTE):
        opened.record.conn.execute(LOCKED_STATEMENTS[statement], {"id": note_id})
    assert opened.record.query("SELECT * FROM progress_notes WHERE id = ?", (note_id,)) == before
    assert opened.record.query("SELECT * FROM note_sections WHERE note_id = ?", (note_id,)) == sections


@pytest.mark.parametrize("statement", sorted(LOCKED_STATEMENTS))
def test_a_draft_note_can_still_be_edited(opened, statement):
    note_id = make_note(opened.record, signed=False)
    with opened.record.transaction() as conn:
        if statement == "delete note":
            conn.execute("DELETE FROM note_sections WHERE note_id = ?", (note_id,))
        conn.execute(LOCKED_STATEMENTS[statement], {"id": note_id})


def test_addenda_are_permanent(opened):
    note_id = make_note(opened.record, signed=True)
    with opened.record.transaction() as conn:
        conn.execute(
            "INSERT INTO addenda (note_id, body, signer, created_at, amends_hash, content_hash) "
            "VALUES (?, 'late correction', 'Dr X', 'now', 'abc', 'def')",
            (note_id,),
        )
    for sql in ("UPDATE addenda SET body = 'x'", "DELETE FROM addenda"):
        with pytest.raises(sqlcipher3.IntegrityError, match="permanent"):
            opened.record.conn.execute(sql)
    assert opened.record.query("SELECT body FROM addenda") == [{"body": "late correction"}]


def test_the_audit_log_is_append_only(opened):
    opened.record.audit("tester", "export written", subject="client:1")
    before = opened.record.query("SELECT * FROM audit_log ORDER BY id")
    assert len(before) >= 3  # profile created, stores opened, export written
    for sql in ("UPDATE audit_log SET action = 'nothing happened'", "DELETE FROM audit_log",
                "UPDATE audit_log SET detail = '' WHERE action = 'export written'"):
        with pytest.raises(sqlcipher3.IntegrityError, match="append-only"):
            opened.record.conn.execute(sql)
    assert opened.record.query("SELECT * FROM audit_log ORDER BY id") == before


def test_opening_and_key_changes_are_audited(made):
    profile = made.open()
    try:
        profile.rotate_device_key(made.keystore, "Dr X")
        profile.new_recovery_code("Dr X")
        actions = [(r["actor"], r["action"]) for r in reversed(profile.record.audit_entries())]
    finally:
        profile.close()
    assert actions[0] == ("tester", "stores opened")  # set-up
    assert ("tester", "profile created") in actions
    assert actions[-3:] == [("hushpad", "stores opened"), ("Dr X", "device key rotated"),
                            ("Dr X", "recovery code replaced")]


def test_a_failed_transaction_rolls_back(opened):
    with pytest.raises(RuntimeError):
        with opened.record.transaction() as conn:
            conn.execute("INSERT INTO clients (code, created_at) VALUES ('ZZ9', 'x')")
            raise RuntimeError("boom")
    assert opened.record.client_by_code("ZZ9") is None
    assert not opened.record.conn.in_transaction
    opened.record.add_client("ZZ9")  # the connection is usable afterwards


# -- backup and restore (the documented procedure) ------------------------------------------
def test_backup_then_restore_into_an_empty_profile_folder(made, tmp_path):
    profile = made.open()
    try:
        profile.vault.save_jottings("session:1", jot([(3, "slept badly, argued with sister"), (9, "hw diary")]))
        # Unflushed WAL content is part of the backup: this client is only in the -wal now.
        profile.record.add_client("WAL1", "In the WAL")
        backup_dir = tmp_path / "backup"
        written = profile.backup(backup_dir, "tester")
        clients_then = profile.record.query("SELECT code, display_name FROM clients ORDER BY code")
    finally:
        profile.close()
    assert sorted(p.name for p in written) == [
        "keys.json", "keys.json.bak", "record.db", "record.db.keys", "vault.db", "vault.db.keys"]
    assert mode(backup_dir) == 0o700 and all(mode(p) == 0o600 for p in written)
    for path in written:
        if path.suffix == ".db":
            assert not path.read_bytes().startswith(PLAINTEXT_HEADER)
            assert not (path.parent / f"{path.name}-wal").exists()

    restored_root = tmp_path / "restored"
    restored_root.mkdir()
    for name in ("record.db", "vault.db", "keys.json"):
        shutil.copy(backup_dir / name, restored_root / name)
    restored = unlock(ProfilePaths(restored_root), keystore=made.keystore)
    try:
        assert restored.record.query("SELECT code, display_name FROM clients ORDER BY code") == clients_then
        assert restored.record.client_by_code("WAL1")["display_name"] == "In the WAL"
        assert restored.vault.load_jottings("session:1") == jot([(3, "slept badly, argued with sister"), (9, "hw diary")])
        assert restored.record.integrity_check() == "ok" and restored.vault.integrity_check() == "ok"
        assert restored.record.cipher_check() == "ok"
    finally:
        restored.close()
    # The recovery code opens the restored copy too.
    unlock(ProfilePaths(restored_root), recovery_code=made.code).close()


def test_a_backup_is_audited_without_content(made, tmp_path):
    profile = made.open()
    try:
        profile.backup(tmp_path / "b", "tester")
        row = profile.record.audit_entries(1)[0]
    finally:
        profile.close()
    # Issue 9: the audit log says what happened, never where (paths name folders, even clients).
    assert row["action"] == "backup written" and row["detail"] == ""
    assert str(tmp_path) not in str(row)
