"""Custom scales from a plain mapping (the shape config.toml will give): validation and scoring."""

import pytest

from tui.domain.measures import CustomScale, CustomScore, MeasureError

# A 5-item 0–4 scale with items 2 and 5 reverse-keyed (answer a counts 4 − a).
SLEEP = {
    "name": "Sleep quality",
    "items": 5,
    "item_range": [0, 4],
    "bands": [[0, "good"], [8, "fair"], [14, "poor"]],
    "reverse": [5, 2],
}


def scale(**changes):
    data = {**SLEEP, **changes}
    return CustomScale.from_mapping("sleep", {k: v for k, v in data.items() if v is not None})


def test_a_valid_mapping():
    s = scale()
    assert (s.key, s.name, s.item_count, s.item_min, s.item_max) == ("sleep", "Sleep quality", 5, 0, 4)
    assert s.bands == ((0, "good"), (8, "fair"), (14, "poor"))
    assert s.reverse_items == (2, 5)  # sorted
    assert (s.total_min, s.total_max) == (0, 20)


# Worked example: answers 3 1 2 0 4 -> item 2 reverse 4−1 = 3, item 5 reverse 4−4 = 0
# -> scored 3 3 2 0 0 = 8, "fair".
def test_reverse_scored_worked_example():
    s = scale()
    assert s.scored((3, 1, 2, 0, 4)) == (3, 3, 2, 0, 0)
    score = s.score([3, 1, 2, 0, 4])
    assert (score.total, score.band, score.answers) == (8, "fair", (3, 1, 2, 0, 4))
    assert score.describe() == "Sleep quality 8 (fair)"


def test_reverse_keying_uses_the_range_not_zero():
    # 1–7 items: reverse of a is 8 − a.
    s = CustomScale.from_mapping("mood", {"name": "Mood", "items": 2, "item_range": [1, 7],
                                          "bands": [[2, "low"], [8, "high"]], "reverse": [2]})
    assert s.scored((1, 1)) == (1, 7)
    assert s.score([7, 1]).total == 14
    assert s.score([1, 7]).total == 2 and s.score([1, 7]).band == "low"


@pytest.mark.parametrize("total,band", [(0, "good"), (7, "good"), (8, "fair"), (13, "fair"), (14, "poor"), (20, "poor")])
def test_bands_at_every_boundary(total, band):
    assert scale().band_for(total) == band
    assert scale().score_total(total).band == band


def test_parse_like_the_built_in_measures():
    s = scale()
    assert s.parse("12").total == 12
    assert s.parse("3 1 2 0 4").total == 8
    assert s.parse("3,1,2,0,4").answers == (3, 1, 2, 0, 4)
    assert s.parse("") is None
    assert s.parse("9 slept badly", comment_allowed=True).total == 9
    with pytest.raises(MeasureError, match="needs a total or 5 item scores, got 3"):
        s.parse("1 2 3")
    with pytest.raises(MeasureError, match="whole numbers"):
        s.parse("12 slept badly")


@pytest.mark.parametrize("bad,message", [
    (lambda s: s.score([5, 0, 0, 0, 0]), "Sleep quality item 1 must be 0–4, got 5"),
    (lambda s: s.score([0, 0, 0, 0]), "needs 5 item scores, got 4"),
    (lambda s: s.score([0, 0, True, 0, 0]), "item 3 must be a whole number"),
    (lambda s: s.score_total(21), "total must be 0–20, got 21"),
    (lambda s: CustomScore(s, 9, (3, 1, 2, 0, 4)), "does not match the items, which score 8"),
])
def test_impossible_scores_are_refused(bad, message):
    with pytest.raises(MeasureError, match=message):
        bad(scale())


@pytest.mark.parametrize("changes,message", [
    (dict(name=""), "name must be non-empty text"),
    (dict(name=None), "name is missing"),
    (dict(name="x" * 41), "longer than 40"),
    (dict(name="Sleep\x1b[31m"), "control characters"),
    (dict(name="Sleep\u202equality"), "control characters"),
    (dict(items=0), "items must be 1–100"),
    (dict(items="5"), "items must be a whole number"),
    (dict(items=True), "items must be a whole number"),
    (dict(item_range=[4, 0]), "low < high"),
    (dict(item_range=[0, 0]), "low < high"),
    (dict(item_range=[-1, 4]), "within 0–100"),
    (dict(item_range=[0]), r"\[lowest, highest\]"),
    (dict(item_range="0-4"), r"\[lowest, highest\]"),
    (dict(item_range=[0, 4.5]), "item_range high end must be a whole number"),
    (dict(bands=[]), "at least one"),
    (dict(bands="good"), "list of"),
    (dict(bands=[[1, "good"], [8, "fair"]]), "first band must start at the lowest total, 0"),
    (dict(bands=[[0, "good"], [8, "fair"], [8, "poor"]]), "bands must rise"),
    (dict(bands=[[0, "good"], [21, "fair"]]), "outside the totals 0–20"),
    (dict(bands=[[0, "good"], [8, "Good"]]), "used twice"),
    (dict(bands=[[0, "good"], [8]]), "pair"),
    (dict(bands=[[0, ""]]), "band 1 name must be non-empty"),
    (dict(reverse=[6]), "reverse item 6 is not an item number"),
    (dict(reverse=[0]), "reverse item 0"),
    (dict(reverse=[2, 2]), "lists an item twice"),
    (dict(reverse="2"), "list of item numbers"),
    (dict(reverse=["2"]), "reverse item must be a whole number"),
    (dict(reversed=[2]), "unknown setting 'reversed'"),
])
def test_bad_mappings_are_refused_with_a_clear_message(changes, message):
    with pytest.raises(MeasureError, match=message):
        scale(**changes)


@pytest.mark.parametrize("key,message", [
    ("phq9", "built-in measure"), ("Sleep", "lower-case"), ("s", "2–16"), ("9sleep", "starting with a letter"),
    ("sleep-q", "lower-case"), ("x" * 17, "2–16"),
])
def test_bad_keys_are_refused(key, message):
    with pytest.raises(MeasureError, match=message):
        CustomScale.from_mapping(key, SLEEP)


def test_not_a_table():
    with pytest.raises(MeasureError, match="table of settings"):
        CustomScale.from_mapping("sleep", ["name", "items"])


def test_reverse_defaults_to_none():
    data = {k: v for k, v in SLEEP.items() if k != "reverse"}
    assert CustomScale.from_mapping("sleep", data).reverse_items == ()
