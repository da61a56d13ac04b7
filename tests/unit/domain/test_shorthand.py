import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.domain.shorthand import (
    DEFAULT_RULES,
    Category,
    GoalJotting,
    Jotting,
    MeasureJotting,
    PrivateJottingError,
    ShorthandRules,
    carry_into_note,
    expand_abbreviations,
    marker_span,
    parse_jotting,
)

C = Category


@pytest.mark.parametrize(
    "text,category,marker,body",
    [
        ('"I can\'t sleep', C.QUOTE, '"', "I can't sleep"),
        ("\u201cI can't sleep\u201d", C.QUOTE, "\u201c", "I can't sleep\u201d"),
        ("o flat affect", C.OBSERVATION, "o", "flat affect"),
        ("O tearful", C.OBSERVATION, "O", "tearful"),
        ("obs: tearful", C.OBSERVATION, "obs:", "tearful"),
        ("> CR re work", C.INTERVENTION, ">", "CR re work"),
        ("<engaged well", C.RESPONSE, "<", "engaged well"),
        ("* shame", C.THEME, "*", "shame"),
        ("! denies SI/HI", C.RISK, "!", "denies SI/HI"),
        ("hw thought record", C.HOMEWORK, "hw", "thought record"),
        ("hw: thought record", C.HOMEWORK, "hw", "thought record"),
        ("HW: walk daily", C.HOMEWORK, "HW", "walk daily"),
        ("? ask about dad", C.QUESTION, "?", "ask about dad"),
        ("~ reminds me of my brother", C.PRIVATE, "~", "reminds me of my brother"),
        ("phq9 11", C.MEASURE, "phq9", "11"),
        ("#grief anniversary", C.TAG, "#grief", "anniversary"),
        ("g1 + slept 7h", C.GOAL, "g1 +", "slept 7h"),
        ("just a line", C.PLAIN, "", "just a line"),
        ("", C.PLAIN, "", ""),
    ],
)
def test_markers(text, category, marker, body):
    j = parse_jotting(text)
    assert j.text == text
    assert j.category is category
    assert j.marker == marker
    assert j.body == body


@pytest.mark.parametrize("text", ["ok fine", "o", "oh well", "hwy 9", "hw", "homework later", "obsessive", "g2g", "go home"])
def test_words_that_only_look_like_markers_are_plain(text):
    assert parse_jotting(text).category is C.PLAIN


def test_marker_is_matched_after_leading_whitespace():
    text = "   o  restless"
    j = parse_jotting(text)
    assert j.category is C.OBSERVATION
    assert j.body == "restless"
    assert j.text == text  # kept exactly as typed
    assert marker_span(text) == (3, 4)


def test_marker_span():
    assert marker_span("obs: tearful") == (0, 4)
    assert marker_span("  phq9 11") == (2, 6)
    assert marker_span("#grief dad") == (0, 6)
    assert marker_span("plain words") is None
    assert marker_span("") is None


def test_tags_found_anywhere_lowercased_and_deduplicated():
    j = parse_jotting('" miss him so much #Grief #dad #grief')
    assert j.category is C.QUOTE
    assert j.tags == ("#grief", "#dad")
    assert parse_jotting("item#3 and #3 and C# are not tags").tags == ()


def test_tag_line_needs_a_word_after_the_hash():
    assert parse_jotting("#sleep").category is C.TAG
    assert parse_jotting("#sleep").tags == ("#sleep",)
    assert parse_jotting("#3 priorities").category is C.PLAIN


def test_measure_total_and_items():
    total = parse_jotting("phq9 11")
    assert total.measure == MeasureJotting("phq9", 11, None)
    assert total.problem == ""
    items = parse_jotting("PHQ9 1 2 1 0 3 1 0 2 1")
    assert items.measure == MeasureJotting("phq9", 11, (1, 2, 1, 0, 3, 1, 0, 2, 1))
    gad = parse_jotting("GAD7: 1,1,1,1,1,1,1")
    assert gad.measure == MeasureJotting("gad7", 7, (1,) * 7)
    assert parse_jotting("phq-9 4").measure == MeasureJotting("phq9", 4, None)
    # A comment after the numbers is allowed.
    assert parse_jotting("gad7 12 up from 9").measure == MeasureJotting("gad7", 12, None)


@pytest.mark.parametrize(
    "text,problem",
    [
        ("phq9 30", "PHQ-9 total must be 0–27, got 30"),
        ("phq9 1 2 4 0 3 1 0 2 1", "PHQ-9 item 3 must be 0–3, got 4"),
        ("gad7 1 2 3", "GAD-7 needs a total or 7 item scores, got 3 numbers"),
        ("gad7", "GAD-7 needs a total or 7 item scores"),
        ("phq9 eleven", "PHQ-9 needs a total or 9 item scores"),
        ("phq9 99999999999999999999", "not a plausible number"),
    ],
)
def test_invalid_measure_keeps_category_and_explains(text, problem):
    j = parse_jotting(text)
    assert j.category is C.MEASURE
    assert j.measure is None
    assert problem in j.problem


def test_measure_marker_needs_a_boundary():
    assert parse_jotting("phq9x 11").category is C.PLAIN


@pytest.mark.parametrize(
    "text,goal",
    [
        ("g1 + slept 7h", GoalJotting(1, "+", "slept 7h")),
        ("g2 =", GoalJotting(2, "=", "")),
        ("g3 - more panic", GoalJotting(3, "-", "more panic")),
        ("G2= steady", GoalJotting(2, "=", "steady")),
        ("g4: + ok", GoalJotting(4, "+", "ok")),
    ],
)
def test_goal_progress(text, goal):
    j = parse_jotting(text)
    assert j.category is C.GOAL
    assert j.goal == goal
    assert j.body == goal.evidence


def test_goal_status_words():
    assert GoalJotting(1, "+").status == "improved"
    assert GoalJotting(1, "=").status == "stable"
    assert GoalJotting(1, "-").status == "deteriorated"


def test_goal_without_direction_explains():
    j = parse_jotting("g1 went well")
    assert j.category is C.GOAL
    assert j.goal is None
    assert "+, = or -" in j.problem


# --- abbreviations -----------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("denies SI/HI", "denies suicidal ideation/homicidal ideation"),
        ("hx of SH", "history of self-harm"),
        ("Hx of trauma", "History of trauma"),
        ("pt c/o poor sleep", "patient complains of poor sleep"),
        ("came w/ mum, left w/o coat", "came with mum, left without coat"),
        ("sx improving with tx", "symptoms improving with treatment"),
        ("CR and BA; PE re panic; MI", "cognitive restructuring and behavioural activation; psychoeducation re panic; motivational interviewing"),
        ("DBT skills, CBT model", "dialectical behaviour therapy skills, cognitive behavioural therapy model"),
        ("f/u next wk", "follow-up next wk"),
    ],
)
def test_expand_abbreviations(text, expected):
    assert expand_abbreviations(text, DEFAULT_RULES.abbreviations) == expected


@pytest.mark.parametrize(
    "text",
    [
        "si, pero no sé",  # Spanish "si" is not SI
        "pe ratio",  # lower-case pe is not PE
        "SIGN the form",  # not inside other words
        "HISTORY, PEN, CRY, MICE, BASE",
        "shx tx2 ptsd sxs",
        "now/then and/or",
        "Mi casa",  # only MI in capitals is motivational interviewing
    ],
)
def test_expand_abbreviations_leaves_other_words_alone(text):
    assert expand_abbreviations(text, DEFAULT_RULES.abbreviations) == text


# --- carrying into a note ------------------------------------------------------


def test_carry_strips_marker_and_expands():
    assert carry_into_note(parse_jotting("> CR re: work w/ boss")) == "cognitive restructuring re: work with boss"
    assert carry_into_note(parse_jotting("! denies SI #risk")) == "denies suicidal ideation"


def test_carry_keeps_the_clients_words_verbatim_in_quotes():
    assert carry_into_note(parse_jotting('" I feel like SI is coming back" #sleep')) == '"I feel like SI is coming back"'


def test_carry_measure_and_goal():
    assert carry_into_note(parse_jotting("phq9 1 2 1 0 3 1 0 2 1")) == "PHQ-9 11 (moderate)"
    assert carry_into_note(parse_jotting("phq9 30")) == "phq9 30"
    assert carry_into_note(parse_jotting("g1 + slept 7h w/o meds")) == "Goal 1: improved (slept 7h without meds)"
    assert carry_into_note(parse_jotting("g2 =")) == "Goal 2: stable"


def test_private_jotting_is_refused():
    with pytest.raises(PrivateJottingError):
        carry_into_note(parse_jotting("~ I felt bored and irritated"))
    assert parse_jotting("~ anything").carryable is False
    assert parse_jotting("o anything").carryable is True


def test_private_refusal_does_not_trust_a_mislabelled_jotting():
    forged = Jotting(text="  ~ my own reaction", category=C.PLAIN, body="my own reaction")
    with pytest.raises(PrivateJottingError):
        carry_into_note(forged)


def test_private_refusal_is_not_a_value_error():
    # A broad `except ValueError` on the way to the record must not swallow it.
    assert not issubclass(PrivateJottingError, ValueError)


# --- configuration -------------------------------------------------------------


def test_config_replaces_markers_of_a_category_and_keeps_others():
    rules = ShorthandRules.from_config({"homework": ["todo", "hw"]}, None)
    assert parse_jotting("todo: call GP", rules).category is C.HOMEWORK
    assert parse_jotting("hw walk", rules).category is C.HOMEWORK
    assert parse_jotting("o tearful", rules).category is C.OBSERVATION


def test_config_can_drop_a_default_marker():
    rules = ShorthandRules.from_config({"observation": ["obs:"]}, None)
    assert parse_jotting("o tearful", rules).category is C.PLAIN
    assert parse_jotting("obs: tearful", rules).category is C.OBSERVATION


def test_config_longest_marker_wins():
    rules = ShorthandRules.from_config({"response": [">>"]}, None)
    assert parse_jotting(">> nodded", rules).category is C.RESPONSE
    assert parse_jotting("> CR", rules).category is C.INTERVENTION


def test_config_abbreviations_add_and_remove():
    rules = ShorthandRules.from_config(None, {"EMDR": "eye movement desensitisation and reprocessing", "pt": ""})
    assert carry_into_note(parse_jotting("> EMDR", rules), rules) == "eye movement desensitisation and reprocessing"
    assert carry_into_note(parse_jotting("> pt calm", rules), rules) == "pt calm"
    assert rules.abbreviations["SI"] == "suicidal ideation"


@pytest.mark.parametrize(
    "markers,abbreviations,message",
    [
        ({"feelings": ["f"]}, None, "Unknown shorthand category 'feelings'"),
        ({"plain": ["p"]}, None, "Plain text has no marker"),
        ({"question": ["~"]}, None, "used for both"),
        ({"private": []}, None, "private category needs at least one marker"),
        ({"measure": ["bdi"]}, None, "does not name a known measure"),
        ({"theme": [""]}, None, "Empty or non-text marker"),
        ({"theme": "*"}, None, "must be a list"),
        ({"theme": ["a b"]}, None, "must not contain spaces"),
        (None, {"": "x"}, "Empty abbreviation"),
        (None, {"SI": 3}, "must be text"),
    ],
)
def test_config_errors_are_clear(markers, abbreviations, message):
    with pytest.raises(ValueError, match=message):
        ShorthandRules.from_config(markers, abbreviations)


def test_rules_are_immutable_and_hashable():
    rules = ShorthandRules.from_config({"homework": ["todo"]}, None)
    assert hash(rules) == hash(ShorthandRules.from_config({"homework": ["todo"]}, None))
    with pytest.raises(TypeError):
        rules.abbreviations["X"] = "y"  # type: ignore[index]


# --- never raises --------------------------------------------------------------

_awkward = st.text(
    alphabet=st.characters(blacklist_categories=()),  # everything, control chars and surrogates too
    max_size=200,
)
_shorthand_like = st.builds(
    lambda m, rest: m + rest,
    st.sampled_from(['"', "o ", "obs:", ">", "<", "*", "!", "hw ", "hw:", "?", "~", "phq9 ", "gad7 ", "#", "g1 ", "g", "  ", ""]),
    st.text(alphabet=st.sampled_from(list("0123 +-=:,#abcSIHw/\u2212\u202e\u05d0\U0001f600\x00\t")), max_size=40),
)


@settings(max_examples=400)
@given(st.one_of(_awkward, _shorthand_like))
def test_parse_never_raises_and_keeps_the_text(text):
    j = parse_jotting(text)
    assert j.text == text
    assert isinstance(j.category, Category)
    span = marker_span(text)
    assert (span is None) == (j.category is C.PLAIN)
    if j.category not in (C.PLAIN, C.PRIVATE):
        carry_into_note(j)  # must not raise either
    elif j.category is C.PRIVATE:
        with pytest.raises(PrivateJottingError):
            carry_into_note(j)


@pytest.mark.parametrize(
    "text",
    [
        "x" * 10_000,
        "phq9 " + "1 " * 5_000,
        "! " + "\u202eSI\u202c " * 2_000,
        "\x00\x01\x1b[31m\x7f",
        "\U0001f600\U0001f62d g1 +",
        "\u05e9\u05dc\u05d5\u05dd o \u0645\u0631\u062d\u0628\u0627",
        "#" * 10_000,
        '" ' + " #tag" * 3_000,
    ],
)
def test_parse_survives_extreme_lines(text):
    j = parse_jotting(text)
    assert j.text == text
    assert isinstance(j.category, Category)
