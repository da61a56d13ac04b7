"""With custom scales configured ([measures.custom.KEY]) every corpus line parses exactly as
without them: a scale's key takes only lines that start with it as a word."""

from routing_corpus import transcripts

from tui.domain.measures import CustomScale
from tui.domain.shorthand import Category, ShorthandRules, parse_jotting

# Plausible keys, including ones that begin common words ("sleep", "so", "mood").
KEYS = ("ors", "srs", "sleep", "swls", "mood", "so", "pain")
RULES = ShorthandRules.from_config(None, None, {
    key: CustomScale.from_mapping(key, {"name": key.upper(), "items": 4, "item_range": [0, 10],
                                        "bands": [[0, "low"], [20, "high"]]}) for key in KEYS})


def test_the_corpus_parses_the_same_with_custom_scales_configured():
    lines = [line.typed for t in transcripts() for line in t.lines]
    assert len(lines) > 200
    changed = [typed for typed in lines if parse_jotting(typed, RULES) != parse_jotting(typed)]
    assert changed == []


def test_a_configured_key_is_a_measure_line_only_as_a_word():
    assert parse_jotting("mood 3 4 5 6", RULES).measure.to_score().describe() == "MOOD 18 (low)"
    assert parse_jotting("moody today", RULES).category is Category.PLAIN
    assert parse_jotting("so 1 2 3 4", RULES).category is Category.MEASURE
