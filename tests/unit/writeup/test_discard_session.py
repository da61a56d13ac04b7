"""A session started by mistake can be discarded, audited, before any note of it is signed (issue 11 item 9).

An empty one simply goes. One with jottings goes only when the clinician confirmed destroying
exactly the lines they were shown. A signed note's session never goes. Nothing stays due.
"""

import pytest

from tui.services.notes_due import NotesDue
from tui.services.workspace import ValidationError
from tui.services.writeup import WriteupService
from tui.storage.vault import JottingLine

from .conftest import complete, sign

CANARY = "ZQDISCARDCANARY"


def audit_rows(ws) -> list[tuple[str, str]]:
    rows = ws.record.query("SELECT subject, detail FROM audit_log WHERE action = 'session discarded'")
    return [(r["subject"], r["detail"]) for r in rows]


def all_audit_text(ws) -> str:
    return " ".join(" ".join(str(v) for v in row.values()) for row in ws.record.query("SELECT * FROM audit_log"))


def test_an_empty_session_is_discarded_and_audited(env, client):
    session = env.ws.start_session(client)
    env.ws.discard_session(session.id)
    assert env.ws.record.session(session.id) is None
    assert audit_rows(env.ws) == [(f"session:{session.id}", "empty scratchpad")]
    # Nothing stays due.
    assert env.ws.record.query("SELECT id FROM progress_notes") == []


def test_jottings_go_only_when_their_destruction_was_confirmed(env, client):
    session = env.ws.start_session(client)
    env.ws.save_jottings(session, [JottingLine(0, f'" {CANARY} I came for the right reasons'),
                                   JottingLine(1, ""), JottingLine(2, "> PE")])
    plan = env.ws.discard_plan(session.id)
    assert (plan.jotting_lines, plan.drafts, plan.codes, plan.ended) == (2, 0, ("AB12",), False)
    with pytest.raises(ValidationError, match="2 jotting line"):
        env.ws.discard_session(session.id)  # not confirmed: kept, every line
    assert env.ws.record.session(session.id) is not None
    assert len(env.ws.load_jottings(session)) == 3

    env.ws.discard_session(session.id, destroying=plan.jotting_lines)
    assert env.ws.record.session(session.id) is None
    assert env.ws.vault.load_jottings(session.doc_key) == []
    assert env.ws.vault.query("SELECT id FROM jotting_documents WHERE doc_key = ?", (session.doc_key,)) == []
    assert audit_rows(env.ws) == [(f"session:{session.id}", "2 jotting line(s) destroyed")]
    assert CANARY not in all_audit_text(env.ws), "the audit says how many lines, never what they said"


def test_lines_typed_after_the_confirmation_keep_the_session(env, client):
    session = env.ws.start_session(client)
    env.ws.save_jottings(session, [JottingLine(0, "> CR")])
    plan = env.ws.discard_plan(session.id)
    env.ws.save_jottings(session, [JottingLine(0, "> CR"), JottingLine(1, '" it helps')])  # typed since
    with pytest.raises(ValidationError, match="not confirmed"):
        env.ws.discard_session(session.id, destroying=plan.jotting_lines)
    assert [line.text for line in env.ws.load_jottings(session)] == ["> CR", '" it helps']
    assert audit_rows(env.ws) == []


def test_an_ended_session_with_a_draft_is_discarded_and_nothing_stays_due(env, client):
    session = env.session(client, ["> CR on sleep worry", '" better'])
    svc = WriteupService(env.ws)
    w = svc.open(session.id)
    svc.release(w)
    assert [r["session_id"] for r in NotesDue(env.ws).rows()] == [session.id]

    assert env.ws.discard_plan_for_client(client).session_ids == (session.id,)
    plan = env.ws.discard_session(session.id, destroying=2)
    assert (plan.ended, plan.drafts) == (True, 1)
    assert NotesDue(env.ws).rows() == []
    assert env.ws.record.query("SELECT id FROM progress_notes") == []
    assert audit_rows(env.ws) == [(f"session:{session.id}", "2 jotting line(s) destroyed; 1 unsigned draft(s) removed")]
    assert env.ws.discard_plan_for_client(client) is None


def test_a_signed_notes_session_is_never_discarded(env, client):
    session = env.session(client, ["! denies SI/HI/SH", "> CR"])
    svc = WriteupService(env.ws)
    sign(svc, complete(svc.open(session.id)))
    with pytest.raises(ValidationError, match="can never be discarded"):
        env.ws.discard_plan(session.id)
    with pytest.raises(ValidationError, match="can never be discarded"):
        env.ws.discard_session(session.id, destroying=99)
    assert env.ws.record.session(session.id) is not None
    assert len(env.ws.load_jottings(session)) == 2, "its private jottings stay too"
    assert env.ws.discard_plan_for_client(client) is None, "only unsigned sessions are offered"
    # And beneath the service, the record itself refuses.
    with pytest.raises(Exception, match="signed"):
        with env.ws.record.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE id = ?", (session.id,))


def test_a_group_session_goes_whole_with_every_members_draft(env, client):
    others = [env.ws.add_client(code, name) for code, name in (("CD34", "Casey Doe"), ("EF56", "Eli Fox"))]
    group = env.ws.start_group_session([client, *others])
    env.ws.save_jottings(group, [JottingLine(0, f"@AB12 {CANARY} spoke first"), JottingLine(1, "> PE")])
    env.ws.end_session(group)
    members = env.ws.group_members(group.group_session_id)
    svc = WriteupService(env.ws)
    svc.release(svc.open(members[1]["session_id"]))  # one member's draft begun

    plan = env.ws.discard_plan(members[2]["session_id"])  # from any member's session
    assert plan.codes == ("AB12", "CD34", "EF56") and plan.group_session_id == group.group_session_id
    assert (plan.jotting_lines, plan.drafts) == (2, 1)
    env.ws.discard_session(members[0]["session_id"], destroying=2)
    ids = tuple(m["session_id"] for m in members)
    assert env.ws.record.query(f"SELECT id FROM sessions WHERE id IN ({','.join('?' * 3)})", ids) == []
    assert env.ws.record.query("SELECT id FROM group_sessions") == []
    assert env.ws.record.query("SELECT id FROM progress_notes") == []
    assert env.ws.vault.load_jottings(group.doc_key) == []
    assert NotesDue(env.ws).rows() == []
    assert audit_rows(env.ws) == [(f"group_session:{group.group_session_id} sessions:{','.join(map(str, ids))}",
                                   "2 jotting line(s) destroyed; 1 unsigned draft(s) removed")]
    assert CANARY not in all_audit_text(env.ws)


def test_a_group_with_one_signed_member_is_kept_whole(env, client):
    other = env.ws.add_client("CD34", "Casey Doe")
    group = env.ws.start_group_session([client, other])
    env.ws.save_jottings(group, [JottingLine(0, "> PE"), JottingLine(1, "! all deny SI/HI/SH")])
    env.ws.end_session(group)
    first, second = env.ws.group_members(group.group_session_id)
    svc = WriteupService(env.ws)
    sign(svc, complete(svc.open(first["session_id"])))
    with pytest.raises(ValidationError, match=r"signed note \(AB12\)"):
        env.ws.discard_session(second["session_id"], destroying=2)
    assert env.ws.record.session(second["session_id"]) is not None
    assert len(env.ws.vault.load_jottings(group.doc_key)) == 2


def test_a_later_session_given_the_same_id_never_sees_discarded_jottings(env, client):
    other = env.ws.add_client("CD34", "Casey Doe")
    mistaken = env.ws.start_session(client)
    env.ws.save_jottings(mistaken, [JottingLine(0, f"~ {CANARY} about AB12")])
    env.ws.discard_session(mistaken.id, destroying=1)
    later = env.ws.start_session(other)
    assert later.id == mistaken.id, "SQLite hands out the freed id again"
    assert env.ws.load_jottings(later) == []


def test_an_emergency_copy_of_a_discarded_session_never_restores_into_the_next_one(env, client, tmp_path):
    """Record ids are reused: the next session started takes the discarded one's id. Its
    emergency copy names the session (client and start), so it is refused, and stays on disk."""
    from tui.services import saving
    from tui.errors import HushpadError

    folder = tmp_path / "stick"
    folder.mkdir()
    first = env.ws.start_session(client)
    env.ws.save_jottings(first, [JottingLine(0, f"{CANARY} about the first client")])
    written = saving.write_jottings_copy(env.ws, first, [(0, f"{CANARY} about the first client")], str(folder))
    env.ws.discard_session(first.id, destroying=1)
    other = env.ws.add_client("ZZ-9", "Other Person", "", [])
    second = env.ws.start_session(other)
    assert second.id == first.id  # the id is reused: what made this dangerous
    (pending,) = saving.prepare_and_find(env.ws).copies
    with pytest.raises(HushpadError, match="no longer exists"):
        saving.restore(env.ws, pending)
    assert not [line for line in env.ws.vault.load_jottings(second.doc_key) if CANARY in line.text]
    assert written.path.exists()


def test_an_emergency_copy_still_restores_into_its_own_session(env, client, tmp_path):
    from tui.services import saving

    folder = tmp_path / "stick"
    folder.mkdir()
    session = env.ws.start_session(client)
    env.ws.save_jottings(session, [JottingLine(0, "kept line")])
    saving.write_jottings_copy(env.ws, session, [(0, "kept line"), (1, "unsaved line")], str(folder))
    (pending,) = saving.prepare_and_find(env.ws).copies
    assert "1 jotting line(s) restored" in saving.restore(env.ws, pending)
    assert [line.text for line in env.ws.vault.load_jottings(session.doc_key)] == ["kept line", "unsaved line"]
