"""Custom scales wired end to end, below the screens: config.toml [measures.custom.KEY] read
from a real file, the scale carried as a MeasureScore (custom:KEY) with the definition it was
scored by, session shorthand ("sleep 3 1 2 0 4"), and the stored row read back by its own
definition. Custom scales have no published manual: every rule here comes from config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.config import EXAMPLE_CONFIG, ConfigError, load_config
from tui.domain.measures import (
    CustomScale, MeasureError, MeasureScore, change_since, entry_text, score_from_stored, stored_band,
)
from tui.domain.prefill import measures_from
from tui.domain.shorthand import Category, ShorthandRules, carry_into_note, marker_guide, parse_jotting

SLEEP_TOML = """\
[clinician]
name = "Dana Reyes"

[measures.custom.sleep]
name = "Sleep quality"
items = 5
item_range = [0, 4]
reverse = [2, 5]
bands = [[0, "good"], [8, "fair"], [14, "poor"]]

[measures.custom.ors]
name = "Outcome Rating Scale"
items = 4
item_range = [0, 10]
bands = [[0, "clinical range"], [25, "non-clinical range"]]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str):
    return load_config(tmp_path, write(tmp_path, text))


def sleep() -> CustomScale:
    return CustomScale.from_mapping("sleep", {"name": "Sleep quality", "items": 5, "item_range": [0, 4],
                                              "reverse": [2, 5], "bands": [[0, "good"], [8, "fair"], [14, "poor"]]})


# -- the config loader, on a real file ---------------------------------------------------------

def test_scales_load_from_config_toml_onto_the_config(tmp_path):
    config = load(tmp_path, SLEEP_TOML)
    assert sorted(config.custom_scales) == ["ors", "sleep"]
    assert config.custom_scales["sleep"] == sleep()
    assert config.custom_scales["ors"].total_max == 40
    # ... and session shorthand reads them (the workspace's rules are config.shorthand).
    jotting = parse_jotting("ors 7 8 6 9", config.shorthand)
    assert jotting.category is Category.MEASURE and jotting.measure.to_score().describe() == \
        "Outcome Rating Scale 30 (non-clinical range)"


def test_no_measures_table_means_no_custom_scales(tmp_path):
    assert load(tmp_path, "[clinician]\nname = \"Dana\"\n").custom_scales == {}
    assert parse_jotting("sleep 3 1 2 0 4", load(tmp_path, "").shorthand).category is Category.PLAIN


@pytest.mark.parametrize(("change", "message", "line"), [
    (("reverse = [2, 5]", "reverse = [2, 6]"), "reverse item 6 is not an item number (1–5)", 4),
    (("bands = [[0, \"good\"], [8, \"fair\"], [14, \"poor\"]]", "bands = [[0, \"good\"], [8, \"fair\"], [8, \"poor\"]]"),
     "bands must rise; band 3 starts at 8, not above 8", 4),
    (("bands = [[0, \"good\"], [8, \"fair\"], [14, \"poor\"]]", "bands = [[2, \"good\"]]"),
     "the first band must start at the lowest total, 0", 4),
    (("item_range = [0, 4]", "item_range = [4, 0]"), "item_range must be two whole numbers, low < high", 4),
    (("item_range = [0, 4]", "item_range = [0, 4]\nscoring = \"mean\""), "unknown setting 'scoring'", 4),
    (("items = 5\n", ""), "items is missing", 4),
    (("name = \"Sleep quality\"", "name = \"\""), "name must be non-empty text", 4),
    (("[measures.custom.ors]", "[measures.custom.Ors]"), "Custom scale key 'Ors' must be 2–16 lower-case", 11),
    (("[measures.custom.ors]", "[measures.custom.phq9]"), "has the key of a built-in measure (PHQ-9)", 11),
])
def test_a_bad_scale_names_the_file_its_table_and_the_fault(tmp_path, change, message, line):
    old, new = change
    assert old in SLEEP_TOML
    path = write(tmp_path, SLEEP_TOML.replace(old, new, 1))
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, path)
    text = str(caught.value)
    assert text.startswith(f"{path}, line {line}: [measures.custom.")
    assert message in text and "Hushpad did not start" in text


@pytest.mark.parametrize(("key", "message"), [
    ("hw", "Custom scale key 'hw' is already the shorthand marker for homework"),
    ("obs", "Custom scale key 'obs' is already the shorthand marker for observation"),
    ("g12", "Custom scale key 'g12' reads as goal progress (g12 +)"),
])
def test_a_key_that_shorthand_could_not_tell_from_a_marker_is_refused(tmp_path, key, message):
    path = write(tmp_path, SLEEP_TOML.replace("[measures.custom.ors]", f"[measures.custom.{key}]"))
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, path)
    assert str(caught.value).startswith(f"{path}, line 11: [measures.custom.{key}]: {message}")


@pytest.mark.parametrize(("text", "message"), [
    ("[measures]\nscales = 1\n", "line 2: unknown setting 'scales' in [measures]"),
    ("[measures]\ncustom = 3\n", "[measures.custom] must hold one table per scale"),
    ("[measures.custom]\nsleep = \"x\"\n", "[measures.custom] must hold one table per scale"),
])
def test_a_bad_measures_section_is_refused(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(tmp_path, text)


def test_the_commented_example_in_the_config_template_loads_when_uncommented(tmp_path):
    start = EXAMPLE_CONFIG.index("# [measures.custom.sleep]")
    example = "\n".join(line.removeprefix("# ") for line in EXAMPLE_CONFIG[start:].splitlines())
    assert load(tmp_path, example).custom_scales["sleep"] == sleep()
    assert load(tmp_path, EXAMPLE_CONFIG).custom_scales == {}  # as written, all commented out


# -- the score, carried like every other measure ----------------------------------------------

def test_a_custom_score_scores_reverse_items_and_bands():
    # answers 3 1 2 0 4: items 2 and 5 reverse (4 − a): 3 3 2 0 0 = 8, "fair".
    score = sleep().parse("3 1 2 0 4").as_measure()
    assert (score.instrument, score.total, score.items, score.band) == ("custom:sleep", 8, (3, 1, 2, 0, 4), "fair")
    assert score.describe() == "Sleep quality 8 (fair)" and entry_text(score) == "3 1 2 0 4"
    assert not score.risk_flag and score.item9 is None and score.pcl5_clusters() is None
    assert sleep().parse("14").as_measure().band == "poor"


def test_a_custom_score_refuses_what_the_scale_does_not_allow():
    with pytest.raises(MeasureError, match="does not match the items, which score 8"):
        MeasureScore("custom:sleep", 7, (3, 1, 2, 0, 4), scale=sleep())
    with pytest.raises(MeasureError, match="Sleep quality total must be 0–20, got 21"):
        MeasureScore("custom:sleep", 21, scale=sleep())
    with pytest.raises(MeasureError, match="needs the scale it was scored on"):
        MeasureScore("custom:sleep", 8)
    with pytest.raises(MeasureError, match="is not the custom scale 'sleep'"):
        MeasureScore("custom:mood", 8, scale=sleep())


def test_the_stored_row_carries_the_definition_and_reads_back_by_it():
    score = sleep().parse("3 1 2 0 4").as_measure()
    stored = json.loads(score.items_json())
    assert stored == {"answers": [3, 1, 2, 0, 4], "scale": {"name": "Sleep quality", "items": 5, "item_range": [0, 4],
                      "bands": [[0, "good"], [8, "fair"], [14, "poor"]], "reverse": [2, 5]}}
    assert score_from_stored("custom:sleep", 8, score.items_json()) == score
    assert MeasureScore.from_dict(json.loads(json.dumps(score.to_dict()))) == score  # the draft's autosave
    total_only = sleep().score_total(12).as_measure()
    assert json.loads(total_only.items_json())["answers"] is None
    assert score_from_stored("custom:sleep", 12, total_only.items_json()) == total_only
    # The band comes from the stored definition, whatever the config says now.
    assert stored_band("custom:sleep", 8, score.items_json()) == "fair"
    assert stored_band("custom:sleep", 8, None) == "out of range"  # a row without its definition
    with pytest.raises(MeasureError, match="does not carry its scale's definition"):
        score_from_stored("custom:sleep", 8, json.dumps([3, 1, 2, 0, 4]))
    # A stored definition that is not a valid scale is refused, not trusted.
    broken = json.dumps({"answers": None, "scale": {**stored["scale"], "bands": [[5, "good"]]}})
    with pytest.raises(MeasureError):
        score_from_stored("custom:sleep", 8, broken)


def test_the_rules_in_words_for_the_signed_text():
    assert sleep().describe_rules() == ("5 items 0–4, items 2, 5 reverse-scored; "
                                        "bands 0–7 good, 8–13 fair, 14–20 poor")
    one = CustomScale.from_mapping("mood", {"name": "Mood", "items": 1, "item_range": [0, 10], "reverse": [1],
                                            "bands": [[0, "low"], [10, "high"]]})
    assert one.describe_rules() == "1 item 0–10, item 1 reverse-scored; bands 0–9 low, 10 high"


def test_change_since_last_is_not_claimed_across_a_changed_definition():
    before = sleep().parse("3 1 2 0 4").as_measure()
    assert change_since(before, sleep().parse("12").as_measure()) == "+4 since last"
    redefined = CustomScale.from_mapping("sleep", {"name": "Sleep quality", "items": 5, "item_range": [0, 4],
                                                   "bands": [[0, "good"], [8, "fair"], [14, "poor"]]})
    after = redefined.parse("3 1 2 0 4").as_measure()  # no reverse item now: 10
    assert after.total == 10
    assert change_since(before, after) == "not compared: the scale's definition changed since last (8, fair)"


# -- session shorthand --------------------------------------------------------------------------

RULES = ShorthandRules.from_config(None, None, {"sleep": sleep()})


@pytest.mark.parametrize(("typed", "total", "answers"), [
    ("sleep 3 1 2 0 4", 8, (3, 1, 2, 0, 4)),
    ("sleep 3 1 2 0 4 woke twice", 8, (3, 1, 2, 0, 4)),  # a comment after the answers
    ("Sleep: 3,1,2,0,4", 8, (3, 1, 2, 0, 4)),
    ("sleep 12", 12, None),  # a total, as for the built-ins
])
def test_the_key_types_a_score_in_session(typed, total, answers):
    jotting = parse_jotting(typed, RULES)
    assert jotting.category is Category.MEASURE and jotting.problem == ""
    score = jotting.measure.to_score()
    assert (score.instrument, score.total, score.items, score.scale) == ("custom:sleep", total, answers, sleep())
    assert measures_from([jotting]) == [score]
    assert carry_into_note(jotting, RULES) == f"Sleep quality {total} ({score.band})"


@pytest.mark.parametrize(("typed", "problem"), [
    ("sleep 3 1", "Sleep quality needs a total or 5 item scores, got 2 numbers"),
    ("sleep", "Sleep quality needs a total or 5 item scores"),
    ("sleep 30", "Sleep quality total must be 0–20, got 30"),
    ("sleep 3 1 2 0 5", "Sleep quality item 5 must be 0–4, got 5"),
    ("sleep 9999999", "Sleep quality score 9999999 is not a plausible number (a total is 0–20)"),
])
def test_a_bad_entry_reads_as_a_measure_with_the_problem_said(typed, problem):
    jotting = parse_jotting(typed, RULES)
    assert jotting.category is Category.MEASURE and jotting.measure is None
    assert jotting.problem == problem
    assert carry_into_note(jotting, RULES) == typed  # the whole line kept, as for "phq9 30"


def test_the_built_in_problem_text_has_the_same_shape():
    assert parse_jotting("phq9 3 1", RULES).problem == "PHQ-9 needs a total or 9 item scores, got 2 numbers"
    assert parse_jotting("phq9", RULES).problem == "PHQ-9 needs a total or 9 item scores"


def test_words_that_only_start_with_the_key_stay_plain_and_other_markers_are_untouched():
    for typed, category in (("sleepy after lunch", Category.PLAIN), ("sleeping 6 h", Category.PLAIN),
                            ("o tired", Category.OBSERVATION), ("phq9 11", Category.MEASURE),
                            ("hw sleep diary", Category.HOMEWORK), ("g1 + slept 7h", Category.GOAL)):
        assert parse_jotting(typed, RULES).category is category, typed
    assert parse_jotting("sleep 3 1 2 0 4").category is Category.PLAIN  # without the config: plain text


def test_the_marker_guide_lists_the_custom_scales():
    assert ("sleep 0   or   sleep 0 0 0 0 0",
            "Sleep quality: total or 5 item scores 0–4 (Measures; a custom scale from config)") in marker_guide(RULES)
