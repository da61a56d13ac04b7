import pytest

from tui.domain.shorthand import Category, parse_jotting
from tui.domain.templates import (
    BIRP,
    BUILTIN_TEMPLATES,
    DAP,
    GIRP,
    GROUP,
    NARRATIVE,
    SOAP,
    SectionSpec,
    Template,
    offer_jottings,
    template_from_config,
    templates_with,
)

C = Category


def layout(template):
    return [(s.key, s.required, s.feeds) for s in template.sections]


def test_builtin_registry():
    assert set(BUILTIN_TEMPLATES) == {"soap", "dap", "birp", "girp", "narrative", "group", "intake", "discharge"}
    for key, template in BUILTIN_TEMPLATES.items():
        assert template.key == key
        assert template.group is (key == "group")


def test_soap():
    assert SOAP.name == "SOAP"
    assert layout(SOAP) == [
        ("subjective", True, {C.QUOTE}),
        ("objective", True, {C.OBSERVATION}),
        ("assessment", True, {C.THEME, C.RESPONSE}),
        ("plan", True, {C.HOMEWORK, C.QUESTION}),
    ]
    assert [s.title for s in SOAP.sections] == ["Subjective", "Objective", "Assessment", "Plan"]


def test_dap():
    assert layout(DAP) == [
        ("data", True, {C.QUOTE, C.OBSERVATION}),
        ("assessment", True, {C.THEME, C.RESPONSE}),
        ("plan", True, {C.HOMEWORK, C.QUESTION}),
    ]


def test_birp():
    assert layout(BIRP) == [
        ("behavior", True, {C.QUOTE, C.OBSERVATION}),
        ("intervention", True, {C.INTERVENTION}),
        ("response", True, {C.RESPONSE}),
        ("plan", True, {C.HOMEWORK, C.QUESTION}),
    ]


def test_girp():
    assert layout(GIRP) == [
        ("goals", True, {C.GOAL}),
        ("intervention", True, {C.INTERVENTION}),
        ("response", True, {C.RESPONSE, C.QUOTE, C.OBSERVATION}),
        ("plan", True, {C.HOMEWORK, C.QUESTION}),
    ]


def test_narrative():
    assert layout(NARRATIVE) == [
        (
            "narrative",
            True,
            {C.QUOTE, C.OBSERVATION, C.INTERVENTION, C.RESPONSE, C.THEME, C.HOMEWORK, C.QUESTION},
        )
    ]


def test_group_has_a_shared_part_and_an_individualized_part():
    assert GROUP.group is True
    assert [(s.key, s.required, s.feeds) for s in GROUP.group_sections] == [
        ("topic", True, {C.THEME}),
        ("group_interventions", True, {C.INTERVENTION}),
        ("dynamics", True, frozenset()),
    ]
    for spec in GROUP.group_sections:
        assert "Name no member" in spec.prompt
    assert [(s.key, s.title, s.required) for s in GROUP.member_sections] == [
        ("new_issues", "New stressors, events or issues", False),
        ("goals_addressed", "Goals and objectives addressed", True),
        ("response", "Client's response to interventions", True),
        ("plan", "Plan", True),
        ("engagement", "How the client engaged with the group", True),
        ("group_response", "How the group responded to the client", False),
        ("influence", "How each influenced the other", False),
    ]
    assert len(GROUP.group_sections) + len(GROUP.member_sections) == len(GROUP.sections)


@pytest.mark.parametrize("template", list(BUILTIN_TEMPLATES.values()), ids=list(BUILTIN_TEMPLATES))
def test_no_template_asks_for_private_jottings(template):
    for spec in template.sections:
        assert C.PRIVATE not in spec.feeds
        assert spec.prompt  # every section tells the clinician what goes there


@pytest.mark.parametrize("template", [SOAP, DAP, BIRP, GIRP, NARRATIVE], ids=lambda t: t.key)
def test_homework_and_questions_go_to_plan(template):
    fed = [s.key for s in template.sections if C.HOMEWORK in s.feeds and C.QUESTION in s.feeds]
    assert fed == (["narrative"] if template is NARRATIVE else ["plan"])


def test_section_lookup():
    assert SOAP.section("plan").title == "Plan"
    assert tuple(s.key for s in SOAP.sections if s.required) == ("subjective", "objective", "assessment", "plan")
    with pytest.raises(KeyError):
        SOAP.section("nope")


def test_spec_refuses_private_feed_and_bad_part():
    with pytest.raises(ValueError, match="private"):
        SectionSpec("x", "X", feeds=frozenset({C.PRIVATE}))
    with pytest.raises(ValueError, match="part"):
        SectionSpec("x", "X", part="elsewhere")
    with pytest.raises(ValueError, match="duplicate section keys: a"):
        Template("t", "T", (SectionSpec("a", "A"), SectionSpec("a", "A again")))


# --- custom templates -------------------------------------------------------------

CUSTOM = {
    "name": "Brief check-in",
    "sections": [
        {"title": "Presenting concerns", "prompt": "Why today", "required": True, "feeds": ["quote", "Observation"]},
        {"key": "next", "title": "Next steps", "feeds": ["homework"]},
    ],
}


def test_template_from_config():
    t = template_from_config("checkin", CUSTOM)
    assert t.key == "checkin"
    assert t.name == "Brief check-in"
    assert t.group is False
    assert layout(t) == [
        ("presenting_concerns", True, {C.QUOTE, C.OBSERVATION}),
        ("next", False, {C.HOMEWORK}),
    ]
    assert t.sections[0].prompt == "Why today"
    assert t.sections[1].prompt == ""


def test_group_template_from_config_needs_parts():
    t = template_from_config(
        "dbt_group",
        {
            "group": True,
            "sections": [
                {"title": "Skill taught", "part": "group", "required": True},
                {"title": "Skill practice"},
            ],
        },
    )
    assert t.group is True
    assert [s.part for s in t.sections] == ["group", "member"]
    assert t.name == "dbt_group"


@pytest.mark.parametrize(
    "key,table,message",
    [
        ("Bad Key", CUSTOM, "must be lower-case"),
        ("t", [], "expected a table"),
        ("t", {"sections": []}, "non-empty list"),
        ("t", {"name": "", "sections": CUSTOM["sections"]}, "name must be non-empty"),
        ("t", {"sections": CUSTOM["sections"], "colour": "red"}, "unknown setting"),
        ("t", {"group": "yes", "sections": CUSTOM["sections"]}, "group must be true or false"),
        ("t", {"sections": ["Subjective"]}, "section 1: expected a table"),
        ("t", {"sections": [{"prompt": "x"}]}, "section 1: title must be non-empty"),
        ("t", {"sections": [{"title": "A", "feeds": ["feelings"]}]}, "section 1 \\('A'\\): unknown category 'feelings'"),
        ("t", {"sections": [{"title": "A", "feeds": ["private"]}]}, "private jottings never feed"),
        ("t", {"sections": [{"title": "A", "feeds": "quote"}]}, "feeds must be a list"),
        ("t", {"sections": [{"title": "A", "required": "yes"}]}, "required must be true or false"),
        ("t", {"sections": [{"title": "A", "prompt": 3}]}, "prompt must be text"),
        ("t", {"sections": [{"title": "???"}]}, "cannot make a section key"),
        ("t", {"sections": [{"title": "A", "size": 3}]}, "unknown setting"),
        ("t", {"sections": [{"title": "A"}, {"title": "a"}]}, "duplicate section keys"),
        ("t", {"sections": [{"title": "A", "part": "group"}]}, "part must be note"),
        ("t", {"group": True, "sections": [{"title": "A", "part": "note"}]}, "part must be group or member"),
    ],
)
def test_template_from_config_errors(key, table, message):
    with pytest.raises(ValueError, match=message):
        template_from_config(key, table)


def test_templates_with_adds_and_overrides():
    mine = template_from_config("soap", {"name": "My SOAP", "sections": [{"title": "S"}]})
    merged = templates_with({"checkin": CUSTOM, "soap": mine})
    assert merged["checkin"].name == "Brief check-in"
    assert merged["soap"].name == "My SOAP"
    assert merged["dap"] is DAP
    assert BUILTIN_TEMPLATES["soap"] is SOAP  # built-ins untouched
    assert templates_with(None) == BUILTIN_TEMPLATES


def test_templates_with_reports_bad_custom_template():
    with pytest.raises(ValueError, match="template 'bad'"):
        templates_with({"bad": {"sections": [{"title": "A", "feeds": ["nope"]}]}})


# --- offering jottings --------------------------------------------------------------

JOTTINGS = [
    parse_jotting(t)
    for t in [
        "~ feel protective of her",
        "o tearful",
        "plain remark",
        '" I can\'t sleep',
        "! denies SI",
        "hw sleep diary",
        '" work is awful',
    ]
]


def test_feeding_jottings_come_first_risk_next_private_last():
    ordered = [o.jotting for o in offer_jottings(JOTTINGS, SOAP.section("subjective"))]
    assert [j.text for j in ordered] == [
        '" I can\'t sleep',
        '" work is awful',
        "! denies SI",
        "o tearful",
        "plain remark",
        "hw sleep diary",
        "~ feel protective of her",
    ]


def test_offers_are_flagged_and_private_is_not_carryable():
    offers = offer_jottings(JOTTINGS, SOAP.section("plan"))
    assert [(o.jotting.text, o.feeds, o.carryable) for o in offers] == [
        ("hw sleep diary", True, True),
        ("! denies SI", False, True),
        ("o tearful", False, True),
        ("plain remark", False, True),
        ('" I can\'t sleep', False, True),
        ('" work is awful', False, True),
        ("~ feel protective of her", False, False),
    ]
