"""The [practice] table and the clinician's licence and NPI: what exports print around the
signed text. A mistyped NPI stops start-up with its line, like every other bad setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import EXAMPLE_CONFIG, ConfigError, load_config
from tui.domain.identifiers import luhn_check_digit, npi_problem


def load(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(tmp_path, path)


def test_practice_and_clinician_header_load(tmp_path):
    config = load(tmp_path, '[clinician]\nname = "Dana Reyes"\ncredentials = "LCSW"\nlicence_number = " LCSW 12345 (CA) "\n'
                            'npi = "1234567893"\n[practice]\nname = "Riverside Counselling"\n'
                            'address = """\n12 Main St\n  Springfield, IL 62701\n"""\nphone = "555-0100"\n')
    assert (config.licence_number, config.npi, config.practice_name, config.practice_address, config.practice_phone) == (
        "LCSW 12345 (CA)", "1234567893", "Riverside Counselling", "12 Main St\nSpringfield, IL 62701", "555-0100")
    assert config.letterhead.lines() == [
        "Riverside Counselling", "12 Main St", "Springfield, IL 62701", "Phone 555-0100",
        "Dana Reyes, LCSW · Licence LCSW 12345 (CA) · NPI 1234567893"]


def test_us_spelling_is_the_same_setting(tmp_path):
    assert load(tmp_path, '[clinician]\nlicense_number = "PSY 999"\n').licence_number == "PSY 999"
    with pytest.raises(ConfigError, match="line 3: licence_number and license_number are the same setting"):
        load(tmp_path, '[clinician]\nlicence_number = "A"\nlicense_number = "B"\n')


def test_nothing_set_prints_no_header(tmp_path):
    config = load(tmp_path, "")
    assert config.letterhead.lines() == []
    assert load(tmp_path, '[clinician]\nname = "Dana Reyes"\n').letterhead.lines() == ["Dana Reyes"]


@pytest.mark.parametrize(("text", "line", "words"), [
    ('[clinician]\nnpi = "1234567890"\n', 2, "NPI 1234567890 fails its check digit (the last digit should be 3"),
    ('[clinician]\n\nnpi = "12345"\n', 3, "an NPI is 10 digits, got '12345'"),
    ('[clinician]\nnpi = "１２３４５６７８９３"\n', 2, "an NPI is 10 digits"),  # full-width digits are not digits here
    ('[clinician]\nnpi = 1234567893\n', 2, "'npi' must be text in quotes"),
    ('[practice]\nname = "Riverside\\u001b[2J"\n', 2, "'name' contains ESC"),
    ('[practice]\naddress = "12 Main St\\n\\u202eSpringfield"\n', 2, "'address' contains U+202E"),
    ('[practice]\nfax = "555"\n', 2, "unknown setting 'fax' in [practice]"),
    ('[clinician]\nlicence_number = "A\\tB"\n', 2, "contains a tab or line break"),
])
def test_bad_header_settings_are_refused_with_their_line(tmp_path, text, line, words):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert f"{tmp_path / 'config.toml'}, line {line}:" in str(caught.value)
    assert words in str(caught.value)


def test_npi_check_digit_follows_cms():
    # CMS's worked example: 123456789 -> prefix 80840 -> check digit 3.
    assert luhn_check_digit("80840123456789") == 3
    assert npi_problem("1234567893") == ""
    for digit in "0124567889":
        assert npi_problem("123456789" + digit)  # every other last digit fails
    assert npi_problem("1234567839")  # two digits swapped


def test_the_example_config_loads_and_documents_the_header(tmp_path):
    config = load(tmp_path, EXAMPLE_CONFIG)
    assert config.letterhead.lines() == []
    for words in ("[practice]", "licence_number", "npi", "address", "phone"):
        assert words in EXAMPLE_CONFIG
