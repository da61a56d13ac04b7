"""The one sanitiser: every control, bidi control and lone surrogate is shown, nothing is dropped."""

import unicodedata

from hypothesis import given, strategies as st

from tui.domain.visible import BIDI_CONTROLS, make_visible

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_bidi_controls_are_shown_as_their_code():
    assert make_visible("invoice\u202etxt.exe") == "invoice\u27e8U+202E\u27e9txt.exe"
    out = make_visible(BIDI)
    for ch in BIDI:
        assert ch not in out and f"U+{ord(ch):04X}" in out
    assert {ord(c) for c in BIDI} == set(BIDI_CONTROLS)


def test_c0_and_del_become_control_pictures():
    assert make_visible("\x1b[31mred\x1b[0m\x07") == "\u241b[31mred\u241b[0m\u2407"
    assert make_visible("a\rb\x00c\x7f") == "a\u240db\u2400c\u2421"
    assert make_visible("\x0b\x0c\x1c\x1d\x1e") == "\u240b\u240c\u241c\u241d\u241e"


def test_c1_controls_and_surrogates_are_visible():
    assert make_visible("\x9b31m\x85") == "\u27e8U+009B\u27e931m\u27e8U+0085\u27e9"
    assert make_visible("\ud800x") == "\ufffdx"


def test_tab_and_newline_stay_by_default_and_callers_choose():
    assert make_visible("a\tb\nc") == "a\tb\nc"
    assert make_visible("a\tb\nc", keep="\n") == "a\u2409b\nc"
    assert make_visible("\x01hit\x02\x1b", keep="\x01\x02") == "\x01hit\x02\u241b"


def test_ordinary_text_is_untouched():
    text = "Café — “quoted” שלום مرحبا 日本語 👋🏽 \u200d"
    assert make_visible(text) == text


@given(st.text())
def test_nothing_dangerous_survives_and_it_is_idempotent(text):
    out = make_visible(text)
    for ch in out:
        assert ch in "\n\t" or (unicodedata.category(ch) not in ("Cc", "Cs") and ord(ch) not in BIDI_CONTROLS)
    assert make_visible(out) == out
    assert len(out) >= len(text)  # nothing is dropped
