"""The one clock: aware local time to the second, settable for tests; the late-entry rule."""

from datetime import datetime, timedelta, timezone

import pytest

from tui.domain import clock
from tui.domain.models import SessionFacts, is_late_entry

AT = datetime(2024, 5, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))


@pytest.fixture
def frozen():
    previous = clock.set_clock(lambda: AT)
    yield
    clock.set_clock(previous)


def test_now_is_aware_and_to_the_second(frozen):
    assert clock.now() == AT.replace(microsecond=0)
    assert clock.now_iso() == "2024-05-01T09:30:15+02:00"
    assert clock.today().isoformat() == "2024-05-01"


def test_the_system_clock_is_aware():
    assert clock.now().tzinfo is not None and clock.now().microsecond == 0


def test_the_late_rule_is_strictly_more_than_24_hours():
    ended = datetime(2024, 5, 1, 10, 50)
    assert not clock.is_late(ended, ended + timedelta(hours=24))
    assert clock.is_late(ended, ended + timedelta(hours=24, seconds=1))


def test_the_recorded_end_wins_when_earlier():
    facts = SessionFacts(date="2024-05-03", start_time="10:00", duration_min=50)  # typed two days later
    signed = datetime(2024, 5, 3, 12, 0)
    assert not is_late_entry(facts, signed)
    assert is_late_entry(facts, signed, recorded_end=datetime(2024, 5, 1, 10, 50))
    assert not is_late_entry(facts, signed, recorded_end=datetime(2024, 5, 3, 10, 50))
