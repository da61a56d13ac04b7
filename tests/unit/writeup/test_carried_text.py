"""Carried text: one pair of quotes, nothing said twice, tags kept; MSE vs the note."""

import pytest

from tui.domain.canonical import canonical_text
from tui.domain.lint import lint_note
from tui.domain.models import MSE_WNL, MentalStatus, NoteDraft, RiskStatement, SessionFacts
from tui.domain.routing import destinations, offers
from tui.domain.shorthand import carry_into_note, parse_jotting
from tui.domain.templates import NARRATIVE, SOAP


@pytest.mark.parametrize("typed", ['""I hate it""', '" "I hate it"', '"“I hate it”', '“I hate it”', '"I hate it'])
def test_an_already_quoted_quote_is_carried_with_one_pair(typed):
    assert carry_into_note(parse_jotting(typed)) == '"I hate it"'


@pytest.mark.parametrize("template", [SOAP, NARRATIVE], ids=lambda t: t.key)
def test_homework_and_questions_go_to_the_plan_fields_only(template):
    for typed, field in (("hw sleep diary", "plan.homework"), ("? ask about sleep", "plan.focus")):
        jotting = parse_jotting(typed)
        assert destinations(jotting, template) == {field}
        for spec in template.sections:
            assert not any(o.feeds for o in offers([jotting], spec, template=template))


def test_tags_are_part_of_the_signed_text_only_when_present():
    draft = NoteDraft(facts=SessionFacts(date="2026-03-10", start_time="10:00", duration_min=50),
                      template_key="soap")
    args = dict(client_label="C-1", signer="Dana", credentials="", signed_at="2026-03-10T11:00:00+00:00",
                late_entry=False)
    assert "Tags" not in canonical_text(draft, SOAP, **args)
    draft.tags = ["#sleep", "#work"]
    assert "Tags: #sleep #work" in canonical_text(draft, SOAP, **args)
    assert NoteDraft.from_dict(draft.to_dict()).tags == ["#sleep", "#work"]


def _mse_warnings(objective: str) -> list[str]:
    draft = NoteDraft(facts=SessionFacts(date="2026-03-10", start_time="10:00", duration_min=50),
                      template_key="soap", sections={"objective": objective},
                      mental_status=MentalStatus.within_normal_limits(),
                      risk=RiskStatement(si="denied", hi="denied", self_harm="denied", level="low"))
    return [f.message for f in lint_note(draft, SOAP, private_jottings=[], other_members=[])
            if f.rule == "mental-status.contradicts"]


def test_wnl_mental_status_contradicting_the_objective_is_a_warning():
    found = _mse_warnings("Marked psychomotor slowing; tearful.")
    assert any(MSE_WNL["behaviour"] in m for m in found)
    assert any("tearful" in m for m in found)


def test_negated_findings_do_not_contradict():
    assert _mse_warnings("No psychomotor slowing. Not tearful.") == []


def test_tags_reach_the_chart_line_and_search(env, client):
    from tui.services.chart import ClientChart
    from tui.services.search import NoteSearch
    from tui.services.writeup import WriteupService

    from .conftest import complete, sign

    svc = WriteupService(env.ws)
    s = env.session(client, ['" cant sleep #insomnia', "* work stress #work", "~ private #countertransference",
                             "! denies SI/HI/SH"])
    w = svc.open(s.id)
    assert w.draft.tags == ["#insomnia", "#work"]  # a private line's tag stays in the vault
    sign(svc, complete(w))
    row = ClientChart(env.ws).chart(client).sessions[0]
    assert row.summary.startswith("#insomnia #work")
    # "insomnia" is nowhere in the note's prose (a trailing tag is not the client's words):
    # only the note's Tags line makes it findable.
    assert "insomnia" not in w.draft.sections.get("subjective", "")
    assert [h.note_id for h in NoteSearch(env.ws).search("#insomnia", client).hits] == [w.note_id]
