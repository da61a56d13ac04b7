"""A seal mismatch made by editing the record file with raw SQL under the right key is found
by open_note, for the note text and for an addendum, and reading goes on working."""

from __future__ import annotations

import pytest

from tui.services.records_export import RecordsExport
from tui.services.writeup import NoteRecords


@pytest.fixture
def signed(env):
    a = env.client("AA-01")
    note = env.sign(env.session(a, "2025-01-06T10:00:00+00:00"), "2025-01-06T12:00:00+00:00",
                    assessment="Original assessment text.")
    return env, note


def tamper_note(env, note_id: int, sql: str, params: tuple) -> None:
    """What an attacker with the key could do: drop the lock trigger and rewrite the row."""
    with env.record.transaction() as conn:
        conn.execute("DROP TRIGGER signed_note_no_update")
        conn.execute(sql, params)


def test_intact_note_verifies(signed):
    env, note = signed
    view = env.chart.open_note(note)
    assert view.seal_ok and view.chain_ok


def test_the_lock_trigger_refuses_a_plain_update(signed):
    env, note = signed
    with pytest.raises(Exception, match="locked"):
        with env.record.transaction() as conn:
            conn.execute("UPDATE progress_notes SET canonical_text = 'x' WHERE id = ?", (note,))


def test_edited_text_breaks_the_seal(signed):
    env, note = signed
    text = env.record.note(note)["canonical_text"]
    tamper_note(env, note, "UPDATE progress_notes SET canonical_text = ? WHERE id = ?",
                (text.replace("Original", "Altered"), note))
    view = env.chart.open_note(note)
    assert not view.seal_ok and view.chain_ok
    assert "Altered assessment" in view.text  # shown as stored, not hidden
    # Everything else keeps working.
    assert env.chart.chart(env.ws.client_by_code("AA-01")["id"]).sessions[0].status == "signed"
    assert "Altered assessment" in RecordsExport(env.ws).plain_text(note)


def test_edited_hash_breaks_the_seal(signed):
    env, note = signed
    tamper_note(env, note, "UPDATE progress_notes SET content_hash = ? WHERE id = ?", ("0" * 64, note))
    assert not env.chart.open_note(note).seal_ok


def test_edited_addendum_breaks_the_chain(signed):
    env, note = signed
    NoteRecords(env.ws).add_addendum(note, "First correction.")
    NoteRecords(env.ws).add_addendum(note, "Second correction.")
    with env.record.transaction() as conn:
        conn.execute("DROP TRIGGER addenda_no_update")
        conn.execute("UPDATE addenda SET body = 'Rewritten correction.' WHERE body = 'First correction.'")
    view = env.chart.open_note(note)
    assert view.seal_ok and not view.chain_ok


def test_removed_addendum_breaks_the_chain(signed):
    env, note = signed
    NoteRecords(env.ws).add_addendum(note, "First correction.")
    NoteRecords(env.ws).add_addendum(note, "Second correction.")
    with env.record.transaction() as conn:
        conn.execute("DROP TRIGGER addenda_no_delete")
        conn.execute("DELETE FROM addenda WHERE body = 'First correction.'")
    assert not env.chart.open_note(note).chain_ok
