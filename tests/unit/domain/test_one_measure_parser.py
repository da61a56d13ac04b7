"""The jotting (`phq9 …`) and the measures step read a score with the same parser."""

from hypothesis import given, strategies as st

from tui.domain.measures import MeasureError, parse_score
from tui.domain.shorthand import parse_jotting


@given(st.sampled_from(["phq9", "gad7"]),
       st.lists(st.integers(min_value=-3, max_value=40), min_size=1, max_size=10),
       st.sampled_from([" ", ", ", ","]))
def test_a_jotting_and_the_step_agree(instrument, numbers, sep):
    text = sep.join(map(str, numbers))
    jotting = parse_jotting(f"{instrument} {text}")
    try:
        score = parse_score(instrument, text)
    except MeasureError as exc:
        assert jotting.measure is None and jotting.problem
        if len(numbers) in (1, 7 if instrument == "gad7" else 9):
            assert jotting.problem == str(exc)  # the same refusal, word for word
    else:
        assert jotting.measure is not None and jotting.measure.to_score() == score


def test_only_a_jotting_may_carry_a_comment():
    assert parse_jotting("phq9 11 client rushed it").measure.total == 11
    assert parse_score("phq9", "11 client rushed it", comment_allowed=True).total == 11
    try:
        parse_score("phq9", "11 client rushed it")
    except MeasureError as exc:
        assert "whole numbers" in str(exc)
    else:
        raise AssertionError("the step accepted words after the score")
