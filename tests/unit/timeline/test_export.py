"""The records export: signed notes, addenda, measures, risk and the treatment plan; no
private jotting text unless asked for; every export (and every private viewing) audited."""

from __future__ import annotations

import json

import pytest

from tui.services.writeup import NoteRecords
from tui.errors import HushpadError

TILDE_CANARY = "TILDECANARY7731"
QUOTE_CANARY = "QUOTECANARY5512"
OBS_CANARY = "OBSCANARY9034"
OPEN_SESSION_CANARY = "OPENCANARY4410"


@pytest.fixture
def record_env(env):
    a = env.client("AA-01", "Avery Example", "1988-04-12", goals=["Sleep 7 hours", "Drive alone"])
    env.record.add_problem(a, "Insomnia since the move")
    goal1 = env.record.goals(a)[0]["id"]
    env.record.add_objective(goal1, "Sleep diary five nights a week")
    env.record.add_plan_intervention(goal1, "CBT for insomnia")
    s1 = env.session(a, "2025-01-06T10:00:00+00:00", jottings=[
        f"~ {TILDE_CANARY} I felt protective", f'" {QUOTE_CANARY} said in session', f"o {OBS_CANARY} fidgeting",
        "phq9 17", "gad7 11", "g1 + slept six hours", "! denies SI/HI/SH"])
    n1 = env.sign(s1, "2025-01-06T12:00:00+00:00", risk_level="moderate",
                  assessment="Mood low but engaged; sleep slowly improving.")
    NoteRecords(env.ws).add_addendum(n1, "Addendum: PHQ-9 was administered at the start.")
    s2 = env.session(a, "2025-01-13T10:00:00+00:00", jottings=["phq9 12", f"~ {TILDE_CANARY} second session"])
    env.sign(s2, "2025-01-13T12:00:00+00:00", assessment="Second signed note text.")
    draft = env.session(a, "2025-01-20T10:00:00+00:00", jottings=[f"~ {OPEN_SESSION_CANARY}"])
    env.draft(draft)
    env.session(a, "2025-01-27T10:00:00+00:00", ended=None, jottings=[f'" {OPEN_SESSION_CANARY} open'])
    return env


CANARIES = (TILDE_CANARY, QUOTE_CANARY, OBS_CANARY, OPEN_SESSION_CANARY)


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_export_holds_the_clinical_record(record_env, fmt):
    text = record_env.export.client("AA-01", fmt)
    for expected in ("Mood low but engaged; sleep slowly improving.", "Second signed note text.",
                     "Addendum: PHQ-9 was administered at the start.", "Insomnia since the move",
                     "Sleep diary five nights a week", "CBT for insomnia", "Sleep 7 hours", "slept six hours",
                     "Avery Example", "1988-04-12"):
        assert expected in text, expected
    for seal in (r["content_hash"] for r in record_env.record.query("SELECT content_hash FROM progress_notes WHERE status='signed'")):
        assert seal in text
    if fmt == "md":
        # A trend table a clerk reads: one row per day, "PHQ-9 12 (moderate)" per cell.
        for row in ("| Date | PHQ-9 | GAD-7 |", "| 2025-01-06 | 17 (moderately severe) | 11 (moderate) |",
                    "| 2025-01-13 | 12 (moderate) | — |"):
            assert row in text
        assert "risk level moderate" in text
        assert "\\(" not in text and "\\~" not in text
        # Labels match the notes' own numbering.
        assert "### Note 1 of 2: Session 1 · 2025-01-06" in text and "### Note 2 of 2: Session 2 · 2025-01-13" in text
    else:
        data = json.loads(text)
        assert [n["date"] for n in data["progress_notes"]] == ["2025-01-06", "2025-01-13"]
        assert "ADDENDUM" in data["progress_notes"][0]["text"]
        assert {(m["instrument"], m["total"]) for m in data["measures"]} == {("phq9", 17), ("gad7", 11), ("phq9", 12)}
        assert [r["level"] for r in data["risk_assessments"]] == ["moderate", "low"]
        goal = data["treatment_plan"]["goals"][0]
        assert [o["description"] for o in goal["objectives"]] == ["Sleep diary five nights a week"]
        assert goal["objectives"][0]["number"] == "1.1"
        assert goal["interventions"] == ["CBT for insomnia"]
        assert [p["status"] for p in goal["progress"]] == ["improved"]
        assert data["treatment_plan"]["problems"] == [{"description": "Insomnia since the move", "status": "active"}]
        assert "psychotherapy_notes" not in data


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_export_never_holds_private_jottings_unless_asked(record_env, fmt):
    text = record_env.export.client("AA-01", fmt)
    for canary in CANARIES:
        assert canary not in text, canary
    assert "Psychotherapy notes" not in text and "psychotherapy_notes" not in text
    with_private = record_env.export.client("AA-01", fmt, include_private=True)
    for canary in CANARIES:
        assert canary in with_private, canary
    if fmt == "json":
        sessions = json.loads(with_private)["psychotherapy_notes"]
        assert sum(len(s["jottings"]) for s in sessions) == 7 + 2 + 1 + 1
        assert [s["session"] for s in sessions] == ["Session 1 · 2025-01-06", "Session 2 · 2025-01-13",
                                                    "Session 3 · 2025-01-20", "Session 4 · 2025-01-27"]
    else:  # the private part is labelled by the session numbers the notes use, not by row ids
        assert "### Session 1 · 2025-01-06" in with_private and "### Session 3 · 2025-01-20" in with_private


def test_draft_note_text_is_not_exported(record_env):
    env = record_env
    draft = env.record.query_one("SELECT id, session_id FROM progress_notes WHERE status = 'draft'")
    with env.record.transaction() as conn:
        conn.execute("UPDATE progress_notes SET canonical_text = 'DRAFTCANARY3301' WHERE id = ?", (draft["id"],))
    for fmt in ("md", "json"):
        assert "DRAFTCANARY3301" not in env.export.client("AA-01", fmt, include_private=True)


def test_every_export_is_audited(record_env):
    env = record_env
    client_id = env.ws.client_by_code("AA-01")["id"]
    before = len(env.audit_actions())
    env.export.client("AA-01", "md")
    env.export.client("AA-01", "json", include_private=True)
    new = env.audit_actions()[: len(env.audit_actions()) - before]
    assert new == [("client record exported", f"client:{client_id}", "json with private jottings"),
                   ("client record exported", f"client:{client_id}", "md")]
    for action, subject, detail in env.audit_actions():
        for canary in CANARIES:
            assert canary not in action + subject + detail


def test_private_jottings_opening_is_audited(record_env):
    env = record_env
    session = env.record.query_one("SELECT id FROM sessions ORDER BY started_at LIMIT 1")["id"]
    before = env.audit_actions()
    lines = env.chart.private_jottings(session)
    assert (0, f"~ {TILDE_CANARY} I felt protective") in lines and len(lines) == 7
    after = env.audit_actions()
    assert len(after) == len(before) + 1
    assert after[0] == ("private jottings viewed", f"session:{session}", "")


def test_private_search_only_when_asked_and_audited(record_env):
    env = record_env
    plain = env.search.search(TILDE_CANARY)
    assert plain.total == 0 and plain.private_hits == []
    assert not [a for a in env.audit_actions() if a[0] == "private jottings searched"]
    asked = env.search.search(TILDE_CANARY.lower(), include_private=True)
    assert len(asked.private_hits) == 2 and all(TILDE_CANARY in line for _, _, line in asked.private_hits)
    assert env.audit_actions()[0][:2] == ("private jottings searched", "all clients")


def test_export_of_an_empty_client_makes_sense(env):
    env.client("EMPTY-1")
    md = env.export.client("EMPTY-1", "md")
    assert md.startswith("# Records request: EMPTY-1")
    for heading in ("## Treatment plan", "## Measures", "## Risk assessments", "## Progress notes"):
        assert heading in md
    assert "|" not in md  # no empty table: a sentence says there is nothing
    for sentence in ("No treatment plan recorded.", "No measures recorded.", "No risk assessments recorded.",
                     "No signed progress notes."):
        assert sentence in md
    data = json.loads(env.export.client("EMPTY-1", "json"))
    assert (data["progress_notes"], data["measures"], data["risk_assessments"]) == ([], [], [])
    assert data["treatment_plan"] == {"diagnoses": [], "problems": [], "goals": [], "review_due": None}
    assert data["treatment_plan_versions"] == []


def test_export_unknown_client_is_a_clear_error(env):
    with pytest.raises(HushpadError, match="No client"):
        env.export.client("NOPE", "md")
