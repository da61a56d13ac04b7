import pytest

from tui.domain.billing import CptSuggestion, suggest_cpt


@pytest.mark.parametrize(
    "minutes,code",
    [(16, "90832"), (37, "90832"), (38, "90834"), (52, "90834"), (53, "90837"), (90, "90837")],
)
def test_individual_codes_by_duration(minutes, code):
    assert suggest_cpt(minutes, "individual").code == code


@pytest.mark.parametrize("minutes", [0, 10, 15])
def test_under_16_minutes_has_no_code_and_says_why(minutes):
    suggestion = suggest_cpt(minutes, "individual")
    assert suggestion.code is None
    assert "16" in suggestion.reason


@pytest.mark.parametrize("minutes", [10, 45, 90])
def test_group_is_90853(minutes):
    assert suggest_cpt(minutes, "group").code == "90853"


def test_family_with_patient_present_is_90847():
    assert suggest_cpt(50, "family").code == "90847"
    assert suggest_cpt(26, "family").code == "90847"


def test_family_without_patient_is_90846():
    assert suggest_cpt(50, "family", patient_present=False).code == "90846"


def test_couple_is_billed_as_conjoint_family():
    suggestion = suggest_cpt(50, "couple")
    assert suggestion.code == "90847"
    assert "couple" in suggestion.reason


def test_short_family_session_has_no_code():
    suggestion = suggest_cpt(25, "family")
    assert suggestion.code is None
    assert "26" in suggestion.reason


@pytest.mark.parametrize("modality", ["individual", "family", "group", "couple"])
def test_intake_is_90791_whatever_the_modality(modality):
    assert suggest_cpt(60, modality, intake=True) == CptSuggestion(
        "90791", "Psychiatric diagnostic evaluation (intake)"
    )


def test_modality_is_read_leniently():
    assert suggest_cpt(45, " Individual ").code == "90834"


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="Unknown modality"):
        suggest_cpt(45, "hypnosis")
    with pytest.raises(ValueError, match="negative"):
        suggest_cpt(-5, "individual")
    with pytest.raises(ValueError, match="whole minutes"):
        suggest_cpt(45.5, "individual")
