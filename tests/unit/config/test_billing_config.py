"""[billing] (issue 13 item 3): the default payer, each payer's telehealth modifiers and the
fee per CPT code. A mistake stops start-up with its line, like every other bad setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import EXAMPLE_CONFIG, ConfigError, load_config
from tui.domain.models import SessionFacts
from tui.domain.session_billing import suggestion_text

PAYERS = '''[billing]
default_payer = "acme"
[billing.payers.acme]
video = "gt"
audio-only = ""
[billing.payers.cms]
video = "95"
[billing.fees]
"90834" = 120
"90837" = 150.50
'''


def load(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(tmp_path, path)


def test_payers_modifiers_and_fees_load(tmp_path):
    config = load(tmp_path, PAYERS)
    assert config.billing_payer == "acme"
    assert config.payer_modifiers == {"acme": {"video": "GT", "audio-only": ""}, "cms": {"video": "95"}}
    assert config.telehealth_modifiers == {"video": "GT", "audio-only": ""}
    assert config.fees == {"90834": 120.0, "90837": 150.5}
    video = SessionFacts(duration_min=53, place_of_service="10", telehealth="video")
    assert suggestion_text(video, config.telehealth_modifiers).startswith("90837-GT (POS 10)")
    audio = SessionFacts(duration_min=53, place_of_service="10", telehealth="audio-only")
    assert suggestion_text(audio, config.telehealth_modifiers).startswith("90837 (POS 10)")  # this payer wants none


def test_no_billing_section_means_the_cms_modifiers(tmp_path):
    config = load(tmp_path, "")
    assert (config.billing_payer, config.telehealth_modifiers, config.fees) == ("", {}, {})
    example = load(tmp_path, EXAMPLE_CONFIG)
    assert example.telehealth_modifiers == {} and "[billing]" in EXAMPLE_CONFIG and "[billing.fees]" in EXAMPLE_CONFIG


@pytest.mark.parametrize("text,message", [
    ('[billing]\ndefault_payer = "acme"\n', "line 2: default_payer 'acme' has no \\[billing.payers.acme\\]"),
    ('[billing]\npayer = "acme"\n', "line 2: unknown setting 'payer' in \\[billing\\]"),
    ('[billing.payers.acme]\nvideo = "9"\n', "line 1: \\[billing.payers.acme\\]: Telehealth modifier '9'"),
    ('[billing.payers.acme]\nphone = "95"\n', "unknown setting 'phone'"),
    ('[billing.fees]\n"9083" = 100\n', "line 1: \\[billing.fees\\]: '9083' is not a CPT code"),
    ('[billing.fees]\n"90837" = -1\n', "the fee for 90837 must be a number, 0 or more"),
    ('[billing.fees]\n"90837" = "150"\n', "the fee for 90837 must be a number"),
])
def test_mistakes_stop_start_up_with_their_line(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, text)
