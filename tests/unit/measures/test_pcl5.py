"""PCL-5 (Weathers et al. 2013; NCPTSD scoring guide): 20 items 0–4, total 0–80, cut-point 31–33."""

import pytest

from tui.domain.measures import (
    MeasureError,
    MeasureScore,
    band_for,
    entry_text,
    parse_score,
    score_from_items,
    score_from_total,
)
from tui.domain.shorthand import Category, carry_into_note, parse_jotting


@pytest.mark.parametrize("total,band,probable", [
    (0, "below cut-off", False), (30, "below cut-off", False),
    (31, "near cut-off, 31–33", False), (32, "near cut-off, 31–33", False),
    (33, "probable PTSD", True), (34, "probable PTSD", True), (80, "probable PTSD", True),
])
def test_bands_and_the_probable_ptsd_flag_at_the_cut_point(total, band, probable):
    assert band_for("pcl5", total) == band
    score = score_from_total("pcl5", total)
    assert score.probable_ptsd is probable
    assert score.band == band


@pytest.mark.parametrize("bad", [-1, 81, 200])
def test_total_outside_0_to_80_is_refused(bad):
    with pytest.raises(MeasureError, match="PCL-5 total must be 0–80"):
        score_from_total("pcl5", bad)


def test_items_are_0_to_4_and_there_are_twenty():
    with pytest.raises(MeasureError, match="PCL-5 item 7 must be 0–4, got 5"):
        score_from_items("pcl5", [0] * 6 + [5] + [0] * 13)
    with pytest.raises(MeasureError, match="PCL-5 needs 20 item scores, got 19"):
        score_from_items("pcl5", [1] * 19)


# Worked example, scored by hand by the guide's three methods:
#   B (1–5) 1 1 2 0 3 = 7; C (6–7) 2 1 = 3; D (8–14) 0 1 2 3 1 0 2 = 9; E (15–20) 3 2 1 2 0 1 = 9.
#   Total 28: under the 31–33 cut-point. DSM-5 rule (items rated >= 2): B has items 3, 5 (needs 1),
#   C item 6 (needs 1), D items 10, 11, 14 (needs 2), E items 15, 16, 18 (needs 2): met.
WORKED = [1, 1, 2, 0, 3, 2, 1, 0, 1, 2, 3, 1, 0, 2, 3, 2, 1, 2, 0, 1]


def test_worked_example_total_clusters_and_dsm5_rule():
    score = score_from_items("pcl5", WORKED)
    assert score.total == 28
    assert score.pcl5_clusters() == {"B": 7, "C": 3, "D": 9, "E": 9}
    assert sum(score.pcl5_clusters().values()) == score.total
    assert score.pcl5_dsm5_rule() is True
    assert score.probable_ptsd is False  # the two methods can disagree; both are reported
    assert score.describe() == "PCL-5 28 (below cut-off)"


def test_dsm5_rule_fails_when_one_cluster_falls_short():
    # Everything moderate except avoidance (C, items 6–7) at 1: no C symptom endorsed.
    items = [2] * 5 + [1, 1] + [2] * 13
    score = score_from_items("pcl5", items)
    assert score.total == 38 and score.probable_ptsd
    assert score.pcl5_dsm5_rule() is False


def test_all_ones_is_20_and_meets_nothing():
    score = score_from_items("pcl5", [1] * 20)
    assert (score.total, score.band, score.pcl5_dsm5_rule(), score.probable_ptsd) == (20, "below cut-off", False, False)


def test_a_total_alone_has_no_clusters():
    score = score_from_total("pcl5", 40)
    assert score.pcl5_clusters() is None and score.pcl5_dsm5_rule() is None


def test_other_measures_have_no_pcl5_readings():
    phq = score_from_total("phq9", 27)
    assert phq.probable_ptsd is False and phq.pcl5_clusters() is None and phq.pcl5_dsm5_rule() is None


def test_items_and_a_contradicting_total_are_refused():
    with pytest.raises(MeasureError, match="does not match the items, which sum to 28"):
        MeasureScore("pcl5", 30, tuple(WORKED))


def test_parse_in_the_step_and_in_a_jotting():
    assert parse_score("pcl5", "44") == score_from_total("pcl5", 44)
    assert parse_score("PCL-5", " ".join(map(str, WORKED))) == score_from_items("pcl5", WORKED)
    assert parse_score("pcl5", ",".join(map(str, WORKED))).total == 28
    assert parse_score("pcl5", "") is None
    with pytest.raises(MeasureError, match="PCL-5 needs a total or 20 item scores, got 3 numbers"):
        parse_score("pcl5", "1 2 3 client tired", comment_allowed=True)


@pytest.mark.parametrize("marker", ["pcl5", "pcl-5", "PCL5", "PCL-5:"])
def test_shorthand_marker(marker):
    jotting = parse_jotting(f"{marker} {' '.join(map(str, WORKED))} after the anniversary")
    assert jotting.category is Category.MEASURE and jotting.problem == ""
    assert jotting.measure.to_score() == score_from_items("pcl5", WORKED)
    assert carry_into_note(jotting) == "PCL-5 28 (below cut-off)"


def test_shorthand_total_and_bad_score():
    assert parse_jotting("pcl5 40").measure.to_score().describe() == "PCL-5 40 (probable PTSD)"
    bad = parse_jotting("pcl5 81")
    assert bad.category is Category.MEASURE and bad.measure is None
    assert "PCL-5 total must be 0–80, got 81" in bad.problem
    assert parse_jotting("pcl5x 40").category is Category.PLAIN


def test_round_trips():
    score = score_from_items("pcl5", WORKED)
    assert MeasureScore.from_dict(score.to_dict()) == score
    assert parse_score("pcl5", entry_text(score)) == score
    assert parse_score("pcl5", entry_text(score_from_total("pcl5", 33))) == score_from_total("pcl5", 33)
