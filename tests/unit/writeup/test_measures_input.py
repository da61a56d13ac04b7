"""PHQ-9 / GAD-7 as typed in the measures step: impossible scores are refused with a message."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from tui.domain.measures import MeasureError, MeasureScore, score_from_items, score_from_total
from tui.domain.measures import parse_score


def test_blank_is_no_score():
    assert parse_score("phq9", "   ") is None


def test_total_and_items_are_read():
    assert parse_score("phq9", "11") == MeasureScore("phq9", 11)
    score = parse_score("phq9", "1 2 1 0 3 1 0 2 1")
    assert score.total == 11 and score.items == (1, 2, 1, 0, 3, 1, 0, 2, 1) and score.item9 == 1
    assert parse_score("gad7", "1,1,1,1,1,1,1").total == 7


@pytest.mark.parametrize(("text", "message"), [
    ("1 2 1 0 4 1 0 2 1", "PHQ-9 item 5 must be 0–3, got 4"),
    ("1 2 1 0 3 1 0 2 -1", "PHQ-9 item 9 must be 0–3, got -1"),
    ("28", "PHQ-9 total must be 0–27, got 28"),
    ("-1", "PHQ-9 total must be 0–27, got -1"),
    ("1 2 3", "PHQ-9 needs 9 item scores, got 3"),
    ("eleven", "Type a total or the item scores as whole numbers"),
    ("1.5", "whole numbers"),
])
def test_phq9_out_of_range_is_refused_with_a_message(text, message):
    with pytest.raises(MeasureError, match=message.replace("(", r"\(")):
        parse_score("phq9", text)


def test_gad7_limits():
    with pytest.raises(MeasureError, match="GAD-7 total must be 0–21, got 22"):
        parse_score("gad7", "22")
    with pytest.raises(MeasureError, match="GAD-7 item 1 must be 0–3, got 5"):
        parse_score("gad7", "5 0 0 0 0 0 0")


def test_domain_refuses_impossible_scores_too():
    with pytest.raises(MeasureError):
        score_from_total("phq9", 28)
    with pytest.raises(MeasureError):
        score_from_items("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 4])
    with pytest.raises(MeasureError, match="does not match the items"):
        MeasureScore("phq9", 12, (1, 1, 1, 1, 1, 1, 1, 1, 1))


@given(st.lists(st.integers(min_value=0, max_value=3), min_size=9, max_size=9))
def test_any_valid_phq9_items_are_accepted(items):
    score = parse_score("phq9", " ".join(map(str, items)))
    assert score.total == sum(items) <= 27 and score.items == tuple(items)


@given(st.lists(st.integers(min_value=-5, max_value=9), min_size=9, max_size=9).filter(
    lambda xs: any(x < 0 or x > 3 for x in xs)))
def test_any_item_outside_0_3_is_refused(items):
    with pytest.raises(MeasureError, match="must be 0–3"):
        parse_score("phq9", " ".join(map(str, items)))


@given(st.integers(min_value=28, max_value=10**6))
def test_any_total_over_27_is_refused(total):
    with pytest.raises(MeasureError, match="0–27"):
        parse_score("phq9", str(total))
