"""Issue 9 item 8: client names, birth dates and goals stay out of argv.

The real `hushpad` runs in a subprocess on a passphrase profile. The details go in on
standard input; while the command waits for them its /proc/PID/cmdline (which every user
can read) holds only the code. The flags still work for scripts, and --help says what
they expose.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

HUSHPAD = Path(sys.executable).parent / "hushpad"
PASSPHRASE = "a quiet room with a kettle"
NAME = "Marguerite Zqcanary"
GOAL = "Sleep through zqgoal nights"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HUSHPAD_HOME=str(tmp_path / "p"), HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / ".config"))
    init = subprocess.run([str(HUSHPAD), "init", "--passphrase", "--non-interactive"], input=f"{PASSPHRASE}\n",
                          env=env, capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    return env


def _export(env: dict[str, str], code: str) -> str:
    out = subprocess.run([str(HUSHPAD), "export", "client", code, "--format", "json"], input=f"{PASSPHRASE}\n",
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_details_from_stdin_never_reach_the_command_line(env):
    proc = subprocess.Popen([str(HUSHPAD), "client", "add", "C-9"], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
        out, err = proc.communicate(f"{PASSPHRASE}\n{NAME}\n1980-02-03\n{GOAL}\nSecond goal\n", timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "C-9" in cmdline and "Zqcanary" not in cmdline
    record = _export(env, "C-9")
    assert NAME in record and "1980-02-03" in record and GOAL in record and "Second goal" in record


def test_dash_reads_one_field_from_stdin(env):
    out = subprocess.run([str(HUSHPAD), "client", "add", "C-10", "--name", "-", "--goal", "Keep a diary"],
                         input=f"{PASSPHRASE}\n{NAME}\n", env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    record = _export(env, "C-10")
    assert NAME in record and "Keep a diary" in record


def test_flags_still_work_for_scripts(env):
    out = subprocess.run([str(HUSHPAD), "client", "add", "C-11", "--name", "Script Client", "--dob", "1990-01-01"],
                         input=f"{PASSPHRASE}\n", env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Script Client" in _export(env, "C-11")


def test_help_says_what_the_flags_expose():
    out = subprocess.run([str(HUSHPAD), "client", "add", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    assert "/proc/PID/cmdline" in text and "history" in text
    assert "standard input" in text
    assert "use a code, never a name" in text
