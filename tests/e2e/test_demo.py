"""`hushpad --demo` end to end: it starts on any machine (no keyring at all), shows the
fictional clients, quits cleanly on ctrl+q, and leaves no profile behind."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

import _harness as harness

pytestmark = pytest.mark.e2e

LOCK_NAME = ".hushpad.lock"


def demo_roots(env: dict[str, str]) -> list[Path]:
    roots = [Path("/dev/shm")] if Path("/dev/shm").is_dir() else []
    return roots + [Path(env.get("TMPDIR") or tempfile.gettempdir())]


def demo_dirs(env: dict[str, str]) -> set[Path]:
    return {p for root in demo_roots(env) for p in root.glob("hushpad-demo-*")}


def owned_by(pid: int, dirs: set[Path]) -> set[Path]:
    """The demo folders whose profile lock names this process (other runs may be live too)."""
    owned = set()
    for folder in dirs:
        lock = folder / "profile" / LOCK_NAME
        try:
            if lock.read_text().strip() == str(pid):
                owned.add(folder)
        except OSError:
            continue
    return owned


def test_demo_starts_shows_clients_and_leaves_nothing(bare_home, tmux):
    env = dict(bare_home)
    env.pop("HUSHPAD_HOME")
    term = tmux(env, width=120, height=36)
    before = demo_dirs(env)
    pid = term.run([harness.hushpad_exe(), "--demo"])

    screen = term.wait_for(lambda s: "DEMO-01" in s and "DEMO-06" in s, timeout=60,
                           what="the clients screen with the demo clients")
    assert "Traceback" not in screen

    deadline = time.monotonic() + 10
    mine: set[Path] = set()
    while not mine and time.monotonic() < deadline:
        mine = owned_by(pid, demo_dirs(env) - before)
        time.sleep(0.1)
    assert mine, "the demo's throw-away profile was not found in /dev/shm or the temp dir"
    assert all((folder / "profile" / "vault.db").exists() for folder in mine)

    term.send_key("C-q")
    assert term.wait_exit(timeout=30) == 0, term.capture()
    assert not [folder for folder in mine if folder.exists()], "the demo profile was left behind"
    assert not owned_by(pid, demo_dirs(env)), "a demo folder of this run remains"
