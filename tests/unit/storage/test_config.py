"""TOML settings: defaults when absent; a bad file names itself and the line, and stops."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tui.config import (
    ENV_HOME,
    EXAMPLE_CONFIG,
    Config,
    ConfigError,
    default_config_path,
    default_profile_dir,
    load_config,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load(tmp_path: Path, text: str) -> Config:
    return load_config(tmp_path, write(tmp_path, text))


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    assert "Hushpad did not start" in message or "cannot be read" in message
    return message


def test_defaults_when_the_file_is_missing(tmp_path):
    config = load_config(tmp_path, tmp_path / "absent.toml")
    assert config == Config(profile_dir=tmp_path, config_path=tmp_path / "absent.toml")
    assert (config.default_template, config.idle_lock_minutes, config.theme) == ("SOAP", 10.0, "hushpad-dusk")
    assert config.show_client_names is False and config.signer == "clinician"


def test_the_example_config_loads_as_the_defaults(tmp_path):
    config = load(tmp_path, EXAMPLE_CONFIG)
    assert config.idle_lock_minutes == 10 and config.theme == "hushpad-dusk" and config.clinician_name == ""


def test_values_are_applied(tmp_path):
    config = load(tmp_path, """
        [clinician]
        name = "Dana Reyes"
        credentials = "LCSW"
        [privacy]
        idle_lock_minutes = 2.5
        show_client_names = true
        [appearance]
        theme = "hushpad-paper"
        [shorthand.abbreviations]
        "ACT" = "acceptance and commitment therapy"
        [keys]
        "scratchpad.curtain" = "f2"
    """)
    assert config.signer == "Dana Reyes" and config.credentials == "LCSW"
    assert config.idle_lock_minutes == 2.5 and config.show_client_names is True
    assert config.theme == "hushpad-paper"
    assert config.abbreviations == {"ACT": "acceptance and commitment therapy"}
    assert config.keymap == {"scratchpad.curtain": "f2"}


def test_bad_toml_names_the_file_and_line(tmp_path):
    message = error_for(tmp_path, """
        [clinician]
        name = "Dana"
        credentials = LCSW
    """)
    assert str(tmp_path / "config.toml") in message
    assert "line 3" in message


@pytest.mark.parametrize(
    "text, line, words",
    [
        ('[clinician]\nname = "x"\n\n[privacy]\nidle_lock_minutes = "ten"\n', 5, "must be a number"),
        ("[privacy]\nshow_client_names = 1\n", 2, "true or false"),
        ("[privacy]\npaste_limit_kb = 1.5\n", 2, "whole number"),
        ("[privacy]\nidle_lock_minutes = true\n", 2, "not true/false"),
        ("[clinician]\nname = 42\n", 2, "text in quotes"),
        ("# comment\n[appearance]\ntheme = \"neon\"\n", 3, "theme must be one of"),
        ("[privacy]\n\ncurtain_minutes = 0\n", 3, "between 0 and 1440"),
        ("[privacy]\nidle_lock_minutes = 100000\n", 2, "between 0 and 1440"),
        ("[privacy]\npaste_limit_kb = 0\n", 2, "at least 1"),
    ],
)
def test_wrong_types_and_values_name_the_file_and_line(tmp_path, text, line, words):
    message = error_for(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'config.toml'}, line {line}:"), message
    assert words in message


def test_an_unknown_section_is_refused_with_its_line(tmp_path):
    message = error_for(tmp_path, '[clinician]\nname = "x"\n\n[privcy]\nidle_lock_minutes = 5\n')
    assert "line 4" in message and "unknown section [privcy]" in message


def test_an_unknown_setting_is_refused_with_its_line(tmp_path):
    message = error_for(tmp_path, "[privacy]\nidle_lock_minutes = 5\nidle_lock_minuets = 6\n")
    assert "line 3" in message and "unknown setting 'idle_lock_minuets' in [privacy]" in message


def test_bad_shorthand_and_keys_tables_are_refused(tmp_path):
    assert "non-empty strings" in error_for(tmp_path, '[shorthand.markers]\nintervention = ">"\n')
    assert "must be text" in error_for(tmp_path, '[shorthand.abbreviations]\nACT = 3\n')
    assert "key name" in error_for(tmp_path, '[keys]\n"scratchpad.curtain" = ""\n')


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"[clinician]\nname = \"\xff\xfe\"\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, path)
    assert str(path) in str(info.value) and "cannot be read" in str(info.value)


def test_profile_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_HOME, str(tmp_path / "env"))
    assert default_profile_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert default_profile_dir(None) == tmp_path / "env"
    assert default_config_path(tmp_path / "env", explicit_profile=False) == tmp_path / "env" / "config.toml"
    monkeypatch.delenv(ENV_HOME)
    platform_dir = default_profile_dir(None)
    assert platform_dir.is_absolute() and "hushpad" in str(platform_dir)
    assert default_config_path(tmp_path, explicit_profile=True) == tmp_path / "config.toml"


def test_an_explicit_profile_reads_its_own_config(tmp_path):
    (tmp_path / "config.toml").write_text('[clinician]\nname = "In Profile"\n')
    assert load_config(tmp_path, explicit_profile=True).clinician_name == "In Profile"


def test_the_line_is_the_one_in_the_right_section(tmp_path):
    """A key of the same name in an earlier section must not be the line reported."""
    message = error_for(tmp_path, '[shorthand.abbreviations]\n"theme" = "a theme"\n\n[appearance]\ntheme = "neon"\n')
    assert "line 5" in message


def test_a_setting_where_a_section_belongs_is_refused_with_its_line(tmp_path):
    message = error_for(tmp_path, 'shorthand = 3\n')
    assert "line 1" in message and "must be a section" in message
    assert "must be a section" in error_for(tmp_path, '\nkeys = "f2"\n')


def test_a_bad_marker_table_points_at_its_header(tmp_path):
    message = error_for(tmp_path, '[clinician]\nname = "x"\n[shorthand.markers]\nintervention = [""]\n')
    assert "line 3" in message


def test_the_intervention_pick_list_is_configurable(tmp_path):
    from tui.config import load_config

    (tmp_path / "config.toml").write_text('[notes]\ninterventions = ["EMDR", " Schema therapy "]\n')
    assert load_config(tmp_path, explicit_profile=True).interventions == ("EMDR", "Schema therapy")


def test_a_bad_intervention_list_names_the_line(tmp_path):
    import pytest

    from tui.config import ConfigError, load_config

    (tmp_path / "config.toml").write_text('[notes]\n\ninterventions = ["EMDR", 3]\n')
    with pytest.raises(ConfigError, match=r"config.toml, line 3: 'interventions' must be a list"):
        load_config(tmp_path, explicit_profile=True)
    (tmp_path / "config.toml").write_text('[notes]\ninterventions = "EMDR"\n')
    with pytest.raises(ConfigError, match=r"line 2: 'interventions' must be a list"):
        load_config(tmp_path, explicit_profile=True)
