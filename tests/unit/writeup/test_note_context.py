"""The client's earlier scores are context the note is written in, not part of the draft
(issue 8 item 7): read from the record each time the write-up opens, given to the layout
apart, never saved with the draft, and a stale copy in an old draft is ignored."""

from __future__ import annotations

import json

from tui.domain.measures import MeasureScore
from tui.services.writeup import WriteupService

from .conftest import complete, sign

FIRST = ("2025-03-04T10:00:00+00:00", "2025-03-04T10:50:00+00:00", 50)
SECOND = ("2025-03-11T10:00:00+00:00", "2025-03-11T10:50:00+00:00", 50)


def _signed_first_note(env, client: int) -> None:
    s = env.session(client, ["phq9 14", "! denies SI/HI/SH"], started=FIRST[0], ended=FIRST[1], duration=FIRST[2])
    svc = WriteupService(env.ws)
    sign(svc, complete(svc.open(s.id)), signed_at="2025-03-04T11:00:00+00:00")


def _draft_json(env, note_id: int) -> dict:
    row = env.ws.record.query_one("SELECT draft_json FROM progress_notes WHERE id = ?", (note_id,))
    return json.loads(row["draft_json"])


def test_the_earlier_score_comes_from_the_record_and_is_not_saved_with_the_draft(env, client):
    _signed_first_note(env, client)
    s = env.session(client, ["phq9 11"], started=SECOND[0], ended=SECOND[1], duration=SECOND[2])
    svc = WriteupService(env.ws)
    w = svc.open(s.id)
    assert w.previous_scores == {"phq9": MeasureScore("phq9", 14, None)}
    assert "PHQ-9: 11 (moderate); \u22123 since last" in svc.render(w)
    svc.save(w)
    assert "previous_scores" not in _draft_json(env, w.note_id)
    svc.release(w)

    again = WriteupService(env.ws).open(s.id)  # from the saved draft: the context is read afresh
    assert again.previous_scores == {"phq9": MeasureScore("phq9", 14, None)}
    signed = sign(svc, complete(again), signed_at="2025-03-11T11:00:00+00:00")
    assert "PHQ-9: 11 (moderate); \u22123 since last" in signed.text
    assert "previous_scores" not in _draft_json(env, again.note_id)


def test_a_stale_copy_in_a_draft_saved_by_an_older_version_is_ignored(env, client):
    _signed_first_note(env, client)
    s = env.session(client, ["phq9 11"], started=SECOND[0], ended=SECOND[1], duration=SECOND[2])
    svc = WriteupService(env.ws)
    w = svc.open(s.id)
    svc.save(w)
    svc.release(w)
    old = {**_draft_json(env, w.note_id), "previous_scores": {"phq9": {"instrument": "phq9", "total": 27}}}
    env.ws.record.save_draft(w.note_id, w.template.key, json.dumps(old))

    loaded = WriteupService(env.ws).open(s.id)
    assert loaded.previous_scores["phq9"].total == 14  # the record's, not the draft's 27
    assert "\u22123 since last" in svc.render(loaded) and "since last" in svc.render(loaded)
    assert "\u221216 since last" not in svc.render(loaded)


def test_a_first_session_states_a_first_administration(env, client):
    s = env.session(client, ["phq9 11"], started=SECOND[0], ended=SECOND[1], duration=SECOND[2])
    svc = WriteupService(env.ws)
    w = svc.open(s.id)
    assert w.previous_scores == {}
    assert "PHQ-9: 11 (moderate); first administration" in svc.render(w)
