"""Issue 3, end to end: `hushpad jot` in a real terminal, killed with SIGKILL mid-session.

Everything but at most the last second of typing comes back on the next start, the
crash leaves both stores intact, and the canary typed into the session is in no file
under the profile (the stores are SQLCipher-encrypted, WAL included).
"""

from __future__ import annotations

import base64
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

import _harness as harness

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
GUTTER_ROW = re.compile(r"^ {0,4}\d+' (.*)$")


def status_line(code: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(code)}  ·  \d+ min  ·  (saved|unsaved)")


def editor_text(screen: str) -> str:
    """The jottings on screen: each row that starts with a minute stamp, gutter removed."""
    rows = [m.group(1).rstrip() for m in map(GUTTER_ROW.match, screen.splitlines()) if m]
    return "\n".join(rows)


def normalise(text: str) -> str:
    """What a screen can show: no trailing spaces per line, no trailing empty lines."""
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip("\n")


def encodings(canary: str) -> list[bytes]:
    raw = canary.encode()
    found = [raw, canary.encode("utf-16-le")]
    for shift in range(3):  # base64 of the canary at each alignment in a longer stream
        chunk = base64.b64encode(b"\0" * shift + raw)[4:-4]
        found += [chunk, base64.urlsafe_b64encode(b"\0" * shift + raw)[4:-4]]
    return found


def files_containing(root: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path} contains {n!r}" for n in needles if n in data]
    return hits


def start_jot(term: harness.Tmux, profile: dict) -> int:
    pid = term.run([harness.hushpad_exe(), "jot", profile["client"]], env={"HUSHPAD_HOME": str(profile["dir"])})
    term.wait_for(lambda s: bool(status_line(profile["client"]).search(s)), timeout=30,
                  what="the scratchpad's status line")
    assert "hushpad" in " ".join(harness.cmdline(pid)), f"pane pid {pid} is not hushpad: {harness.cmdline(pid)}"
    return pid


def test_kill9_mid_session_loses_at_most_the_last_second(profile, tmux):
    canary = f"zq{secrets.token_hex(8)}"
    lines = [
        '" work has been a lot, sleeping 5 hrs',
        "o tired, flat affect, good eye contact",
        f"* {canary} keeps the worry going",
        "> CR on always messing up",
        "< named an alternative thought",
        "hw sleep diary three nights",
    ]
    term = tmux(profile["env"], width=100, height=30)
    pid = start_jot(term, profile)

    log = harness.TypedLog()
    term.type_lines(lines, log, chunk=3, cps=20.0)
    time.sleep(0.4)  # well within 1 s of the last key
    killed_at = time.monotonic()
    term.kill9(pid)
    typed = log.text
    must_survive = normalise(typed[: log.sent_before(killed_at - 1.0)])
    assert canary in must_survive, "the test must type the canary more than a second before the kill"

    # Straight after the crash, both stores are whole and hold all but the last second.
    crashed = harness.inspect_in(profile["env"], profile["dir"])
    assert crashed["integrity"] == {"record": "ok", "vault": "ok"}
    saved = "\n".join(harness.jottings_for(crashed, profile["client"]))
    assert typed.startswith(saved), f"the saved text is not what was typed:\n{saved!r}\nvs\n{typed!r}"
    assert len(normalise(saved)) >= len(must_survive), (
        f"more than the last second was lost:\nsaved   {saved!r}\nneeded  {must_survive!r}")

    # The next start resumes the same session with that text on screen.
    pid = start_jot(term, profile)
    screen = term.wait_for(lambda s: editor_text(s) == normalise(saved), timeout=20,
                           what="the recovered jottings on screen")
    assert canary in screen
    assert not [s for s in crashed["sessions"] if s["ended"]], "the killed session should still be open"

    term.send_key("C-q")
    assert term.wait_exit(timeout=20) == 0
    after = harness.inspect_in(profile["env"], profile["dir"])
    assert len([s for s in after["sessions"] if s["code"] == profile["client"]]) == 1, "resume made a new session"
    assert harness.jottings_for(after, profile["client"]) == harness.jottings_for(crashed, profile["client"])

    # The canary is in the encrypted stores only: no file under the profile shows it.
    names = {p.name for p in profile["dir"].iterdir()}
    assert {"record.db", "vault.db", "keys.json"} <= names
    assert not files_containing(profile["dir"], encodings(canary))


def test_canary_absent_from_files_while_the_session_is_live(profile, tmux):
    """The same check with the app still running: the -wal and -shm files are there too."""
    canary = f"zq{secrets.token_hex(8)}"
    term = tmux(profile["env"])
    pid = start_jot(term, profile)
    term.send_text(f"~ {canary} private")
    term.wait_for(lambda s: bool(re.search(rf"{re.escape(profile['client'])}  ·  \d+ min  ·  saved", s))
                  and canary in s, timeout=20, what="the canary saved")
    wal = profile["dir"] / "vault.db-wal"
    # Live: the WAL is there. Its frames may already be checkpointed into vault.db (the
    # store truncates the WAL past 64 KB, issue 9 item 2); both files are checked below.
    assert wal.exists(), "expected the live store's WAL"
    assert not files_containing(profile["dir"], encodings(canary))
    term.kill9(pid)
    report = harness.inspect_in(profile["env"], profile["dir"])
    assert harness.jottings_for(report, profile["client"]) == [f"~ {canary} private"]


def test_crash_harness_two_rounds(require):
    require(not harness.missing_programs(harness.SECRET_SERVICE_PROGRAMS + harness.TMUX_PROGRAMS),
            "the crash harness needs dbus-daemon, gnome-keyring-daemon and tmux")
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "crash_harness.py"), "--rounds", "2", "--seed", "7"],
        capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    final = re.search(
        r"^crash harness: 2 rounds, max lost (\d+) chars \(([\d.]+) s of typing\), integrity ok (\d+)/2, "
        r"within the last second (\d+)/2$", result.stdout, re.M)
    assert final, f"no summary line in:\n{output}"
    intact, within = int(final[3]), int(final[4])
    assert intact == 2, output
    assert within == 2, f"a round lost more than the last second of typing:\n{output}"
