"""The timeline's queries over a real record: client list, chart, before-session, notes due,
treatment plan. Times are fixed ISO strings; "now" is passed in where the query takes it."""

from __future__ import annotations

from datetime import datetime

from tui.domain.canonical import content_hash
from tui.services.chart import CHART_FIRST_PAGE, age_on
from tui.services.writeup import NoteRecords

NOW = datetime.fromisoformat("2025-03-10T12:00:00+00:00")


def test_client_rows_columns(env):
    a = env.client("AA-01", "Avery", goals=["Sleep better"])
    b = env.client("BB-02", "Blake")
    # AA-01: an old signed session (moderate risk, scores), then two unsigned sessions:
    # one ended 30 h before NOW (overdue), one 2 h before (due, not overdue).
    s1 = env.session(a, "2025-03-01T10:00:00+00:00", jottings=["phq9 16", "gad7 4", "! denies SI/HI/SH"])
    env.sign(s1, "2025-03-01T12:00:00+00:00", risk_level="moderate")
    s2 = env.session(a, "2025-03-05T10:00:00+00:00", jottings=["phq9 3", "gad7 12"])
    env.sign(s2, "2025-03-05T12:00:00+00:00", risk_level="high")
    env.session(a, "2025-03-09T05:00:00+00:00", ended="2025-03-09T06:00:00+00:00")  # 30 h before NOW
    env.session(a, "2025-03-10T09:00:00+00:00", ended="2025-03-10T10:00:00+00:00")  # 2 h before NOW
    open_session = env.session(b, "2025-03-10T11:30:00+00:00", ended=None)
    assert open_session

    rows = {r.code: r for r in env.caseload.client_rows(now=NOW)}
    aa, bb = rows["AA-01"], rows["BB-02"]
    assert (aa.display_name, aa.last_session) == ("Avery", "2025-03-10")
    assert (aa.notes_due, aa.overdue) == (2, 1)
    assert aa.risk_level == "high"  # the latest assessment, not the worst or the first
    assert (aa.phq9, aa.phq9_band) == (3, "minimal")
    assert (aa.gad7, aa.gad7_band) == (12, "moderate")
    assert (bb.notes_due, bb.overdue, bb.open_sessions) == (0, 0, 1)  # an open session is not due yet
    assert (bb.risk_level, bb.phq9, bb.gad7, bb.phq9_band) == ("", None, None, "")


def test_overdue_boundary_is_24_hours(env):
    a = env.client("AA-01")
    env.session(a, "2025-03-09T10:00:00+00:00", ended="2025-03-09T11:59:00+00:00")  # 24 h 1 min before
    env.session(a, "2025-03-09T10:00:00+00:00", ended="2025-03-09T12:01:00+00:00")  # 23 h 59 min before
    (row,) = env.caseload.client_rows(now=NOW)
    assert (row.notes_due, row.overdue) == (2, 1)


def test_draft_counts_as_due_and_signed_does_not(env):
    a = env.client("AA-01")
    s1 = env.session(a, "2025-03-01T10:00:00+00:00")
    s2 = env.session(a, "2025-03-02T10:00:00+00:00")
    s3 = env.session(a, "2025-03-03T10:00:00+00:00")
    env.draft(s1)
    env.sign(s2, "2025-03-02T12:00:00+00:00")
    (row,) = env.caseload.client_rows(now=NOW)
    assert (row.notes_due, row.overdue) == (2, 2)
    due = env.notes_due.rows(now=NOW)
    assert [(d["session_id"], d["note_status"]) for d in due] == [(s1, "draft"), (s3, None)]


def test_chart_rows_newest_first_with_every_status(env):
    a = env.client("AA-01", "Avery", "1990-06-15", goals=["Sleep 7 hours"])
    none = env.session(a, "2025-01-01T10:00:00+00:00")
    draft = env.session(a, "2025-01-08T10:00:00+00:00")
    signed = env.session(a, "2025-01-15T10:00:00+00:00", jottings=["phq9 11", "gad7 6"])
    late = env.session(a, "2025-01-22T10:00:00+00:00")
    addended = env.session(a, "2025-01-29T10:00:00+00:00")
    env.draft(draft)
    env.sign(signed, "2025-01-15T12:00:00+00:00", risk_level="moderate",
             assessment="First line of the assessment.\nSecond line.")
    env.sign(late, "2025-01-24T12:00:00+00:00")  # > 24 h after the session ended
    note = env.sign(addended, "2025-01-29T12:00:00+00:00")
    NoteRecords(env.ws).add_addendum(note, "Correction: the client is 35, not 36.")

    chart = env.chart.chart(a)
    got = [(r.session_id, r.number, r.date, r.status) for r in chart.sessions]
    assert got == [
        (addended, 5, "2025-01-29", "addended"),
        (late, 4, "2025-01-22", "late entry"),
        (signed, 3, "2025-01-15", "signed"),
        (draft, 2, "2025-01-08", "draft"),
        (none, 1, "2025-01-01", "no note"),
    ]
    row = chart.sessions[2]
    assert (row.template, row.risk, row.phq9, row.gad7) == ("SOAP", "moderate", 11, 6)
    assert row.summary == "First line of the assessment."
    assert chart.sessions[4].note_id is None and chart.sessions[3].note_id is not None
    assert chart.session_count == 5 and chart.complete
    assert chart.age == age_on("1990-06-15")
    assert [g["description"] for g in chart.goals] == ["Sleep 7 hours"]
    assert chart.phq9 == [("2025-01-15", 11)] and chart.gad7 == [("2025-01-15", 6)]
    assert ("2025-01-15", "moderate") in chart.risk


def test_chart_first_page_numbers_from_the_whole_history(env):
    a = env.client("AA-01")
    with env.record.transaction() as conn:
        conn.executemany("INSERT INTO sessions (client_id, started_at, ended_at) VALUES (?, ?, ?)",
                         [(a, f"2020-01-01T00:00:{i // 60:02d}.{i % 60:02d}", None) for i in range(CHART_FIRST_PAGE + 50)])
    first = env.chart.chart(a, limit=CHART_FIRST_PAGE)
    full = env.chart.chart(a)
    assert len(first.sessions) == CHART_FIRST_PAGE and not first.complete
    assert first.session_count == full.session_count == CHART_FIRST_PAGE + 50 and full.complete
    assert first.sessions == full.sessions[:CHART_FIRST_PAGE]
    assert full.sessions[0].number == CHART_FIRST_PAGE + 50 and full.sessions[-1].number == 1


def test_age_on():
    from datetime import date

    assert age_on("1990-06-15", date(2025, 6, 14)) == 34
    assert age_on("1990-06-15", date(2025, 6, 15)) == 35
    assert age_on(None) is None


def test_before_session_panel(env):
    a = env.client("AA-01", "Avery", goals=["Sleep 7 hours", "Drive alone"])
    s1 = env.session(a, "2025-02-01T10:00:00+00:00", jottings=["phq9 14", "gad7 9", "hw sleep diary, 3 nights"])
    env.sign(s1, "2025-02-01T12:00:00+00:00", risk_level="moderate",
             plan={"next_focus": "Review the sleep diary", "coordination": "Call the GP"})
    # The latest session (not yet written up): its ? questions carry over; its ~ line does not.
    env.session(a, "2025-02-08T10:00:00+00:00",
                jottings=["? ask about sister's visit", "~ private aside", '" a quote', "? check the diary"])
    panel = env.chart.before_session(a)
    assert panel.last_session == "2025-02-08"
    assert panel.plan["next_focus"] == "Review the sleep diary"
    assert panel.plan["coordination"] == "Call the GP"
    assert "sleep diary" in panel.plan["homework"]
    assert panel.questions == ["? ask about sister's visit", "? check the diary"]
    assert panel.phq9 == (14, "moderate") and panel.gad7 == (9, "mild")
    assert (panel.risk_level, panel.risk_date) == ("moderate", "2025-02-01")
    assert [g["ordinal"] for g in panel.goals] == [1, 2]


def test_notes_due_across_clients_oldest_first_with_overdue_flag(env):
    a, b = env.client("AA-01"), env.client("BB-02")
    old = env.session(b, "2025-03-01T10:00:00+00:00")
    fresh = env.session(a, "2025-03-10T09:00:00+00:00", ended="2025-03-10T10:00:00+00:00")
    signed = env.session(a, "2025-03-02T10:00:00+00:00")
    env.sign(signed, "2025-03-02T12:00:00+00:00")
    env.session(a, "2025-03-10T11:00:00+00:00", ended=None)  # still running: not due
    due = env.notes_due.rows(now=NOW)
    assert [(d["session_id"], d["code"], bool(d["overdue"])) for d in due] == [(old, "BB-02", True), (fresh, "AA-01", False)]


def test_treatment_plan_goal_history_from_signed_notes_only(env):
    a = env.client("AA-01", goals=["Sleep 7 hours", "Drive alone"])
    record = env.record
    goal1, goal2 = (g["id"] for g in record.goals(a))
    problem = record.add_problem(a, "Insomnia")
    record.add_objective(goal1, "Sleep diary 5 nights a week")
    record.add_plan_intervention(goal1, "CBT-I")
    s1 = env.session(a, "2025-01-01T10:00:00+00:00", jottings=["g1 + slept 6 hours", "g2 = no change"])
    s2 = env.session(a, "2025-01-08T10:00:00+00:00", jottings=["g1 - bad week"])
    s3 = env.session(a, "2025-01-15T10:00:00+00:00", jottings=["g1 + unsigned progress"])
    env.sign(s2, "2025-01-08T12:00:00+00:00")  # signed out of order: history still goes by session date
    env.sign(s1, "2025-01-01T12:00:00+00:00")
    env.draft(s3)
    plan = env.chart.treatment_plan(a)
    assert [p["id"] for p in plan["problems"]] == [problem]
    g1, g2 = plan["goals"]
    assert [o["description"] for o in g1["objectives"]] == ["Sleep diary 5 nights a week"]
    assert [i["description"] for i in g1["interventions"]] == ["CBT-I"]
    assert [(d, s) for d, s, _ in g1["history"]] == [("2025-01-01", "improved"), ("2025-01-08", "deteriorated")]
    assert g1["history"][0][2] == "slept 6 hours"
    assert [(d, s) for d, s, _ in g2["history"]] == [("2025-01-01", "stable")]
    recent = env.chart.treatment_plan(a, recent_notes=1)
    assert [(d, s) for d, s, _ in recent["goals"][0]["history"]] == [("2025-01-08", "deteriorated")]


def test_open_note_checks_seal_and_addendum_chain(env):
    a = env.client("AA-01")
    note = env.sign(env.session(a, "2025-01-01T10:00:00+00:00"), "2025-01-01T12:00:00+00:00")
    NoteRecords(env.ws).add_addendum(note, "First correction.")
    NoteRecords(env.ws).add_addendum(note, "Second correction.")
    view = env.chart.open_note(note)
    assert view.seal_ok and view.chain_ok and view.client_code == "AA-01"
    assert [x["body"] for x in view.addenda] == ["First correction.", "Second correction."]
    assert content_hash(view.text) == view.note["content_hash"]


def test_empty_client_every_query_makes_sense(env):
    a = env.client("EMPTY-1")
    chart = env.chart.chart(a)
    assert (chart.sessions, chart.phq9, chart.gad7, chart.risk, chart.goals, chart.age) == ([], [], [], [], [], None)
    assert chart.session_count == 0 and chart.complete
    panel = env.chart.before_session(a)
    assert (panel.last_session, panel.plan, panel.questions, panel.phq9, panel.gad7, panel.risk_level) == (
        "", {}, [], None, None, "")
    assert env.chart.treatment_plan(a) == {"problems": [], "goals": []}
    (row,) = env.caseload.client_rows(now=NOW)
    assert (row.last_session, row.notes_due, row.risk_level, row.phq9_band) == ("", 0, "", "")
    assert env.notes_due.rows(now=NOW) == []
    assert env.search.search("anything", a).total == 0
