"""Signing: the note freezes (database triggers), signing is all-or-nothing even when the
process dies mid-transaction, one write-up per session at a time, late entries, audit."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tui.domain.canonical import content_hash
from tui.domain.session_facts import display_time
from tui.services.writeup import WriteupError, WriteupService

from .conftest import complete, sign

REPO = Path(__file__).resolve().parents[3]
JOTTINGS = ['" cant sleep', "o tired", "! denies SI/HI/SH", "> CR on catastrophizing", "phq9 11", "gad7 9",
            "g1 + 2 nights of 7 hrs", "hw sleep diary"]


def signed_note(env, client, jottings=JOTTINGS, **times):
    s = env.session(client, jottings, **times)
    svc = WriteupService(env.ws)
    w = complete(svc.open(s.id))
    return svc, w, s, sign(svc, w)


def rows(env, sql, *args):
    return env.ws.record.query(sql, args)


def raw(env, sql, *args):
    with env.ws.record.transaction() as conn:
        conn.execute(sql, args)


# -- what signing stores --------------------------------------------------------------
def test_signing_stores_signer_time_hash_sections_measures_risk(env, client):
    svc, w, s, signed = signed_note(env, client)
    note = env.ws.record.note(w.note_id)
    assert note["status"] == "signed"
    assert (note["signer"], note["credentials"]) == ("Dana Reyes", "LCSW")
    assert datetime.fromisoformat(note["signed_at"]).tzinfo is not None
    assert note["canonical_text"] == signed.text
    assert note["content_hash"] == content_hash(signed.text) == signed.content_hash
    assert note["content_hash"] == content_hash(note["canonical_text"])
    assert "Signed electronically by: Dana Reyes, LCSW" in signed.text
    # Wall-clock time with the signer's offset (issue 11 item 3), not a raw ISO stamp.
    assert f"Signed at: {display_time(note['signed_at'], zone=True, local=False)}" in signed.text
    assert note["signed_at"] not in signed.text and "(UTC" in signed.text
    assert note["editing_pid"] is None
    sections = rows(env, "SELECT key, body FROM note_sections WHERE note_id = ? ORDER BY ordinal", w.note_id)
    assert [r["key"] for r in sections] == ["subjective", "objective", "assessment", "plan"]
    measures = rows(env, "SELECT instrument, total FROM measure_scores WHERE session_id = ? ORDER BY instrument", s.id)
    assert [(m["instrument"], m["total"]) for m in measures] == [("gad7", 9), ("phq9", 11)]
    risk = rows(env, "SELECT * FROM risk_assessments WHERE session_id = ?", s.id)
    assert [(r["suicidal_ideation"], r["homicidal_ideation"], r["self_harm"]) for r in risk] == [
        ("denied", "denied", "denied")]


def test_signed_note_cannot_be_signed_or_opened_again(env, client):
    svc, w, s, _ = signed_note(env, client)
    with pytest.raises(WriteupError, match="already signed"):
        svc.open(s.id)
    with pytest.raises(Exception, match="already signed"):
        sign(svc, w)


def test_save_after_signing_changes_nothing(env, client):
    svc, w, s, signed = signed_note(env, client)
    before = env.ws.record.note(w.note_id)
    w.draft.sections["subjective"] = "tampered"
    svc.save(w)  # the UPDATE is guarded by status = 'draft'
    assert env.ws.record.note(w.note_id) == before


# -- the triggers, with raw SQL -----------------------------------------------------------
@pytest.mark.parametrize("sql", [
    "UPDATE progress_notes SET canonical_text = 'forged' WHERE id = ?",
    "UPDATE progress_notes SET status = 'draft' WHERE id = ?",
    "UPDATE progress_notes SET summary = 'x', editing_pid = 1 WHERE id = ?",
    "DELETE FROM progress_notes WHERE id = ?",
    "UPDATE note_sections SET body = 'forged' WHERE note_id = ?",
    "DELETE FROM note_sections WHERE note_id = ?",
    "INSERT INTO note_sections (note_id, key, title, body, ordinal) VALUES (?, 'extra', 'Extra', 'x', 9)",
])
def test_trigger_refuses_changes_to_a_signed_note(env, client, sql):
    _, w, _, signed = signed_note(env, client)
    before_note = env.ws.record.note(w.note_id)
    before_sections = rows(env, "SELECT * FROM note_sections WHERE note_id = ?", w.note_id)
    with pytest.raises(Exception, match="locked; corrections go in an addendum"):
        raw(env, sql, w.note_id)
    assert env.ws.record.note(w.note_id) == before_note
    assert rows(env, "SELECT * FROM note_sections WHERE note_id = ?", w.note_id) == before_sections


def test_a_draft_is_not_frozen(env, client):
    s = env.session(client, JOTTINGS)
    w = WriteupService(env.ws).open(s.id)
    raw(env, "UPDATE progress_notes SET summary = 'fine' WHERE id = ?", w.note_id)
    assert env.ws.record.note(w.note_id)["summary"] == "fine"


def test_audit_log_is_append_only(env, client):
    signed_note(env, client)
    for sql in ("UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            raw(env, sql)


# -- a crash during signing -----------------------------------------------------------------
def draft_state(env, note_id, session_id):
    note = env.ws.record.note(note_id)
    return {
        "status": note["status"], "draft_json": note["draft_json"], "canonical_text": note["canonical_text"],
        "content_hash": note["content_hash"], "signed_at": note["signed_at"],
        "sections": rows(env, "SELECT * FROM note_sections WHERE note_id = ?", note_id),
        "measures": rows(env, "SELECT * FROM measure_scores WHERE session_id = ?", session_id),
        "risk": rows(env, "SELECT * FROM risk_assessments WHERE session_id = ?", session_id),
        "signed_audit": rows(env, "SELECT * FROM audit_log WHERE action = 'note signed'"),
    }


def assert_still_a_draft(state):
    assert state["status"] == "draft"
    assert state["canonical_text"] is None and state["content_hash"] is None and state["signed_at"] is None
    assert state["sections"] == [] and state["measures"] == [] and state["risk"] == []
    assert state["signed_audit"] == []


class Boom(RuntimeError):
    pass


def test_exception_before_commit_leaves_the_untouched_draft_then_signing_works(env, client):
    s = env.session(client, JOTTINGS)
    svc = WriteupService(env.ws)
    w = complete(svc.open(s.id))
    svc.save(w)
    before = draft_state(env, w.note_id, s.id)

    seen = {}

    def boom() -> None:
        # Inside the transaction every row is written: prove it, then fail before the commit.
        seen["sections"] = len(rows(env, "SELECT * FROM note_sections WHERE note_id = ?", w.note_id))
        raise Boom("power cut")

    with pytest.raises(Boom):
        sign(svc, w, before_commit=boom)
    after = draft_state(env, w.note_id, s.id)
    assert "sections" in seen
    assert_still_a_draft(after)
    assert after == before
    signed = sign(svc, w)  # nothing half-done stands in the way
    assert draft_state(env, w.note_id, s.id)["status"] == "signed"
    assert env.ws.record.note(w.note_id)["canonical_text"] == signed.text


def test_sigkill_inside_the_signing_transaction_leaves_a_whole_draft(env, client):
    s = env.session(client, JOTTINGS)
    env.ws.close()  # the child takes the profile lock
    child = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("_sign_and_die.py")), str(env.config.profile_dir),
         env.recovery_code, str(s.id)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stdout, child.stderr)
    assert "about to sign" in child.stdout and "should never print" not in child.stdout
    env.reopen()
    assert env.ws.record.integrity_check() == "ok"
    note = env.ws.record.note_for_session(s.id)
    state = draft_state(env, note["id"], s.id)
    assert_still_a_draft(state)
    # The autosaved draft from before the kill is there, whole.
    assert json.loads(state["draft_json"])["sections"]["subjective"] == "Subjective written in the child."
    # The dead child's claim is stale: this process takes it over and signs.
    assert note["editing_pid"] is not None
    svc = WriteupService(env.ws)
    w = svc.open(s.id)
    assert w.draft.sections["subjective"] == "Subjective written in the child."
    sign(svc, w)
    assert env.ws.record.note(note["id"])["status"] == "signed"


# -- one write-up of a session at a time ----------------------------------------------------------
def test_second_writeup_of_the_same_session_is_refused(env, client):
    s = env.session(client, JOTTINGS)
    first = WriteupService(env.ws).open(s.id)
    with pytest.raises(WriteupError, match="already being written up"):
        WriteupService(env.ws).open(s.id)
    WriteupService(env.ws).release(first)
    WriteupService(env.ws).open(s.id)  # free again once the first is closed


def test_claim_held_by_another_live_process_is_refused_and_a_dead_ones_taken_over(env, client):
    s = env.session(client, JOTTINGS)
    svc = WriteupService(env.ws)
    w = svc.open(s.id)
    svc.release(w)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        raw(env, "UPDATE progress_notes SET editing_pid = ? WHERE id = ?", other.pid, w.note_id)
        with pytest.raises(WriteupError, match=f"process {other.pid}"):
            svc.open(s.id)
    finally:
        other.kill()
        other.wait()
    again = svc.open(s.id)  # the holder is dead: its claim is stale
    import os
    assert env.ws.record.note(again.note_id)["editing_pid"] == os.getpid()


def test_release_clears_the_claim(env, client):
    s = env.session(client, JOTTINGS)
    svc = WriteupService(env.ws)
    w = svc.open(s.id)
    svc.release(w)
    assert env.ws.record.note(w.note_id)["editing_pid"] is None


# -- late entry -------------------------------------------------------------------------------
def iso(dt: datetime) -> str:
    return dt.astimezone().isoformat(timespec="seconds")


def test_signed_more_than_24h_after_the_session_is_a_late_entry(env, client):
    ended = datetime.now().astimezone() - timedelta(hours=25)
    _, w, _, signed = signed_note(env, client, started=iso(ended - timedelta(minutes=50)), ended=iso(ended),
                                  duration=50)
    assert signed.late_entry
    assert signed.text.splitlines()[1] == "LATE ENTRY"
    assert "LATE ENTRY: signed more than 24 hours after the session." in signed.text
    assert env.ws.record.note(w.note_id)["late_entry"] == 1
    audit = rows(env, "SELECT detail FROM audit_log WHERE action = 'note signed'")
    assert [a["detail"] for a in audit] == ["late entry"]


def test_signed_within_24h_is_not_late(env, client):
    ended = datetime.now().astimezone() - timedelta(hours=23)
    _, w, _, signed = signed_note(env, client, started=iso(ended - timedelta(minutes=50)), ended=iso(ended),
                                  duration=50)
    assert not signed.late_entry and "LATE ENTRY" not in signed.text
    assert env.ws.record.note(w.note_id)["late_entry"] == 0


def test_late_entry_is_measured_from_the_end_not_the_start(env, client):
    # Started 25 h ago but a 2-hour session: ended 23 h ago, so not late.
    started = datetime.now().astimezone() - timedelta(hours=25)
    _, _, _, signed = signed_note(env, client, started=iso(started), ended=iso(started + timedelta(hours=2)),
                                  duration=120)
    assert not signed.late_entry


# -- audit ------------------------------------------------------------------------------------------
def test_audit_records_signing_without_content(env, client):
    canary = "zqcanary7731"
    s = env.session(client, ['" ' + canary + " said something", "! denies SI/HI/SH"])
    svc = WriteupService(env.ws)
    w = svc.open(s.id)
    complete(w, subjective=svc.carry(w, w.jottings[0]))
    signed = sign(svc, w)
    assert canary in signed.text
    entries = rows(env, "SELECT * FROM audit_log WHERE action = 'note signed'")
    assert len(entries) == 1 and entries[0]["subject"] == f"note:{w.note_id}"
    everything = json.dumps(rows(env, "SELECT * FROM audit_log"))
    assert canary not in everything and "said something" not in everything


def test_lint_errors_and_unacknowledged_warnings_block_signing(env, client):
    s = env.session(client, ["o calm"])
    svc = WriteupService(env.ws)
    w = svc.open(s.id)
    with pytest.raises(WriteupError, match="Cannot sign yet"):
        svc.sign(w, set())
    complete(w, assessment="Client was resistant to the exercise.")
    with pytest.raises(WriteupError, match="Acknowledge each warning"):
        svc.sign(w, set())
    assert env.ws.record.note(w.note_id)["status"] == "draft"
    sign(svc, w)


# -- more measures (issue 13 item 5): jotted in session, signed, stored, stated -------------
MORE_MEASURES = ['" nightmares most nights', "o hypervigilant", "pcl5 41", "cssrs y n n", "phq9 8",
                 "> grounding, safety planning"]


def test_pcl5_and_a_positive_cssrs_are_signed_stored_and_stated(env, client):
    s = env.session(client, MORE_MEASURES)
    svc = WriteupService(env.ws)
    w = complete(svc.open(s.id))
    assert {m.instrument for m in w.draft.measures} == {"pcl5", "cssrs", "phq9"}
    # A positive C-SSRS holds the note like PHQ-9 item 9: the SI detail is required first.
    errors = [f for f in svc.lint(w) if f.level == "error"]
    assert any(f.rule == "risk.cssrs-positive" for f in errors), errors
    with pytest.raises(WriteupError):
        sign(svc, w)
    from dataclasses import replace
    w.draft.risk = replace(w.draft.risk, si="endorsed", si_detail="passive wish to not wake up, no plan or intent",
                           level="low", protective_factors="daughter, faith", safety_plan="reviewed")
    signed = sign(svc, w)
    stored = rows(env, "SELECT instrument, total, items_json FROM measure_scores WHERE session_id = ? "
                       "ORDER BY instrument", s.id)
    assert [(m["instrument"], m["total"]) for m in stored] == [("cssrs", 1), ("pcl5", 41), ("phq9", 8)]
    assert json.loads(stored[0]["items_json"])[:2] == [1, 0]
    assert "PCL-5: 41 (probable PTSD)" in signed.text or "PCL-5: 41 (" in signed.text
    assert "C-SSRS screen low risk" in signed.text
    assert "C-SSRS: 1" not in signed.text  # the level is said in words, never as a number
