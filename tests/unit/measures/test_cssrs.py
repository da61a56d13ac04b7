"""C-SSRS screener (Columbia Protocol, screen version with triage): six yes/no questions."""

import pytest

from tui.domain.measures import (
    MeasureError,
    MeasureScore,
    band_for,
    change_since,
    cssrs_risk_level,
    entry_text,
    parse_score,
    score_from_items,
    score_from_total,
)
from tui.domain.shorthand import Category, carry_into_note, parse_jotting

# Items: Q1–Q5 0/1; Q6 0 no, 1 yes over 3 months ago, 2 yes within the past 3 months.
# Triage (Columbia "Screener, Recent, with triage"): 1 or 2 low; 3, or 6 over 3 months ago,
# moderate; 4 or 5, or 6 within 3 months, high.
@pytest.mark.parametrize("items,level,band", [
    ((0, 0, 0, 0, 0, 0), 0, "negative"),
    ((1, 0, 0, 0, 0, 0), 1, "low risk"),
    ((0, 1, 0, 0, 0, 0), 1, "low risk"),
    ((1, 1, 0, 0, 0, 0), 1, "low risk"),
    ((1, 1, 1, 0, 0, 0), 2, "moderate risk"),
    ((0, 0, 0, 0, 0, 1), 2, "moderate risk"),   # behaviour, lifetime only
    ((1, 0, 0, 0, 0, 1), 2, "moderate risk"),
    ((1, 1, 1, 1, 0, 0), 3, "high risk"),       # intent
    ((1, 1, 1, 0, 1, 0), 3, "high risk"),       # plan and intent
    ((0, 1, 0, 1, 0, 0), 3, "high risk"),
    ((0, 0, 0, 0, 0, 2), 3, "high risk"),       # behaviour within the past 3 months
    ((1, 1, 1, 1, 1, 2), 3, "high risk"),
])
def test_triage_levels(items, level, band):
    assert cssrs_risk_level(items) == level
    score = score_from_items("cssrs", items)
    assert (score.total, score.band) == (level, band)
    assert score.cssrs_positive is (level > 0)
    assert score.cssrs_risk == ("", "low", "moderate", "high")[level]
    assert band_for("cssrs", level) == band


@pytest.mark.parametrize("typed,items", [
    ("y n n n n n", (1, 0, 0, 0, 0, 0)),
    ("Y N - - - N", (1, 0, 0, 0, 0, 0)),          # 3–5 not asked after Q2 no
    ("yes no no no no no", (1, 0, 0, 0, 0, 0)),
    ("1,1,0,0,0,0", (1, 1, 0, 0, 0, 0)),
    ("ynnnnn", (1, 0, 0, 0, 0, 0)),
    ("yyynnyn", (1, 1, 1, 0, 0, 1)),
    ("n n - - - y n", (0, 0, 0, 0, 0, 1)),       # Q6 yes, not within 3 months
    ("n n - - - y y", (0, 0, 0, 0, 0, 2)),       # Q6 yes, within 3 months
    ("y y y y n y y", (1, 1, 1, 1, 0, 2)),
    ("n n n n n n", (0, 0, 0, 0, 0, 0)),
])
def test_typed_answers(typed, items):
    score = parse_score("cssrs", typed)
    assert score == score_from_items("cssrs", items)
    assert parse_score("cssrs", entry_text(score)) == score  # the step can show it back


@pytest.mark.parametrize("typed,message", [
    ("2", "not as a total"),
    ("y n", "six questions; got 2"),
    ("y n n n n n n", "seventh"),
    ("y n n n n y", "within the past 3 months"),
    ("y n n n n y -", "within the past 3 months"),
    ("- n n n n n", "question 1 is always asked"),
    ("n - - - - n", "question 2 is always asked"),
    ("y n - - - -", "question 6 is always asked"),
    ("y y - - - n", "question 2 is yes, so questions 3, 4 and 5 are asked"),
    ("y n maybe n n n", "answers are y or n"),
    ("[red]y[/] n n n n n", "answers are y or n"),
])
def test_refusals_in_the_step(typed, message):
    with pytest.raises(MeasureError, match=message):
        parse_score("cssrs", typed)


def test_blank_in_the_step_is_no_score():
    assert parse_score("cssrs", "  ") is None


def test_a_yes_to_3_to_5_after_q2_no_still_counts():
    # The protocol skips 3–5 after Q2 no; typed anyway, the answer is not thrown away.
    assert parse_score("cssrs", "n n n y n n").band == "high risk"


@pytest.mark.parametrize("line,items,comment_kept", [
    ("cssrs y n n n n n", (1, 0, 0, 0, 0, 0), ""),
    ("c-ssrs y y y n n n no plan described", (1, 1, 1, 0, 0, 0), "no plan"),  # "no" after six is comment
    ("CSSRS: n n - - - y y attempt in March", (0, 0, 0, 0, 0, 2), "attempt"),
    ("cssrs ynnnnn fine", (1, 0, 0, 0, 0, 0), "fine"),
])
def test_shorthand_jotting(line, items, comment_kept):
    jotting = parse_jotting(line)
    assert jotting.category is Category.MEASURE and jotting.problem == ""
    assert jotting.measure.to_score() == score_from_items("cssrs", items)
    assert comment_kept in jotting.body


@pytest.mark.parametrize("line,problem", [
    ("cssrs", "needs an answer"),
    ("cssrs 3", "not as a total"),
    ("cssrs y y", "got 2"),
    ("cssrs y n n n n y", "within the past 3 months"),
    ("cssrs denies all", "needs an answer"),
])
def test_shorthand_problems_keep_the_line(line, problem):
    jotting = parse_jotting(line)
    assert jotting.category is Category.MEASURE and jotting.measure is None
    assert problem in jotting.problem
    assert carry_into_note(jotting) == line  # an unreadable score keeps the whole line


@pytest.mark.parametrize("items,text", [
    ((0, 0, 0, 0, 0, 0), "C-SSRS screen negative (no to every question asked)"),
    ((1, 1, 0, 0, 0, 0), "C-SSRS screen low risk (yes to Q1, Q2; Q6 no)"),
    ((1, 1, 1, 0, 0, 1), "C-SSRS screen moderate risk (yes to Q1, Q2, Q3; Q6 yes, over 3 months ago)"),
    ((0, 0, 0, 0, 0, 2), "C-SSRS screen high risk (Q6 yes, within the past 3 months)"),
])
def test_describe_says_the_level_and_the_answers(items, text):
    score = score_from_items("cssrs", items)
    assert score.describe() == text
    assert carry_into_note(parse_jotting("cssrs " + entry_text(score))) == text


def test_a_stored_level_without_answers():
    score = score_from_total("cssrs", 2)
    assert score.describe() == "C-SSRS screen moderate risk"
    assert score.cssrs_positive and score.risk_flag
    assert entry_text(score) == ""
    assert MeasureScore.from_dict(score.to_dict()) == score


def test_impossible_stored_rows_are_refused():
    with pytest.raises(MeasureError, match="C-SSRS total must be 0–3"):
        score_from_total("cssrs", 4)
    with pytest.raises(MeasureError, match="item 1 must be 0–1"):
        score_from_items("cssrs", (2, 0, 0, 0, 0, 0))
    with pytest.raises(MeasureError, match="item 6 must be 0–2"):
        score_from_items("cssrs", (0, 0, 0, 0, 0, 3))
    with pytest.raises(MeasureError, match="does not match the answers, which give high risk"):
        MeasureScore("cssrs", 1, (0, 0, 0, 1, 0, 0))


def test_change_is_said_in_risk_words():
    low, high = score_from_total("cssrs", 1), score_from_total("cssrs", 3)
    assert change_since(None, low) == "first administration"
    assert change_since(low, high) == "higher than last (low risk)"
    assert change_since(high, low) == "lower than last (high risk)"
    assert change_since(low, low) == "no change"


def test_risk_flag_text():
    score = score_from_items("cssrs", (1, 1, 1, 1, 0, 0))
    assert score.risk_flag_text() == "C-SSRS screen positive, high risk (yes to Q1, Q2, Q3, Q4; Q6 no)"
    assert score_from_items("cssrs", (0,) * 6).risk_flag is False
    assert score_from_items("cssrs", (0,) * 6).risk_flag_text() == ""
    phq = score_from_items("phq9", [0] * 8 + [2])
    assert phq.risk_flag and phq.risk_flag_text() == "PHQ-9 item 9 scored 2"


def test_configured_measure_markers_may_name_the_new_measures():
    from tui.domain.shorthand import ShorthandRules

    rules = ShorthandRules.from_config({"measure": ["phq9", "pcl5", "c-ssrs"]}, None)
    assert parse_jotting("c-ssrs y n n n n n", rules).measure is not None
    assert parse_jotting("cssrs y n n n n n", rules).category is Category.PLAIN  # dropped by config
    with pytest.raises(ValueError, match="PHQ-9, GAD-7, PCL-5, C-SSRS"):
        ShorthandRules.from_config({"measure": ["bdi"]}, None)


@pytest.mark.parametrize("typed,items", [
    ("y n n", (1, 0, 0, 0, 0, 0)),        # Q2 no skips 3-5: the answers are Q1, Q2, Q6
    ("n n n", (0, 0, 0, 0, 0, 0)),
    ("y n y n", (1, 0, 0, 0, 0, 1)),      # Q6 yes, over 3 months ago
    ("n n y y", (0, 0, 0, 0, 0, 2)),      # Q6 yes, within the past 3 months: high
    ("ynn", None),                        # compact needs all six: not the short form
])
def test_the_screener_as_asked_after_q2_no(typed, items):
    if items is None:
        with pytest.raises(MeasureError):
            parse_score("cssrs", typed)
        return
    score = parse_score("cssrs", typed)
    assert score == score_from_items("cssrs", items)
    assert parse_score("cssrs", entry_text(score)) == score


@pytest.mark.parametrize("typed", ["y y n", "y n y", "y n n n", "- n n"])
def test_a_short_form_only_when_q2_is_no_and_q6_is_whole(typed):
    with pytest.raises(MeasureError):
        parse_score("cssrs", typed)


def test_the_short_form_in_a_jotting_keeps_its_comment():
    jotting = parse_jotting("cssrs y n n wish to sleep forever, no plan")
    assert jotting.measure.to_score() == score_from_items("cssrs", (1, 0, 0, 0, 0, 0))
    assert "wish to sleep" in jotting.body
