"""One line of user text: controls out, whitespace as single spaces, and what changed said."""

import pytest

from tui.domain.one_line import clean_line


@pytest.mark.parametrize(("raw", "text", "removed", "spaced"), [
    ("Robin Ng", "Robin Ng", (), False),
    ("  Robin   Ng ", "Robin Ng", (), False),
    ("Ro\tbin", "Ro bin", (), True),
    ("a\nb\r\nc", "a b c", (), True),
    ("A\x1b[31mX\x07", "A[31mX", ("ESC", "U+0007"), False),
    ("x\u202ey\u2066z\u2069", "xyz", ("U+202E", "U+2066", "U+2069"), False),
    ("👩\u200d💻 Kim", "👩\u200d💻 Kim", (), False),  # a zero-width joiner is part of the emoji
    ("x\x7f", "x", ("DEL",), False),
])
def test_clean_line(raw, text, removed, spaced):
    cleaned = clean_line(raw)
    assert (cleaned.text, cleaned.removed, cleaned.spaced) == (text, removed, spaced)
    assert cleaned.changed == bool(removed or spaced)
    assert bool(cleaned.describe("name")) == cleaned.changed


def test_describe():
    assert clean_line("a\x1b\x1bb\tc").describe("name") == (
        "The name was changed: 2 control characters removed (ESC); tabs and line breaks became spaces.")
