import hashlib
import html
import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tui.domain.canonical import (
    addendum_hash,
    canonical_text,
    content_hash,
    escape_markdown,
    normalise_text,
    render_markdown,
)
from tui.domain.measures import score_from_items, score_from_total
from tui.domain.models import GoalProgress, MentalStatus, NoteDraft, Plan, RiskStatement, SessionFacts
from tui.domain.templates import GROUP, NARRATIVE, SOAP

SIGN = dict(client_label="C-0007", signer="Dr Ada Lee", credentials="PhD, LP", signed_at="2024-05-01T15:10", late_entry=False)


def draft() -> NoteDraft:
    return NoteDraft(
        facts=SessionFacts("2024-05-01", "14:00", 50, "individual", "telehealth", 7, "90834", "soap"),
        template_key="soap",
        sections={
            "subjective": "Reports sleeping 4h.\nWork stress.",
            "objective": "Tearful.",
            "assessment": "Low mood.",
            "plan": "Weekly.",
        },
        mental_status=MentalStatus(mood="low", affect="constricted"),
        interventions=["cognitive restructuring", "sleep hygiene"],
        measures=[score_from_items("phq9", [1, 2, 1, 0, 3, 1, 0, 2, 1]), score_from_total("gad7", 9)],
        risk=RiskStatement(si="denied", hi="denied", self_harm="denied", level="low"),
        goals=[GoalProgress("1", "Sleep 7h", "improved", "6h average")],
        plan=Plan(next_session="2024-05-08", homework="sleep diary"),
    )


# The context the note is written in (not part of the draft): the client's last earlier scores.
PREVIOUS = {"phq9": score_from_total("phq9", 14)}


def text(d=None, template=SOAP, **overrides):
    return canonical_text(d or draft(), template, **{**SIGN, "previous": PREVIOUS, **overrides})


def test_canonical_text_layout():
    assert text() == """\
PROGRESS NOTE (SOAP)

Client: C-0007
Template: SOAP
Date: 2024-05-01
Start: 14:00
Duration: 50 min
Modality: individual
Setting: telehealth
Session number: 7
CPT: 90834

SUBJECTIVE
Reports sleeping 4h.
Work stress.

OBJECTIVE
Tearful.

ASSESSMENT
Low mood.

PLAN
Weekly.

Next session: 2024-05-08
Homework: sleep diary
Next focus: (none)
Coordination: (none)

MENTAL STATUS
Mood: low
Affect: constricted

INTERVENTIONS
- cognitive restructuring
- sleep hygiene

MEASURES
- PHQ-9: 11 (moderate); \u22123 since last; items 1 2 1 0 3 1 0 2 1; item 9 = 1, flagged
- GAD-7: 9 (mild); first administration

RISK
Denies SI, HI and self-harm. Risk level: low.

GOALS
- Sleep 7h: improved. Evidence: 6h average

SIGNATURE
Signed electronically by: Dr Ada Lee, PhD, LP
Signed at: 2024-05-01 15:10
"""


def test_canonical_text_is_deterministic():
    assert text() == text()
    assert content_hash(text()) == content_hash(text())


def test_late_entry_is_labelled():
    late = text(late_entry=True)
    assert late.splitlines()[1] == "LATE ENTRY"
    assert late.rstrip().endswith("LATE ENTRY: signed more than 24 hours after the session.")
    assert "LATE ENTRY" not in text()


MUTATIONS = {
    "date": lambda d: setattr(d, "facts", replace(d.facts, date="2024-05-02")),
    "start": lambda d: setattr(d, "facts", replace(d.facts, start_time="14:05")),
    "duration": lambda d: setattr(d, "facts", replace(d.facts, duration_min=53)),
    "modality": lambda d: setattr(d, "facts", replace(d.facts, modality="couple")),
    "setting": lambda d: setattr(d, "facts", replace(d.facts, setting="in person")),
    "session_number": lambda d: setattr(d, "facts", replace(d.facts, session_number=8)),
    "cpt": lambda d: setattr(d, "facts", replace(d.facts, cpt_code="90837")),
    "section": lambda d: d.sections.update(objective="Tearful at times."),
    "extra_section": lambda d: d.sections.update(legacy="From an older template."),
    "mse": lambda d: setattr(d, "mental_status", replace(d.mental_status, insight="fair")),
    "intervention": lambda d: d.interventions.append("behavioural activation"),
    "measure": lambda d: setattr(d, "measures", [score_from_total("phq9", 11), d.measures[1]]),
    "risk": lambda d: setattr(d, "risk", replace(d.risk, level="moderate")),
    "risk_detail": lambda d: setattr(d, "risk", replace(d.risk, si_detail="passive")),
    "goal": lambda d: setattr(d, "goals", [replace(d.goals[0], status="stable")]),
    "plan": lambda d: setattr(d, "plan", replace(d.plan, coordination="GP letter")),
    "whitespace_inside": lambda d: d.sections.update(assessment="Low  mood."),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_hash_changes_when_any_field_changes(name):
    changed = draft()
    MUTATIONS[name](changed)
    assert content_hash(text(changed)) != content_hash(text())


@pytest.mark.parametrize("previous", [{}, {"phq9": score_from_total("phq9", 12)},
                                      {**PREVIOUS, "gad7": score_from_total("gad7", 9)}])
def test_hash_changes_with_the_earlier_scores(previous):
    assert content_hash(text(previous=previous)) != content_hash(text())


def test_without_earlier_scores_each_measure_is_a_first_administration():
    shown = text(previous=None)
    assert "PHQ-9: 11 (moderate); first administration" in shown and "since last" not in shown


@pytest.mark.parametrize(
    "field,value",
    [("client_label", "C-0008"), ("signer", "Dr Ada Lea"), ("credentials", "PsyD"), ("signed_at", "2024-05-01T15:11"), ("late_entry", True)],
)
def test_hash_changes_with_signature_fields(field, value):
    assert content_hash(text(**{field: value})) != content_hash(text())


def test_invisible_differences_do_not_change_the_text():
    crlf = draft()
    crlf.sections["subjective"] = "Reports sleeping 4h.  \r\nWork stress.\r\n\r\n"
    assert text(crlf) == text()
    nfd = draft()
    nfd.sections["objective"] = "Tearful. Caf\u0065\u0301."  # e + combining acute
    nfc = draft()
    nfc.sections["objective"] = "Tearful. Caf\u00e9."
    assert text(nfd) == text(nfc)


def test_text_is_literal_and_tidy():
    d = draft()
    d.sections["objective"] = "**not bold** <b>x</b> # not a heading\n\tindented"
    out = text(d)
    assert "**not bold** <b>x</b> # not a heading\n\tindented\n" in out
    assert out.endswith("\n") and not out.endswith("\n\n")
    assert all(line == line.rstrip() for line in out.split("\n"))
    assert "\r" not in out


def test_group_note_has_both_parts():
    d = draft()
    d.template_key = "group"
    d.group_part = {"topic": "Assertiveness", "group_interventions": "Role-play", "dynamics": "Supportive"}
    d.sections = {"goals_addressed": "Goal 2", "response": "Practised", "plan": "Weekly", "engagement": "Active"}
    out = text(d, GROUP)
    group_at = out.index("GROUP PART")
    individual_at = out.index("INDIVIDUALIZED PART")
    assert group_at < out.index("Group topic\nAssertiveness") < individual_at
    assert individual_at < out.index("How the client engaged with the group\nActive")
    assert "New stressors, events or issues\n(none)" in out


def test_template_without_plan_section_still_shows_the_plan():
    d = draft()
    d.sections = {"narrative": "Session about sleep."}
    out = text(d, NARRATIVE)
    assert "SESSION NARRATIVE\nSession about sleep." in out
    assert "PLAN\nNext session: 2024-05-08\nHomework: sleep diary" in out


def test_sections_unknown_to_the_template_are_still_signed():
    d = draft()
    d.sections["old_key"] = "Written under another template."
    assert "OLD_KEY\nWritten under another template." in text(d)


def test_content_hash_is_sha256_of_utf8():
    assert content_hash("é\n") == hashlib.sha256("é\n".encode("utf-8")).hexdigest()
    assert len(content_hash("")) == 64


def test_normalise_text():
    assert normalise_text("a \r\nb\rc\u2028d\n\n\n") == "a\nb\nc\nd"
    assert normalise_text("\ud800x") == "\ufffdx"


def test_addendum_hash_is_chained_and_field_sensitive():
    base = ("a" * 64, "Corrected date of next session.", "2024-05-03T09:00", "Dr Ada Lee")
    h = addendum_hash(*base)
    assert h == addendum_hash(*base)
    assert len(h) == 64
    for i, other in enumerate(["b" * 64, "Corrected date of next session!", "2024-05-03T09:01", "Dr Ada Le"]):
        changed = list(base)
        changed[i] = other
        assert addendum_hash(*changed) != h
    # Moving characters between fields must not give the same hash.
    assert addendum_hash("x", "ab", "c", "d") != addendum_hash("x", "a", "bc", "d")
    # Line endings in the body are normalised like note text.
    assert addendum_hash(base[0], "line one\r\nline two", base[2], base[3]) == addendum_hash(
        base[0], "line one\nline two", base[2], base[3]
    )


# --- Markdown export ---------------------------------------------------------------------

_md = MarkdownIt("commonmark")


def rendered_text(markdown: str) -> str:
    """What a reader sees: HTML tags dropped, entities decoded, <br> as newline."""
    out = _md.render(markdown).replace("<br />\n", "\n")
    return html.unescape(re.sub(r"<[^>]+>", "", out))


NASTY = [
    "**bold?** _em_ `code` [link](http://x) ![img](y) <b>tag</b> &amp; \\ | ~~s~~ $x$",
    "# heading?",
    "- list?",
    "+ list?",
    "1. ordered?",
    "2) ordered?",
    "> quote?",
    "=====",
    "---",
    "    four-space code?",
    "trailing backslash\\",
]


@pytest.mark.parametrize("value", NASTY)
def test_markdown_escaping_shows_user_text_literally(value):
    shown = rendered_text(escape_markdown(value)).strip("\n")
    assert shown.replace("\u00a0", " ") == value.replace("\t", "    ")


_gfm = MarkdownIt("gfm-like", {"linkify": False})  # tables and ~~strikethrough~~ as GitHub reads them


@pytest.mark.parametrize("value", [*NASTY, "a | b\n--- | ---", "| a |\n|---|", "x ~~struck~~ y", "~one~ two",
                                   "$x$ and $y$", "[label]: http://x", "[ ] task?", "_ _ _", "&copy; &#169;",
                                   "<http://x>", "<!-- hidden -->", "![img](http://tracker/x.png)"])
def test_markdown_escaping_holds_for_github_flavoured_readers(value):
    shown = html.unescape(re.sub(r"<[^>]+>", "", _gfm.render(escape_markdown(value)).replace("<br />\n", "\n")))
    assert "<table" not in _gfm.render(escape_markdown(value)) and "<s>" not in _gfm.render(escape_markdown(value))
    assert [line.strip() for line in shown.split("\n") if line.strip()] == [
        line.strip() for line in value.split("\n") if line.strip()]


@pytest.mark.parametrize(("value", "raw"), [
    ("(none)", "(none)"), ("~ 5 hours, felt tired", "~ 5 hours, felt tired"), ("Score 12 (moderate); -2 since last",
     "Score 12 (moderate); -2 since last"), ("snake_case and 3 * 4 = 12", "snake_case and 3 * 4 = 12"),
    ("C:\\Users\\dana", "C:\\Users\\dana"), ("I <3 it & more", "I <3 it & more"), ("well... ok!", "well... ok!"),
    ("see [1] and (2)", "see [1] and (2)"), ("UTC+01:00 # 5", "UTC+01:00 # 5"),
])
def test_markdown_escapes_only_what_markdown_would_read(value, raw):
    """A records clerk reads the file raw: no backslash where Markdown would not act."""
    assert escape_markdown(value) == raw


def test_markdown_keeps_line_breaks():
    assert rendered_text(escape_markdown("one\n# two\n\nthree")).strip() == "one\n# two\nthree"


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("ab *_`#-+=>.)1[]()<>&\\!|~$ \n")), max_size=40))
def test_markdown_escaping_property(value):
    expected = [line.strip() for line in normalise_text(value).split("\n") if line.strip()]
    shown = [line.strip() for line in rendered_text(escape_markdown(value)).split("\n") if line.strip()]
    assert shown == expected


def test_render_markdown_note():
    d = draft()
    d.sections["objective"] = "Tearful; said *everything* is <awful>."
    md = render_markdown(d, SOAP, **SIGN)
    assert md.startswith("# Progress note (SOAP)\n")
    assert "\n## Objective\n" in md
    assert "Tearful; said \\*everything* is \\<awful>." in md  # only the opener and the tag start
    assert "- Client: C\\-0007" not in md  # hyphen inside a line needs no escape
    assert "- Client: C-0007" in md
    shown = rendered_text(md)
    assert "Tearful; said *everything* is <awful>." in shown
    assert "Denies SI, HI and self-harm. Risk level: low." in shown
    assert md == render_markdown(d, SOAP, **SIGN)


def test_render_markdown_late_entry():
    md = render_markdown(draft(), SOAP, **{**SIGN, "late_entry": True})
    assert "**LATE ENTRY**" in md
    assert rendered_text(md).rstrip().endswith("LATE ENTRY: signed more than 24 hours after the session.")
