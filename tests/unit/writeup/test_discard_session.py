"""A session started by mistake can be discarded while its scratchpad is empty; audited."""

import pytest

from tui.services.workspace import ValidationError
from tui.storage.vault import JottingLine


def test_an_empty_session_is_discarded_and_audited(env, client):
    session = env.ws.start_session(client)
    env.ws.discard_session(session)
    assert env.ws.record.session(session.id) is None
    rows = env.ws.record.query("SELECT action, subject, detail FROM audit_log WHERE action = 'session discarded'")
    assert [(r["subject"], r["detail"]) for r in rows] == [(f"session:{session.id}", "empty scratchpad")]
    # Nothing stays due.
    assert env.ws.record.query("SELECT id FROM progress_notes") == []


def test_a_session_with_jottings_or_a_signed_note_is_kept(env, client):
    session = env.ws.start_session(client)
    env.ws.save_jottings(session, [JottingLine(0, '" I came for the right reasons')])
    with pytest.raises(ValidationError, match="has jottings"):
        env.ws.discard_session(session)
    assert env.ws.record.session(session.id) is not None
    env.ws.save_jottings(session, [JottingLine(0, "   ")])  # cleared by the clinician: may go
    env.ws.discard_session(session)
    assert env.ws.record.session(session.id) is None
