"""Issue 9 item 6: locked means the keys (and the session's text) are gone from memory.

The real program runs in tmux against a real Secret Service: it opens a named client from
the list, takes an ordinary and a private jotting, and is locked with ctrl+l. Then the live
process's memory is read through /proc/PID/mem and searched for both data keys, the device
key (raw, hex in both cases, base64), the two jottings and the client's name.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

import _harness as harness
import _memscan as memscan

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
SETTLE_SECONDS = 5.0


def _keys(env: dict[str, str], profile: Path) -> dict[str, bytes]:
    out = subprocess.run([sys.executable, str(HERE / "_memscan.py"), "keys", str(profile)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return {k: bytes.fromhex(v) for k, v in json.loads(out.stdout).items()}


def _session_then_lock(term, env: dict[str, str], profile: Path, passphrase: str | None) -> tuple[int, str, str]:
    """Start hushpad, (unlock,) open C-555 from the list, jot twice, lock. Returns pid and the jottings."""
    jotting = f"zqopen{secrets.token_hex(8)} sleeping badly"
    private = f"~ zqpriv{secrets.token_hex(8)} my own reaction"
    extra = {"HUSHPAD_HOME": str(profile)}
    if os.geteuid() != 0:
        # Reading another process's memory needs it dumpable; only this test asks for that.
        extra["HUSHPAD_TEST_KEEP_DUMPABLE"] = "1"
    pid = term.run([harness.hushpad_exe()], env=extra)
    if passphrase is not None:
        term.wait_for("Type your passphrase", timeout=30, what="the passphrase prompt")
        term.send_text(passphrase)
        term.send_key("Enter")
    term.wait_for("C-555", timeout=60, what="the client list")
    term.send_key("j")  # start the session at once (Enter opens Before session)
    term.wait_for(lambda s: bool(re.search(r"C-555  ·  \d+ min  ·  (saved|unsaved)", s)), timeout=30,
                  what="the scratchpad")
    term.send_text(jotting)
    term.send_key("Enter")
    term.send_text(private)
    term.wait_for(lambda s: bool(re.search(r"C-555  ·  \d+ min  ·  saved", s)) and "zqpriv" in s, timeout=20,
                  what="both jottings saved")
    term.send_key("C-l")
    term.wait_for("Locked", timeout=20, what="the lock screen")
    time.sleep(SETTLE_SECONDS)
    return pid, jotting, private


def _assert_clean(pid: int, keys: dict[str, bytes], texts: dict[str, str]) -> None:
    needles: dict[str, bytes] = {}
    for label, key in keys.items():
        needles.update(memscan.key_needles(label, key))
    for label, text in texts.items():
        needles.update(memscan.text_needles(label, text))
    hits, scanned = memscan.scan(pid, needles)
    assert scanned > 10_000_000, f"only {scanned} bytes of the process could be read"
    assert not hits, f"{len(hits)} secrets in memory {SETTLE_SECONDS:g} s after lock:\n" + "\n".join(map(str, hits))


def test_nothing_secret_is_left_in_memory_after_lock(ss_env, tmux):
    profile = Path(ss_env["HUSHPAD_HOME"])
    name = f"Quillon Zq{secrets.token_hex(5)}"
    assert harness.hushpad(["init", "--non-interactive"], ss_env).returncode == 0
    added = harness.hushpad(["client", "add", "C-555", "--name", name], ss_env)
    assert added.returncode == 0, added.stderr
    keys = _keys(ss_env, profile)
    term = tmux(ss_env, width=110, height=30)
    pid, jotting, private = _session_then_lock(term, ss_env, profile, None)
    _assert_clean(pid, keys, {"jotting": jotting.split()[0], "private jotting": private.split()[1],
                              "client name": name})
    term.send_key("C-q")


def test_passphrase_mode_leaves_neither_passphrase_nor_keys(bare_home, tmux):
    """No keyring: the passphrase is typed into the lock screen; it and its KEK go too."""
    env = bare_home
    profile = Path(env["HUSHPAD_HOME"])
    passphrase = f"zqpass {secrets.token_hex(6)} kettle"
    init = subprocess.run([harness.hushpad_exe(), "init", "--passphrase", "--non-interactive"],
                          input=f"{passphrase}\n", env=env, capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    name = f"Quillon Zq{secrets.token_hex(5)}"
    added = subprocess.run([harness.hushpad_exe(), "client", "add", "C-555"], input=f"{passphrase}\n{name}\n",
                           env=env, capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    keys = _passphrase_keys(profile, passphrase)
    term = tmux(env, width=110, height=30)
    pid, jotting, private = _session_then_lock(term, env, profile, passphrase)
    _assert_clean(pid, keys, {"jotting": jotting.split()[0], "private jotting": private.split()[1],
                              "client name": name, "passphrase": passphrase})
    term.send_key("C-q")


def _passphrase_keys(profile: Path, passphrase: str) -> dict[str, bytes]:
    sys.path.insert(0, str(HERE.parents[1]))
    from tui.storage import keys as keymod
    from tui.storage.paths import ProfilePaths
    from tui.storage.profile import load_keyfile

    keyfile = load_keyfile(ProfilePaths(profile))
    assert keyfile.passphrase is not None
    kek = bytes(keyfile.passphrase.derive(passphrase))
    deks = keymod.unlock_passphrase(keyfile, passphrase)
    return {"passphrase key": kek, "record key": bytes(deks["record"]), "vault key": bytes(deks["vault"])}
