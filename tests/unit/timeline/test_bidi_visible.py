"""Bidi overrides and isolates (and ESC) typed or pasted anywhere reach no output raw:
the write-up's jottings, the signed note, search hits, the chart, and every export show them."""

from __future__ import annotations

import json

from tui.services.writeup import WriteupService

RLO = "\u202e"  # right-to-left override: "invoice‮txt.exe" reads "invoiceexe.txt"
RAW = (RLO, "\u2066", "\u2069", "\u200f", "\x1b")
SHOWN = "\u27e8U+202E\u27e9"


def _assert_visible(text: str) -> None:
    for ch in RAW:
        assert ch not in text, f"{ord(ch):04X} reached the output raw"
    assert SHOWN in text


def _signed(env) -> tuple[int, int, int]:
    client = env.client("BD-01", "Bidi Test")
    session = env.session(client, "2024-05-01T10:00:00+00:00",
                          jottings=[f'" zebrafinch {RLO}gnp.exe\u2066x\u2069', f"? ask about {RLO}sleep",
                                    f"~ private {RLO}\u200f note", "hw \x1b[31mdiary"])
    note = env.sign(session, "2024-05-01T12:00:00+00:00",
                    assessment=f"Zebrafinch noted {RLO}reversed\u2066 text\u2069 \x1b[2J here.")
    return client, session, note


def test_jottings_in_the_writeup_show_bidi_controls(env):
    client = env.client("BD-02")
    session = env.session(client, "2024-05-01T10:00:00+00:00", jottings=[f'" a {RLO}b \u2066c\u2069 \x1b[31m'])
    service = WriteupService(env.ws)
    writeup = service.open(session)
    (jotting,) = writeup.jottings
    _assert_visible(jotting.text)
    service.release(writeup)


def test_the_signed_note_shows_them(env):
    _client, _session, note = _signed(env)
    text = env.record.note(note)["canonical_text"]
    _assert_visible(text)
    _assert_visible(env.chart.open_note(note).text)


def test_search_hits_and_private_hits_show_them(env):
    client, _session, _note = _signed(env)
    results = env.search.search("zebrafinch", client, include_private=True)
    assert results.hits and results.private_hits
    _assert_visible(" ".join(h.snippet for h in results.hits))
    _assert_visible(" ".join(line for _, _, line in results.private_hits))


def test_chart_private_jottings_and_before_session_show_them(env):
    client, session, _note = _signed(env)
    _assert_visible(" ".join(t for _, t in env.chart.private_jottings(session)))
    _assert_visible(" ".join(env.chart.before_session(client).questions))


def test_every_export_shows_them(env):
    _client, _session, note = _signed(env)
    for fmt in ("txt", "md"):
        _assert_visible(env.export.note(note, fmt))
    for fmt in ("md", "json"):
        _assert_visible(env.export.client("BD-01", fmt, include_private=True))
    data = json.loads(env.export.client("BD-01", "json", include_private=True))
    assert SHOWN in data["psychotherapy_notes"][0]["jottings"][0]["text"]
