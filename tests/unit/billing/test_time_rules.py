"""CPT time rules at every boundary minute (AMA CPT 2024 psychotherapy guidelines)."""

import pytest

from tui.domain.billing import (
    BillingError,
    BillingLine,
    crisis_units,
    psychotherapy_code_for,
    suggest_billing,
    suggest_cpt,
)


# Every minute on each side of each boundary, and the far ends.
@pytest.mark.parametrize("minutes,code", [
    (0, None), (1, None), (15, None),
    (16, "90832"), (17, "90832"), (30, "90832"), (37, "90832"),
    (38, "90834"), (39, "90834"), (45, "90834"), (52, "90834"),
    (53, "90837"), (54, "90837"), (60, "90837"), (90, "90837"), (480, "90837"),
])
def test_individual_psychotherapy_by_minutes(minutes, code):
    assert psychotherapy_code_for(minutes) == code
    found = suggest_billing(minutes)
    assert found.primary == code
    assert found.codes == ((code,) if code else ())
    assert suggest_cpt(minutes, "individual").code == code


@pytest.mark.parametrize("minutes,code", [
    (15, None), (16, "90833"), (37, "90833"), (38, "90836"), (52, "90836"), (53, "90838"),
])
def test_psychotherapy_with_em_uses_the_add_on_codes_at_the_same_boundaries(minutes, code):
    assert psychotherapy_code_for(minutes, with_em=True) == code
    assert suggest_billing(minutes, with_em=True).primary == code


def test_with_em_says_it_is_an_add_on():
    assert "add-on to the E/M" in suggest_billing(45, with_em=True).reason


@pytest.mark.parametrize("minutes,reason_has", [(15, "16"), (16, "16–37"), (38, "38–52"), (53, "53 or more")])
def test_the_reason_names_the_range(minutes, reason_has):
    assert reason_has in suggest_billing(minutes).reason


# Psychotherapy for crisis: < 30 by time; 90839 30–74; +90840 per further 30 (75–104 one,
# 105–134 two, 135–164 three).
@pytest.mark.parametrize("minutes,units", [
    (0, (0, 0)), (29, (0, 0)),
    (30, (1, 0)), (31, (1, 0)), (60, (1, 0)), (74, (1, 0)),
    (75, (1, 1)), (76, (1, 1)), (104, (1, 1)),
    (105, (1, 2)), (106, (1, 2)), (134, (1, 2)),
    (135, (1, 3)), (164, (1, 3)), (165, (1, 4)),
])
def test_crisis_units_at_every_boundary(minutes, units):
    assert crisis_units(minutes) == units


@pytest.mark.parametrize("minutes,lines", [
    (30, (BillingLine("90839"),)),
    (74, (BillingLine("90839"),)),
    (75, (BillingLine("90839"), BillingLine("90840", 1))),
    (104, (BillingLine("90839"), BillingLine("90840", 1))),
    (105, (BillingLine("90839"), BillingLine("90840", 2))),
    (134, (BillingLine("90839"), BillingLine("90840", 2))),
    (135, (BillingLine("90839"), BillingLine("90840", 3))),
])
def test_crisis_lines(minutes, lines):
    found = suggest_billing(minutes, crisis=True)
    assert found.lines == lines
    assert "crisis" in found.reason


@pytest.mark.parametrize("minutes,code", [(0, None), (15, None), (16, "90832"), (29, "90832")])
def test_crisis_under_30_minutes_is_psychotherapy_by_time(minutes, code):
    found = suggest_billing(minutes, crisis=True)
    assert found.primary == code
    assert "90839" not in found.codes


def test_crisis_with_the_family_is_still_crisis():
    assert suggest_billing(60, "family", crisis=True).codes == ("90839",)


def test_crisis_in_a_group_is_refused():
    with pytest.raises(BillingError, match="not a group"):
        suggest_billing(60, "group", crisis=True)


@pytest.mark.parametrize("minutes,code", [(0, None), (25, None), (26, "90847"), (27, "90847"), (50, "90847"), (120, "90847")])
def test_family_with_the_client_at_the_26_minute_boundary(minutes, code):
    assert suggest_billing(minutes, "family").primary == code
    assert suggest_billing(minutes, "couple").primary == code


@pytest.mark.parametrize("minutes,code", [(25, None), (26, "90846"), (50, "90846")])
def test_family_without_the_client(minutes, code):
    assert suggest_billing(minutes, "family", patient_present=False).primary == code


@pytest.mark.parametrize("minutes", [0, 5, 15, 16, 60, 200])
def test_group_and_intake_have_no_time_rule(minutes):
    assert suggest_billing(minutes, "group").codes == ("90853",)
    assert suggest_billing(minutes, intake=True).codes == ("90791",)


def test_intake_and_crisis_together_is_refused():
    with pytest.raises(BillingError, match="intake"):
        suggest_billing(60, intake=True, crisis=True)


@pytest.mark.parametrize("kw", [dict(intake=True), dict(crisis=True), dict(modality="group"), dict(modality="family")])
def test_with_em_is_individual_psychotherapy_only(kw):
    modality = kw.pop("modality", "individual")
    with pytest.raises(BillingError, match="individual psychotherapy only"):
        suggest_billing(45, modality, with_em=True, **kw)


@pytest.mark.parametrize("bad", [-1, 45.0, True, "45", None])
def test_minutes_must_be_whole_and_not_negative(bad):
    with pytest.raises(BillingError):
        suggest_billing(bad)
    with pytest.raises(BillingError):
        crisis_units(bad)
    with pytest.raises(BillingError):
        psychotherapy_code_for(bad)


def test_unknown_modality_is_refused_with_the_choices():
    with pytest.raises(BillingError, match="individual, couple, family, group"):
        suggest_billing(45, "[red]x[/]")
