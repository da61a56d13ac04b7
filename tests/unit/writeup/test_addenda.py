"""Corrections after signing: dated addenda, each hash-linked to what it amends."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tui.domain.session_facts import display_time
from tui.domain.canonical import addendum_hash
from tui.services.workspace import ValidationError
from tui.services.records_export import RecordsExport
from tui.services.writeup import NoteRecords, WriteupError, WriteupService

from .conftest import complete, sign


@pytest.fixture
def signed(env, client):
    s = env.session(client, ["! denies SI/HI/SH", "o tired"])
    svc = WriteupService(env.ws)
    w = complete(svc.open(s.id))
    return w.note_id, sign(svc, w)


def test_addenda_are_dated_and_chained(env, signed):
    note_id, note = signed
    records = NoteRecords(env.ws)
    first = records.add_addendum(note_id, "Client called to correct the date of the move.")
    second = records.add_addendum(note_id, "Spoke with the GP, with consent.")
    a, b = env.ws.record.addenda(note_id)
    assert (a["id"], b["id"]) == (first, second)
    for row in (a, b):
        assert datetime.fromisoformat(row["created_at"]).tzinfo is not None
        assert (row["signer"], row["credentials"]) == ("Dana Reyes", "LCSW")
    assert a["amends_hash"] == note.content_hash  # the first amends the signed note
    assert b["amends_hash"] == a["content_hash"]  # each later one amends the one before
    assert a["content_hash"] == addendum_hash(note.content_hash, a["body"], a["created_at"], a["signer"])
    assert b["content_hash"] == addendum_hash(a["content_hash"], b["body"], b["created_at"], b["signer"])
    assert a["content_hash"] != b["content_hash"]


def test_the_signed_note_is_unchanged_by_addenda(env, signed):
    note_id, note = signed
    before = env.ws.record.note(note_id)
    NoteRecords(env.ws).add_addendum(note_id, "A correction.")
    assert env.ws.record.note(note_id) == before
    assert NoteRecords(env.ws).seal_ok(before)


@pytest.mark.parametrize("sql", ["UPDATE addenda SET body = 'forged'", "DELETE FROM addenda",
                                 "UPDATE addenda SET amends_hash = 'x'"])
def test_addendum_table_refuses_update_and_delete(env, signed, sql):
    note_id, _ = signed
    NoteRecords(env.ws).add_addendum(note_id, "A correction.")
    before = env.ws.record.addenda(note_id)
    with pytest.raises(Exception, match="an addendum is permanent"):
        with env.ws.record.transaction() as conn:
            conn.execute(sql)
    assert env.ws.record.addenda(note_id) == before


def test_addendum_needs_text_and_a_signed_note(env, client):
    s = env.session(client, ["o calm"])
    w = WriteupService(env.ws).open(s.id)
    records = NoteRecords(env.ws)
    with pytest.raises(WriteupError, match="draft"):
        records.add_addendum(w.note_id, "too early")
    with pytest.raises(ValidationError):
        records.add_addendum(w.note_id, "   ")
    assert env.ws.record.addenda(w.note_id) == []


def test_addenda_appear_in_the_plain_text_and_are_audited_without_content(env, signed):
    note_id, note = signed
    records = NoteRecords(env.ws)
    records.add_addendum(note_id, "zqaddendum42 corrected the date.")
    row = env.ws.record.addenda(note_id)[0]
    text = RecordsExport(env.ws).plain_text(note_id)
    assert text.startswith(note.text.rstrip("\n"))
    # Local wall-clock time with its offset (issue 11 item 3), never the raw ISO stamp.
    assert f"ADDENDUM {display_time(row['created_at'], zone=True)} by Dana Reyes, LCSW" in text
    assert row["created_at"] not in text
    assert "zqaddendum42 corrected the date." in text
    assert f"Amends: {note.content_hash[:16]}  Seal: {row['content_hash'][:16]}" in text
    audit = env.ws.record.query("SELECT * FROM audit_log WHERE action = 'addendum signed'")
    assert [a["subject"] for a in audit] == [f"note:{note_id}"]
    assert "zqaddendum42" not in json.dumps(env.ws.record.query("SELECT * FROM audit_log"))


def test_seal_check_detects_a_changed_text(env, signed):
    note_id, _ = signed
    note = dict(env.ws.record.note(note_id))
    records = NoteRecords(env.ws)
    assert records.seal_ok(note)
    note["canonical_text"] = note["canonical_text"].replace("Denies", "Endorses")
    assert not records.seal_ok(note)
