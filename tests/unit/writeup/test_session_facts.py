"""Impossible session facts are signing errors; the end time is derived and checked."""

from datetime import date, datetime, timezone

import pytest

from tui.domain.lint import lint_note
from tui.domain.models import NoteDraft, RiskStatement, SessionFacts
from tui.domain.session_facts import display_time, end_time_for, problems, signed_before_end
from tui.domain.templates import SOAP

TODAY = date(2026, 3, 10)


def facts(**kw) -> SessionFacts:
    base = dict(date="2026-03-10", start_time="10:00", duration_min=50)
    base.update(kw)
    return SessionFacts(**base)


@pytest.mark.parametrize("changes,word", [
    ({"date": "2026-13-45"}, "Date"), ({"date": "5"}, "Date"), ({"date": ""}, "Date"),
    ({"date": "2026-02-30"}, "Date"), ({"date": "2026-03-11"}, "future"),
    ({"start_time": "25:99"}, "Start"), ({"start_time": "10"}, "Start"), ({"start_time": ""}, "Start"),
    ({"duration_min": 0}, "Duration"), ({"duration_min": 500}, "Duration"),
    ({"end_time": "10:30"}, "does not match"), ({"end_time": "24:10"}, "End"),
])
def test_impossible_facts_are_named(changes, word):
    found = problems(facts(**changes), today=TODAY)
    assert len(found) == 1 and word in found[0]


def test_sound_facts_have_no_problems_and_the_end_may_cross_midnight():
    assert problems(facts(end_time="10:50"), today=TODAY) == []
    assert problems(facts(start_time="23:30", duration_min=50, end_time="00:20"), today=TODAY) == []
    assert end_time_for("23:30", 50) == "00:20"


def test_lint_blocks_signing_with_impossible_facts_and_before_the_end():
    draft = NoteDraft(facts=facts(date="2026-13-45", start_time="25:99"), template_key="soap",
                      risk=RiskStatement(si="denied", hi="denied", self_harm="denied", level="low"))
    rules = [f.rule for f in lint_note(draft, SOAP, private_jottings=[], other_members=[], today=TODAY)]
    assert rules.count("facts.invalid") == 2
    draft.facts = facts()
    during = [f.rule for f in lint_note(draft, SOAP, private_jottings=[], other_members=[], today=TODAY,
                                        now=datetime(2026, 3, 10, 10, 47))]
    assert "facts.signed-before-end" in during
    after = [f.rule for f in lint_note(draft, SOAP, private_jottings=[], other_members=[], today=TODAY,
                                       now=datetime(2026, 3, 10, 10, 51))]
    assert "facts.signed-before-end" not in after and "facts.invalid" not in after


def test_signed_before_end_converts_an_aware_time_to_local():
    end_local = datetime(2026, 3, 10, 10, 50)
    aware = end_local.astimezone()  # the same instant, with the local offset
    assert not signed_before_end(facts(), aware)
    assert signed_before_end(facts(), aware.replace(minute=47))
    assert not signed_before_end(facts(), aware.replace(minute=48))  # facts are to the minute


def test_display_time_is_local_wall_clock():
    utc = datetime(2026, 3, 10, 9, 5, tzinfo=timezone.utc)
    assert display_time(utc.isoformat()) == utc.astimezone().strftime("%Y-%m-%d %H:%M")
    assert display_time("not a time") == "not a time"


def test_chart_days_are_local_days():
    from tui.services.reading import day

    utc = datetime(2026, 3, 10, 23, 30, tzinfo=timezone.utc)
    assert day(utc.isoformat()) == utc.astimezone().strftime("%Y-%m-%d")
    assert day("") == "" and day(None) == ""


def test_display_time_can_show_the_zone_and_keep_the_stamps_own_offset():
    stamp = "2026-03-04T10:05:00+01:00"
    assert display_time(stamp, zone=True, local=False) == "2026-03-04 10:05 (UTC+01:00)"
    assert display_time("2026-03-04T10:05:00-03:30", zone=True, local=False) == "2026-03-04 10:05 (UTC-03:30)"
    local = datetime.fromisoformat(stamp).astimezone()
    assert display_time(stamp, zone=True).startswith(local.strftime("%Y-%m-%d %H:%M (UTC"))
    assert display_time("2026-03-04T10:05", zone=True) == "2026-03-04 10:05"  # a naive stamp claims no zone
