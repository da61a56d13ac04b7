"""Group attribution: "@CODE" / "@initials" in the scratchpad, and who a line names."""

import pytest

from tui.domain.group import AMBIGUOUS, MemberIdentity, member_of, resolve_attribution
from tui.domain.routing import jottings_for_member, offers, risk_jottings
from tui.domain.shorthand import Category, carry_into_note, marker_span, parse_jotting
from tui.domain.templates import GROUP

ALICE = MemberIdentity("C-201", "Alice Brown")
TOM = MemberIdentity("C-202", "Tom Fox")
PRIYA = MemberIdentity("C-203", "Priya Shah")
MEMBERS = (ALICE, TOM, PRIYA)


@pytest.mark.parametrize("typed,member,category,body", [
    ('@AB " I always apologise', "AB", Category.QUOTE, 'I always apologise'),
    ("@C-202: o quiet", "C-202", Category.OBSERVATION, "quiet"),
    ("! @PS passive SI", "PS", Category.RISK, "passive SI"),
    ("phq9 @TF 14", "TF", Category.MEASURE, "14"),
    ("@AB g1 + spoke up", "AB", Category.GOAL, "spoke up"),
    ("@AB ~ reminds me of my sister", "AB", Category.PRIVATE, "reminds me of my sister"),
    ("email me@home later", "", Category.PLAIN, "email me@home later"),
])
def test_attribution_is_read_and_kept_out_of_the_body(typed, member, category, body):
    jotting = parse_jotting(typed)
    assert (jotting.member, jotting.category, jotting.body) == (member, category, body)
    assert jotting.text == typed  # the scratchpad keeps exactly what was typed


def test_carried_text_never_includes_the_attribution_and_private_stays_private():
    assert carry_into_note(parse_jotting('@AB " I always apologise')) == '"I always apologise"'
    assert carry_into_note(parse_jotting("@AB phq9 30")) == "phq9 30"  # unreadable score, no "@AB"
    with pytest.raises(Exception, match="never go into the clinical record"):
        carry_into_note(parse_jotting("@AB ~ reminds me of my sister"))


def test_marker_tint_skips_the_attribution():
    assert marker_span("@AB ! passive SI") == (4, 5)
    assert marker_span("@AB") is None  # plain text, like any line without a marker


@pytest.mark.parametrize("token,code", [("AB", "C-201"), ("ab", "C-201"), ("c-202", "C-202"), ("Priya", "C-203"),
                                        ("PS.", "C-203"), ("XY", None)])
def test_attribution_resolves_by_code_initials_or_first_name(token, code):
    found = resolve_attribution(token, MEMBERS)
    assert (found.code if found else None) == code


@pytest.mark.parametrize("typed,owner", [
    ("@AB o spoke up", "C-201"),
    ("o Tom tearful about his brother", "C-202"),
    ("Ms. Shah left early", "C-203"),
    ("after Alice spoke, Tom shared", AMBIGUOUS),
    ("@XY who is this", AMBIGUOUS),
    ("* topic: shame", None),
])
def test_who_a_line_is_about(typed, owner):
    assert member_of(parse_jotting(typed), MEMBERS) == owner


LINES = [parse_jotting(t) for t in (
    '@AB " I always apologise', "o Tom tearful", "* topic: shame", "> TIPP as a group", "@TF phq9 14",
    "phq9 9", "! @PS passive SI", "! group discussed an overdose", "hw TIPP daily", "@AB hw write the letter",
)]


def test_a_member_part_offers_only_that_members_lines_and_the_shared_part_only_lines_naming_no_one():
    for spec in GROUP.member_sections:
        for member in MEMBERS:
            texts = [o.jotting.text for o in offers(LINES, spec, member=member, members=MEMBERS)]
            for text in texts:
                owner = member_of(parse_jotting(text), MEMBERS)
                assert owner == member.code, (member.code, spec.key, text)
    for spec in GROUP.group_sections:
        texts = [o.jotting.text for o in offers(LINES, spec, member=TOM, members=MEMBERS)]
        assert texts and all(member_of(parse_jotting(t), MEMBERS) is None for t in texts)
        assert "o Tom tearful" not in texts


def test_prefill_sees_own_lines_and_shared_interventions_homework_but_not_others_scores():
    alice = [j.text for j in jottings_for_member(LINES, ALICE, MEMBERS)]
    assert '@AB " I always apologise' in alice and "@AB hw write the letter" in alice
    assert "> TIPP as a group" in alice and "hw TIPP daily" in alice
    assert "@TF phq9 14" not in alice and "phq9 9" not in alice and "! @PS passive SI" not in alice


def test_risk_step_shows_own_and_unattributed_risk_lines():
    assert [j.text for j in risk_jottings(LINES, member=PRIYA, members=MEMBERS)] == [
        "! @PS passive SI", "! group discussed an overdose"]
    assert [j.text for j in risk_jottings(LINES, member=ALICE, members=MEMBERS)] == ["! group discussed an overdose"]
    assert len(risk_jottings(LINES)) == 2  # individual: every ! line
