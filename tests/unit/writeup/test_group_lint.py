"""Each individualized part is linted against every other member's identifiers."""

import pytest

from tui.domain.group import MemberIdentity
from tui.domain.lint import lint_note
from tui.domain.models import NoteDraft, RiskStatement, SessionFacts
from tui.domain.templates import GROUP

ALICE = MemberIdentity("C-201", "Alice Brown")
TOM = MemberIdentity("C-202", "Tom Fox")
WILL = MemberIdentity("C-203", "Will May")
MEMBERS = (ALICE, TOM, WILL)


def group_errors(member_text: str, shared_text: str = "Distress tolerance skills.", member=ALICE) -> list[str]:
    draft = NoteDraft(
        facts=SessionFacts(date="2026-03-10", start_time="10:00", duration_min=90), template_key="group",
        sections={"response": member_text},
        group_part={"topic": shared_text},
        risk=RiskStatement(si="denied", hi="denied", self_harm="denied", level="low"),
    )
    findings = lint_note(draft, GROUP, private_jottings=[], other_members=[], members=MEMBERS, member=member)
    return [f.message for f in findings if f.rule == "group.other-member"]


@pytest.mark.parametrize("text", [
    "Listened after Tom spoke.", "Ms. Brown and Mr Fox paired up.", "Supported mr fox.", "Sat beside TF.",
    "Sat beside t.f.", "Argued with c-202.", "Thanked FOX.", "Dr Fox's comment upset her.",
])
def test_other_member_named_any_way_is_an_error(text):
    found = group_errors(text, member=ALICE if "Brown" not in text else WILL)
    assert found, text
    assert all("Tom" not in m and "Fox" not in m for m in found)  # the message never repeats the name


def test_own_identifiers_are_fine_in_own_part_but_not_in_the_shared_part():
    assert group_errors("Alice spoke up twice.") == []
    assert group_errors("Alice spoke up twice.", shared_text="Alice led the check-in.")


@pytest.mark.parametrize("text", ["I am not sure it will help.", "She may try it.", "Met at 10 a.m.",
                                  "Foxglove in the garden.", "C-2020 form signed."])
def test_ordinary_words_that_look_like_identifiers_pass(text):
    assert group_errors(text) == []


def test_common_word_names_still_count_when_written_as_names():
    assert group_errors("Will joined late.")
    assert group_errors("Mr May joined late.")
