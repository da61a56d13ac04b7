"""Half the steps: an individual note in at most 7 uniquely named steps; a group note has
the shared part once, then at most 4 steps per member."""

import pytest

from tui.domain.steps import plan_steps
from tui.domain.templates import BIRP, DAP, DISCHARGE, GIRP, GROUP, INTAKE, NARRATIVE, SOAP

EVERY_PART = {"facts", "measures", "mse", "interventions", "goals", "plan", "risk", "review"}


@pytest.mark.parametrize("template", [SOAP, DAP, BIRP, GIRP, NARRATIVE, INTAKE, DISCHARGE], ids=lambda t: t.key)
def test_individual_notes_take_at_most_seven_uniquely_named_steps(template):
    steps = plan_steps(template)
    titles = [s.title for s in steps]
    assert len(steps) <= 7 and len(set(titles)) == len(titles), titles
    parts = [p for s in steps for p in s.parts]
    assert set(parts) == EVERY_PART | {f"section:{s.key}" for s in template.sections}
    assert len(parts) == len(set(parts))  # each part once
    assert steps[-1].parts == ("review",)


def test_group_shared_part_once_then_four_steps_per_member():
    first, later = plan_steps(GROUP, shared=True), plan_steps(GROUP, shared=False)
    assert len(later) == 4 and len(first) == 6
    assert [s.title for s in first[2:]] == [s.title for s in later]
    shared = [p for s in first[:2] for p in s.parts]
    assert "facts" in shared and all(p == "facts" or GROUP.section(p[8:]).part == "group" for p in shared)
    member_parts = {p for s in later for p in s.parts}
    assert member_parts == (EVERY_PART - {"facts"}) | {f"section:{s.key}" for s in GROUP.member_sections}
    assert not any(s.title.startswith("Group: ") for s in first)
