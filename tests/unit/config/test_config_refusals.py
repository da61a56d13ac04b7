"""Config that would start Hushpad half-configured stops it instead, naming the file and line;
and what it parses it parses once, into the domain objects the app uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import PASTE_LIMIT_MAX_KB, ConfigError, load_config


def load(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(tmp_path, path)


@pytest.mark.parametrize(("text", "line", "words"), [
    ('[notes]\ndefault_template = "NOPE"\n', 2, "default_template 'NOPE' is not a template"),
    ('[keys]\n"scratchpad.curtain" = "f2"\n"scratchpad.curtian" = "f3"\n', 3, "no binding called 'scratchpad.curtian'"),
    ('[keys]\n\n"app.lock" = "ctlr+l"\n', 3, "'ctlr' in 'ctlr+l' is not a modifier"),
    ('[keys]\n"app.lock" = "f99"\n', 2, "'f99' is not a key name"),
    ('[keys]\n"app.lock" = ""\n', 2, "must be a key name"),
    ('[keys]\n"app.lock" = 3\n', 2, "must be a key name"),
    (f"[privacy]\npaste_limit_kb = {PASTE_LIMIT_MAX_KB + 1}\n", 2, f"at most {PASTE_LIMIT_MAX_KB}"),
    ("[privacy]\npaste_limit_kb = 99999999999999\n", 2, "at most"),
    ('[clinician]\nname = "Dana \\u001b[31mReyes"\n', 2, "'name' contains ESC"),
    ('[clinician]\ncredentials = "LCSW\\u202e"\n', 2, "'credentials' contains U+202E"),
    ('[clinician]\nname = "Dana\\tReyes"\n', 2, "contains a tab or line break"),
])
def test_half_configured_start_is_refused_with_file_and_line(tmp_path, text, line, words):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert f"{tmp_path / 'config.toml'}, line {line}:" in message
    assert words in message and "Hushpad did not start" in message


def test_good_values_still_load(tmp_path):
    config = load(tmp_path, '[clinician]\nname = "Dana Reyes"\n[notes]\ndefault_template = "followup"\n'
                            '[privacy]\npaste_limit_kb = 2048\n[keys]\n"scratchpad.curtain" = "f2,ctrl+b"\n'
                            '[templates.followup]\nname = "Follow-up"\n[[templates.followup.sections]]\n'
                            'key = "progress"\ntitle = "Progress"\n')
    assert (config.clinician_name, config.paste_limit_kb, config.keymap) == (
        "Dana Reyes", 2048, {"scratchpad.curtain": "f2,ctrl+b"})
    assert config.note_templates["followup"].name == "Follow-up"
    assert load(tmp_path, '[notes]\ndefault_template = "dap"\n').default_template == "dap"


def test_shorthand_and_templates_are_parsed_once_into_domain_objects(tmp_path):
    config = load(tmp_path, '[shorthand.markers]\nintervention = [">", "int:"]\n'
                            '[shorthand.abbreviations]\n"ACT" = "acceptance and commitment therapy"\n')
    rules = config.shorthand
    assert rules is config.shorthand  # the same object every time: parsed at load, not per use
    assert config.note_templates is config.note_templates
    from tui.domain.shorthand import Category, parse_jotting

    assert parse_jotting("int: ACT defusion", rules).category is Category.INTERVENTION


def test_theme_names_come_from_theme_py_without_textual():
    import subprocess
    import sys

    code = ("import sys; from tui.config import load_config; from tui.theme import THEME_NAMES; "
            "assert 'hushpad-dusk' in THEME_NAMES; print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
