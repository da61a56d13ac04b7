"""Issue 9 item 8 on a real terminal: `hushpad client add CODE` asks for the details.

Run in tmux on a passphrase profile: the prompts appear, the answers are stored, and the
command line of the waiting process holds the code only.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

import _harness as harness

pytestmark = pytest.mark.e2e

PASSPHRASE = "a quiet room with a kettle"


def test_client_add_asks_on_the_terminal(tmux, bare_home):
    env = bare_home
    init = subprocess.run([harness.hushpad_exe(), "init", "--passphrase", "--non-interactive"],
                          input=f"{PASSPHRASE}\n", env=env, capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    term = tmux(env)
    pid = term.run([harness.hushpad_exe(), "client", "add", "C-77"], env={"HUSHPAD_HOME": env["HUSHPAD_HOME"]})
    term.wait_for("Passphrase:", timeout=30)
    term.send_text(PASSPHRASE)
    term.send_key("Enter")
    term.wait_for("Name (shown only where you choose", timeout=30)
    term.send_text("Tamsin Zqprompted")
    term.send_key("Enter")
    term.wait_for("Date of birth", timeout=10)
    assert "Zqprompted" not in " ".join(harness.cmdline(pid))
    term.send_text("1975-05-06")
    term.send_key("Enter")
    term.wait_for("Goal 1", timeout=10)
    term.send_text("Walk daily")
    term.send_key("Enter")
    term.wait_for("Goal 2", timeout=10)
    term.send_key("Enter")
    assert term.wait_exit(timeout=30) == 0, term.capture()
    assert "Added client C-77" in term.capture()
    out = subprocess.run([harness.hushpad_exe(), "export", "client", "C-77", "--format", "json"],
                         input=f"{PASSPHRASE}\n", env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Tamsin Zqprompted" in out.stdout and "1975-05-06" in out.stdout and "Walk daily" in out.stdout
