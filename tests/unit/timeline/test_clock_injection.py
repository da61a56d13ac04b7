"""Use-cases read the one clock: set it, and late entries and overdue notes follow without
passing a time through each call."""

from __future__ import annotations

from datetime import datetime

import pytest

from tui.domain import clock
from tui.services.writeup import WriteupService, finding_id


@pytest.fixture
def set_now():
    previous = clock.set_clock(clock.system_now)

    def to(iso: str) -> None:
        clock.set_clock(lambda: datetime.fromisoformat(iso))

    yield to
    clock.set_clock(previous)


def _sign_now(env, session_id: int):
    service = WriteupService(env.ws)
    w = service.open(session_id)
    for spec in w.template.sections:
        w.draft.sections[spec.key] = "Noted."
    from dataclasses import replace

    w.draft.risk = replace(w.draft.risk, si="denied", hi="denied", self_harm="denied", level="low",
                           protective_factors="family")
    return service.sign(w, {finding_id(f) for f in service.lint(w) if f.level == "warning"})


def test_a_note_signed_by_the_clock_two_days_later_is_a_late_entry(env, set_now):
    client = env.client("CL-01")
    on_time = env.session(client, "2024-05-01T10:00:00+00:00")
    late = env.session(client, "2024-05-02T10:00:00+00:00")
    set_now("2024-05-02T10:00:00+00:00")  # 23 h 10 min after the session ended
    signed = _sign_now(env, on_time)
    assert not signed.late_entry and "LATE ENTRY" not in signed.text
    assert env.record.note(signed.note_id)["signed_at"] == "2024-05-02T10:00:00+00:00"
    set_now("2024-05-04T11:00:00+00:00")
    signed = _sign_now(env, late)
    assert signed.late_entry and "LATE ENTRY" in signed.text


def test_overdue_counts_follow_the_clock(env, set_now):
    client = env.client("CL-02")
    env.session(client, "2024-05-01T10:00:00+00:00")
    set_now("2024-05-01T12:00:00+00:00")
    (row,) = env.caseload.client_rows()
    assert (row.notes_due, row.overdue) == (1, 0)
    assert [r["overdue"] for r in env.notes_due.rows()] == [0]
    set_now("2024-05-03T12:00:00+00:00")
    (row,) = env.caseload.client_rows()
    assert (row.notes_due, row.overdue) == (1, 1)
    assert [r["overdue"] for r in env.notes_due.rows()] == [1]
