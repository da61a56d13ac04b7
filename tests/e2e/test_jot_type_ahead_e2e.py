"""Issue 14, end to end: `hushpad jot CODE` in a real terminal takes typing within 50 ms of its
first frame while the Secret Service is stopped (SIGSTOP, 2 s), shows "opening…" meanwhile,
and once the keyring answers saves every character, in order. Read back afterwards through
the real keyring and the encrypted stores (never from a plaintext file), and the typed
canary is in no file under the profile.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import time
from pathlib import Path

import pytest

import _harness as harness

pytestmark = pytest.mark.e2e

STOPPED_SECONDS = 2.0
GUTTER_ROW = re.compile(r"^ {0,4}\d+' (.*)$")


def opening_line(code: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(code)}  ·  \d+ min  ·  opening…")


def saved_line(code: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(code)}  ·  \d+ min  ·  saved")


def editor_rows(screen: str) -> list[str]:
    """The editor's rows as drawn: a stamped row shows "N' text", an unstamped one only spaces
    of gutter (those are the rows typed before the session existed are not, once stamped)."""
    return [m.group(1).rstrip() for m in map(GUTTER_ROW.match, screen.splitlines()) if m]


def files_containing(root: Path, needle: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_typing_within_50ms_of_the_first_frame_with_a_stopped_keyring_is_all_saved(
        profile, tmux, secret_service) -> None:
    keyring = secret_service._keyring  # the gnome-keyring-daemon process (harness.SecretService)
    assert keyring is not None and keyring.poll() is None
    canary = f"zq{secrets.token_hex(6)}"
    lines = ['" slept badly since the move', f"* {canary} worry about work", "> plan: sleep diary"]
    code = profile["client"]
    term = tmux(profile["env"], width=100, height=30)

    os.kill(keyring.pid, signal.SIGSTOP)
    stopped_at = time.monotonic()
    try:
        pid = term.run([harness.hushpad_exe(), "jot", code], env={"HUSHPAD_HOME": str(profile["dir"])})
        # The first frame: poll the pane as fast as tmux answers.
        deadline = time.monotonic() + 20
        while True:
            screen = term.capture()
            if screen.strip():
                first_frame = time.monotonic()
                break
            assert time.monotonic() < deadline, "no first frame"
        # Straight away: the first keystrokes go within 50 ms of that first frame.
        term.send_text(lines[0][:4])
        first_key = time.monotonic()
        assert first_key - first_frame < 0.05, f"typed {1000 * (first_key - first_frame):.0f} ms after the first frame"
        term.send_text(lines[0][4:])
        for line in lines[1:]:
            term.tmux("send-keys", "-t", term.target, "Enter")
            term.send_text(line)
        typed_by = time.monotonic()
        assert typed_by - stopped_at < STOPPED_SECONDS, "all typed while the keyring was stopped"
        screen = term.wait_for(lambda s: editor_rows(s)[-3:] == lines or "\n".join(lines) in _plain(s),
                               timeout=STOPPED_SECONDS, what="the typed lines in the editor")
        assert opening_line(code).search(screen), f"not 'opening…' while the keyring is stopped:\n{screen}"
        assert time.monotonic() - stopped_at < STOPPED_SECONDS
        time.sleep(max(0.0, STOPPED_SECONDS - (time.monotonic() - stopped_at)))
    finally:
        os.kill(keyring.pid, signal.SIGCONT)

    screen = term.wait_for(lambda s: bool(saved_line(code).search(s)), timeout=30,
                           what="the status 'saved' once the keyring answered")
    assert editor_rows(screen)[-3:] == lines, screen
    assert "hushpad" in " ".join(harness.cmdline(pid))
    term.send_key("C-q")
    assert term.wait_exit(20) == 0, term.capture()

    report = harness.inspect_in(profile["env"], profile["dir"])
    assert report["integrity"] == {"record": "ok", "vault": "ok"} or all(
        v in ("ok", True) for v in report["integrity"].values()), report["integrity"]
    assert harness.jottings_for(report, code) == lines, "every character saved, in order"
    assert [s["code"] for s in report["sessions"]] == [code]
    assert files_containing(profile["dir"], canary.encode()) == [], "typed text never reached the disk in plaintext"


def _plain(screen: str) -> str:
    """The screen's rows with the gutter stripped, joined: for text typed before the stamps."""
    return "\n".join(re.sub(r"^ {0,4}(\d+')? ", "", row).rstrip() for row in screen.splitlines())
