"""Interactive complexity (+90785), place of service and telehealth modifiers."""

import pytest

from tui.domain.billing import (
    DEFAULT_TELEHEALTH_MODIFIERS,
    PLACES_OF_SERVICE,
    BillingError,
    BillingLine,
    place_of_service,
    place_of_service_for,
    suggest_billing,
    telehealth_modifier,
)


# --- +90785 -----------------------------------------------------------------------------

@pytest.mark.parametrize("kw,primary", [
    (dict(duration_min=60, intake=True), "90791"),
    (dict(duration_min=16), "90832"),
    (dict(duration_min=38), "90834"),
    (dict(duration_min=53), "90837"),
    (dict(duration_min=16, with_em=True), "90833"),
    (dict(duration_min=38, with_em=True), "90836"),
    (dict(duration_min=53, with_em=True), "90838"),
    (dict(duration_min=90, modality="group"), "90853"),
])
def test_interactive_complexity_is_added_where_cpt_allows_it(kw, primary):
    found = suggest_billing(interactive_complexity=True, **kw)
    assert found.codes == (primary, "90785")
    assert found.note == ""


@pytest.mark.parametrize("kw,primary", [
    (dict(duration_min=50, modality="family"), "90847"),
    (dict(duration_min=50, modality="family", patient_present=False), "90846"),
    (dict(duration_min=60, crisis=True), "90839"),
    (dict(duration_min=90, crisis=True), "90839"),
])
def test_interactive_complexity_is_never_added_to_family_or_crisis_codes(kw, primary):
    found = suggest_billing(interactive_complexity=True, **kw)
    assert found.primary == primary
    assert "90785" not in found.codes
    assert "90785" in found.note and "cannot be reported" in found.note


def test_crisis_under_30_minutes_billed_by_time_still_gets_no_interactive_complexity():
    found = suggest_billing(20, crisis=True, interactive_complexity=True)
    assert found.codes == ("90832",)
    assert "crisis" in found.note


def test_interactive_complexity_without_a_primary_code_says_so():
    found = suggest_billing(10, interactive_complexity=True)
    assert found.codes == ()
    assert "needs a primary code" in found.note


def test_interactive_complexity_only_when_marked():
    assert suggest_billing(45).codes == ("90834",)


# --- place of service -------------------------------------------------------------------

def test_the_place_of_service_table():
    assert {code: (p.name, p.telehealth) for code, p in PLACES_OF_SERVICE.items()} == {
        "02": ("Telehealth provided other than in patient's home", True),
        "03": ("School", False),
        "10": ("Telehealth provided in patient's home", True),
        "11": ("Office", False),
        "12": ("Home", False),
        "99": ("Other place of service", False),
    }


@pytest.mark.parametrize("typed,code", [("11", "11"), (" 02 ", "02"), ("2", "02"), (10, "10"), (3, "03")])
def test_place_of_service_is_read_leniently(typed, code):
    assert place_of_service(typed).code == code


@pytest.mark.parametrize("bad", ["", "1", "13", "021", "office", "[red]11[/]", "\x1b[31m11"])
def test_unknown_place_of_service_is_refused_with_the_table(bad):
    with pytest.raises(BillingError, match="02 Telehealth"):
        place_of_service(bad)


@pytest.mark.parametrize("setting,at_home,code", [
    ("telehealth", True, "10"), ("telehealth", False, "02"),
    ("in person", False, "11"), ("in person", True, "12"), (" Telehealth ", True, "10"),
])
def test_usual_place_of_service_for_a_session(setting, at_home, code):
    assert place_of_service_for(setting, client_at_home=at_home).code == code


def test_unknown_setting_is_refused():
    with pytest.raises(BillingError, match="in person"):
        place_of_service_for("phone", client_at_home=True)


# --- telehealth modifiers ---------------------------------------------------------------

def test_cms_defaults_95_video_93_audio_only():
    assert dict(DEFAULT_TELEHEALTH_MODIFIERS) == {"video": "95", "audio-only": "93"}
    assert telehealth_modifier("video") == "95"
    assert telehealth_modifier("audio-only") == "93"
    assert telehealth_modifier("Audio only") == "93"
    assert telehealth_modifier("audio") == "93"


def test_a_payer_mapping_overrides_the_defaults():
    payer = {"video": "gt", "audio-only": ""}
    assert telehealth_modifier("video", payer) == "GT"
    assert telehealth_modifier("audio-only", payer) == ""  # this payer wants no modifier


def test_a_mode_the_payer_does_not_name_keeps_the_cms_default():
    assert telehealth_modifier("audio-only", {"video": "GT"}) == "93"


@pytest.mark.parametrize("payer,match", [
    ({"video": "955"}, "two letters or digits"),
    ({"video": "9"}, "two letters or digits"),
    ({"video": "[b]"}, "two letters or digits"),
    ({"video": 95}, "must be text"),
    ({"hologram": "95"}, "Unknown telehealth mode"),
])
def test_a_bad_payer_mapping_is_refused(payer, match):
    with pytest.raises(BillingError, match=match):
        telehealth_modifier("video", payer)


def test_unknown_mode_is_refused():
    with pytest.raises(BillingError, match="video or audio-only"):
        telehealth_modifier("fax")


def test_the_modifier_goes_on_every_line():
    found = suggest_billing(90, crisis=True, telehealth="video")
    assert found.lines == (BillingLine("90839", 1, ("95",)), BillingLine("90840", 1, ("95",)))
    found = suggest_billing(45, telehealth="audio-only", interactive_complexity=True)
    assert [line.label() for line in found.lines] == ["90834-93", "90785-93"]


def test_no_modifier_in_person_or_when_the_payer_wants_none():
    assert suggest_billing(45).lines == (BillingLine("90834"),)
    assert suggest_billing(45, telehealth="video", modifiers={"video": ""}).lines == (BillingLine("90834"),)


def test_line_label_and_description():
    line = BillingLine("90840", 2, ("95",))
    assert line.label() == "90840-95 x2"
    assert "crisis" in line.description
