"""A draft is written when it changed, and not again when an edit changed nothing (the
write-up no longer serialises the draft on every keystroke to find out)."""

from __future__ import annotations

from tui.services.writeup import WriteupService


def _updated(env, note_id: int) -> tuple[str, str]:
    row = env.ws.record.query_one("SELECT draft_json, updated_at FROM progress_notes WHERE id = ?", (note_id,))
    return row["draft_json"], row["updated_at"]


def test_an_unchanged_draft_is_not_written_again(env, client):
    s = env.session(client, ['" slept badly'])
    svc = WriteupService(env.ws)
    w = svc.open(s.id)
    svc.save(w)
    first = _updated(env, w.note_id)
    with env.ws.record.transaction() as conn:  # a marker: any new write would replace it
        conn.execute("UPDATE progress_notes SET updated_at = 'MARK' WHERE id = ?", (w.note_id,))
    svc.save(w)
    assert _updated(env, w.note_id) == (first[0], "MARK")
    w.draft.sections["subjective"] = "Reports sleeping five hours."
    svc.save(w)
    draft_json, updated = _updated(env, w.note_id)
    assert updated != "MARK" and "sleeping five hours" in draft_json
    svc.release(w)
