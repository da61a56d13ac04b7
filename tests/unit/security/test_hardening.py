"""The hardening report `hushpad doctor` shows: what is on, and what this platform lacks."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tui import hardening
from tui.cli import main

HUSHPAD = Path(sys.executable).parent / "hushpad"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux measures")
def test_the_hushpad_command_doctor_lists_the_process_hardening(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != hardening.KEEP_DUMPABLE_ENV}
    env["HUSHPAD_HOME"] = str(tmp_path / "none")
    out = subprocess.run([str(HUSHPAD), "doctor"], env=env, capture_output=True, text=True, timeout=120).stdout
    assert "ok    process: core dumps off (RLIMIT_CORE 0)" in out
    assert "ok    process: not dumpable" in out
    assert "ok    process: freed memory is overwritten" in out


def test_cli_main_in_process_does_not_harden_the_caller(tmp_path, monkeypatch, capsys):
    """Tests call main() in-process; only the command (tui/launch.py) hardens its process."""
    monkeypatch.setattr(hardening, "_state", None)
    monkeypatch.setenv("HUSHPAD_HOME", str(tmp_path / "none"))
    before = resource.getrlimit(resource.RLIMIT_CORE)
    main(["doctor"])
    assert resource.getrlimit(resource.RLIMIT_CORE) == before
    assert "not applied" in capsys.readouterr().out


def test_doctor_says_what_the_platform_cannot_do(monkeypatch):
    monkeypatch.setattr(hardening, "_state", None)
    monkeypatch.setattr(hardening.sys, "platform", "darwin")
    asked = []
    # Record the limit instead of setting it: the test process itself must stay able to dump
    # (test_core_dumps' control needs `ulimit -c unlimited` to work in its children).
    monkeypatch.setattr(resource, "setrlimit", lambda which, limits: asked.append((which, limits)))
    state = hardening.harden_process()
    assert asked == [(resource.RLIMIT_CORE, (0, 0))]
    assert "core dumps off (RLIMIT_CORE 0)" in state.done
    assert any("attach a debugger" in m for m in state.missing)
