"""The timeline end to end, in a real terminal with a real Secret Service: a client added
through the form, a session jotted and ended, written up and signed, found by search, and
exported with `hushpad export client`, which holds the note and not the private jotting."""

from __future__ import annotations

import re
import time

import pytest

import _harness as harness

pytestmark = pytest.mark.e2e

CODE = "TL-E2E"
WORD = "quokkaland"  # said in session; carried into the signed note
PRIVATE = "TILDECANARY8842"


def wait_step(term: harness.Tmux, before: str, timeout: float = 20) -> str:
    """Wait for the screen to change from `before` and settle."""
    deadline = time.monotonic() + timeout
    screen = before
    while time.monotonic() < deadline:
        time.sleep(0.3)
        screen = term.capture()
        if screen != before:
            time.sleep(0.3)
            return term.capture()
    return screen


def test_create_sign_search_and_export(ss_env, tmux, tmp_path):
    init = harness.hushpad(["init", "--non-interactive"], ss_env)
    assert init.returncode == 0, init.stderr
    term = tmux(ss_env, width=110, height=34)
    term.run([harness.hushpad_exe()])
    term.wait_for("No clients yet", timeout=60)

    # A client through the form.
    term.send_key("a")
    term.wait_for("Code", what="the client form")
    term.send_text(CODE)
    term.wait_for(lambda s: CODE in s, what="the code typed")
    time.sleep(0.5)
    term.send_key("C-s")
    term.wait_for(lambda s: CODE in s and "1 client" in s, what="the new client in the list")

    # A session: Enter shows Before session, Enter there starts it; jot, end.
    term.send_key("Enter")
    term.wait_for("Before the session", what="before session")
    term.send_key("Enter")
    term.wait_for(lambda s: re.search(rf"{CODE}  ·  \d+ min", s) is not None, what="the scratchpad")
    for line in (f'" moving to {WORD} next month', "o calm, good eye contact", "* worry about the move eases",
                 "< engaged, agreed to plan", "hw list pros and cons", "! denies SI/HI/SH",
                 "> CR on worry about the move", "phq9 8", f"~ {PRIVATE} my own reaction"):
        term.send_text(line)
        term.send_key("Enter")
    term.wait_for("saved", timeout=20, what="the jottings saved")
    term.send_key("C-o", "C-o")  # end the session: the write-up opens

    # The write-up: carry every section in (f4), WNL (f3), quick fill (f2), next step, to the review.
    screen = term.wait_for(lambda s: "ctrl+n" in s.lower() or "^n" in s, timeout=30, what="the write-up")
    for _ in range(20):
        if re.search(r"\^s\s+Sign", screen):
            break
        for key in ("F4", "F3", "F2"):
            term.send_key(key, pause=0.2)
        term.send_key("C-n", pause=0.2)
        screen = wait_step(term, screen)
    assert re.search(r"\^s\s+Sign", screen), screen
    term.send_key("C-s")
    screen = wait_step(term, screen)
    for _ in range(10):  # acknowledge any warnings: move to the list, tick each, sign again
        if "Signed" in screen or "signed" in screen.lower() and "seal" in screen.lower():
            break
        term.send_key("Tab", "space", "Down", "space", "Down", "space", "C-s")
        screen = wait_step(term, screen)
    term.wait_for(lambda s: "signed" in s.lower(), timeout=20, what="the note signed")
    term.send_key("Escape")
    term.wait_for(lambda s: CODE in s and "sorted by" in s, timeout=20, what="back on the client list")

    # Search across all clients finds the signed note; Enter opens it.
    term.send_key("C-f")
    term.wait_for("Search all clients", what="the search screen")
    term.send_text(WORD)
    term.wait_for("1 note match", timeout=20, what="one search result")
    term.send_key("Down", "Enter")
    note = term.wait_for("Seal verified", timeout=20, what="the note view")
    assert WORD in note and PRIVATE not in note
    term.send_key("C-q")
    assert term.wait_exit(timeout=30) == 0, term.capture()

    # The CLI export holds the signed note (with its seal) and not the private jotting.
    out = tmp_path / "record.md"
    export = harness.hushpad(["export", "client", CODE, "--format", "md", "-o", str(out)], ss_env)
    assert export.returncode == 0, export.stderr
    text = out.read_text()
    head = "\n".join(text.splitlines()[:12])
    assert text.startswith("# Records request:") and CODE in head
    assert WORD in text and "Seal (SHA-256):" in text
    # The measures trend table: a PHQ-9 column, and the day's score with its band in words.
    assert "| Date | PHQ-9 |" in text and re.search(r"\| \d{4}-\d\d-\d\d \| 8 \(mild\) \|", text), text
    assert PRIVATE not in text
    assert (out.stat().st_mode & 0o777) == 0o600
    with_private = harness.hushpad(["export", "client", CODE, "--format", "json", "--include-private"], ss_env)
    assert with_private.returncode == 0, with_private.stderr
    assert PRIVATE in with_private.stdout and WORD in with_private.stdout
    assert "warning" in with_private.stderr.lower() or "psychotherapy" in with_private.stderr.lower()
