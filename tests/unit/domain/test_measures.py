import pytest

from tui.domain.measures import (
    MeasureError,
    MeasureScore,
    band_for,
    change_since,
    display_name,
    normalise_instrument,
    score_from_items,
    score_from_total,
)

PHQ9_BANDS = [
    (0, "minimal"), (4, "minimal"),
    (5, "mild"), (9, "mild"),
    (10, "moderate"), (14, "moderate"),
    (15, "moderately severe"), (19, "moderately severe"),
    (20, "severe"), (27, "severe"),
]
GAD7_BANDS = [
    (0, "minimal"), (4, "minimal"),
    (5, "mild"), (9, "mild"),
    (10, "moderate"), (14, "moderate"),
    (15, "severe"), (21, "severe"),
]


@pytest.mark.parametrize("total,band", PHQ9_BANDS)
def test_phq9_band_at_every_boundary(total, band):
    assert score_from_total("phq9", total).band == band
    assert band_for("phq9", total) == band


@pytest.mark.parametrize("total,band", GAD7_BANDS)
def test_gad7_band_at_every_boundary(total, band):
    assert score_from_total("gad7", total).band == band


@pytest.mark.parametrize(
    "instrument,total,message",
    [
        ("phq9", 28, "PHQ-9 total must be 0–27, got 28"),
        ("phq9", 30, "PHQ-9 total must be 0–27, got 30"),
        ("phq9", -1, "PHQ-9 total must be 0–27, got -1"),
        ("gad7", 22, "GAD-7 total must be 0–21, got 22"),
        ("gad7", -1, "GAD-7 total must be 0–21, got -1"),
    ],
)
def test_total_out_of_range_is_refused_with_readable_message(instrument, total, message):
    with pytest.raises(MeasureError) as err:
        score_from_total(instrument, total)
    assert str(err.value) == message


def test_item_out_of_range_names_the_item():
    with pytest.raises(MeasureError) as err:
        score_from_items("phq9", [0, 0, 0, 5, 0, 0, 0, 0, 0])
    assert str(err.value) == "PHQ-9 item 4 must be 0–3, got 5"
    with pytest.raises(MeasureError, match="GAD-7 item 1 must be 0–3, got -1"):
        score_from_items("gad7", [-1, 0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("instrument,count", [("phq9", 8), ("phq9", 10), ("gad7", 6), ("gad7", 9)])
def test_wrong_number_of_items_is_refused(instrument, count):
    with pytest.raises(MeasureError, match="item scores, got"):
        score_from_items(instrument, [1] * count)


@pytest.mark.parametrize("bad", [True, 1.5, "3", None])
def test_non_whole_numbers_are_refused(bad):
    with pytest.raises(MeasureError, match="whole number"):
        score_from_total("phq9", bad)
    with pytest.raises(MeasureError, match="whole number"):
        score_from_items("gad7", [bad, 0, 0, 0, 0, 0, 0])


def test_items_are_summed():
    score = score_from_items("phq9", [1, 2, 1, 0, 3, 1, 0, 2, 1])
    assert score.total == 11
    assert score.items == (1, 2, 1, 0, 3, 1, 0, 2, 1)
    assert score.band == "moderate"
    assert score_from_items("gad7", [3] * 7).total == 21


def test_total_that_contradicts_items_is_refused():
    with pytest.raises(MeasureError, match="does not match"):
        MeasureScore("phq9", 12, (1, 2, 1, 0, 3, 1, 0, 2, 1))


def test_item9_flag():
    assert score_from_items("phq9", [0] * 8 + [1]).item9_flag is True
    assert score_from_items("phq9", [0] * 8 + [1]).item9 == 1
    assert score_from_items("phq9", [3] * 8 + [0]).item9_flag is False
    # A total alone cannot tell us about item 9.
    assert score_from_total("phq9", 27).item9_flag is False
    assert score_from_total("phq9", 27).item9 is None
    assert score_from_items("gad7", [3] * 7).item9_flag is False


def test_change_since():
    eleven = score_from_total("phq9", 11)
    assert change_since(None, eleven) == "first administration"
    assert change_since(score_from_total("phq9", 8), eleven) == "+3 since last"
    assert change_since(score_from_total("phq9", 13), eleven) == "\u22122 since last"
    assert change_since(score_from_total("phq9", 11), eleven) == "no change"


def test_change_between_different_instruments_is_refused():
    with pytest.raises(MeasureError, match="Cannot compare PHQ-9 with GAD-7"):
        change_since(score_from_total("phq9", 5), score_from_total("gad7", 5))


def test_instrument_names():
    assert normalise_instrument("PHQ-9") == "phq9"
    assert normalise_instrument("gad 7") == "gad7"
    assert display_name("phq9") == "PHQ-9"
    assert display_name("gad7") == "GAD-7"
    assert score_from_total("PHQ-9", 3).instrument == "phq9"
    with pytest.raises(MeasureError, match="Unknown measure"):
        normalise_instrument("bdi2")
    with pytest.raises(MeasureError, match="Unknown measure"):
        score_from_total("bdi2", 3)


def test_describe_and_round_trip():
    score = score_from_items("phq9", [1, 2, 1, 0, 3, 1, 0, 2, 1])
    assert score.describe() == "PHQ-9 11 (moderate)"
    assert MeasureScore.from_dict(score.to_dict()) == score
    total_only = score_from_total("gad7", 16)
    assert MeasureScore.from_dict(total_only.to_dict()) == total_only
