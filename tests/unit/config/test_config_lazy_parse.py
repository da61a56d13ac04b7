"""What load_config no longer parses at start (issue 14, cheaper first paint) is exactly what
cannot be wrong: tables the file does not set, a built-in default_template, names with no
character clean_line would change. Everything the file does set is still checked at start
with its line (test_config_refusals.py), and what is built later is what would have been
built then."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from tui.config import BUILTIN_TEMPLATE_KEYS, EXAMPLE_CONFIG, ConfigError, load_config
from tui.domain.one_line import clean_line
from tui.domain.shorthand import ShorthandRules
from tui.domain.templates import BUILTIN_TEMPLATES, templates_with


def load(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(tmp_path, path)


def test_the_built_in_template_keys_are_the_templates_modules():
    assert BUILTIN_TEMPLATE_KEYS == {key.lower() for key in BUILTIN_TEMPLATES}


@pytest.mark.parametrize("name", sorted(BUILTIN_TEMPLATE_KEYS) + ["SOAP", "Dap", "INTAKE"])
def test_a_built_in_default_template_loads_and_resolves(tmp_path, name):
    config = load(tmp_path, f'[notes]\ndefault_template = "{name}"\n')
    assert config.default_template == name
    assert name.lower() in {k.lower() for k in config.note_templates}


def test_an_unknown_default_template_is_refused_as_before_with_the_known_list(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, '[clinician]\nname = "Dana"\n[notes]\ndefault_template = "SOAPP"\n')
    message = str(caught.value)
    known = ", ".join(t.name for t in BUILTIN_TEMPLATES.values())
    assert f"line 4: default_template 'SOAPP' is not a template (known: {known})" in message


def test_rules_and_templates_built_on_first_use_equal_those_parsed_at_start(tmp_path):
    lazy = load(tmp_path, EXAMPLE_CONFIG)
    assert "shorthand" not in vars(lazy) and "note_templates" not in vars(lazy)  # not built at load
    assert lazy.shorthand == ShorthandRules.from_config(None, None, {})
    assert lazy.shorthand is lazy.shorthand  # then built once
    assert lazy.note_templates == templates_with(None) == templates_with({})


def test_the_setup_example_config_loads_as_it_did(tmp_path):
    config = load(tmp_path, EXAMPLE_CONFIG)
    assert (config.default_template, config.billing_payer, config.payer_modifiers, config.fees,
            config.custom_scales, config.keymap) == ("SOAP", "", {}, {}, {}, {})


def test_a_payer_table_is_still_checked_at_start(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, '[billing]\n[billing.payers.acme]\nvideo = "G T"\n')
    assert "line 2: [billing.payers.acme]:" in str(caught.value)


@pytest.mark.parametrize("value", ["", " ", "Dana Reyes", "  Dana   Reyes  ", "LCSW, PhD", string.printable[:95],
                                   "".join(chr(c) for c in range(0x20, 0x7f))])
def test_printable_ascii_is_what_clean_line_never_changes(value):
    """_check_one_line skips clean_line (and its import) for printable ASCII: it must be a
    value clean_line leaves unchanged."""
    assert value.isascii() and value.isprintable()
    assert not clean_line(value).changed


def test_every_single_character_clean_line_would_flag_is_not_printable_ascii():
    for code in range(0x110000):
        ch = chr(code)
        if clean_line(f"a{ch}b").changed or clean_line(ch).changed:
            assert not (ch.isascii() and ch.isprintable()), repr(ch)
