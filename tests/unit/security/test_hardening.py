"""The hardening report `hushpad doctor` shows: what is on, and what this platform lacks."""

from __future__ import annotations

import resource
import sys

import pytest

from tui import hardening
from tui.cli import main


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux measures")
def test_doctor_lists_the_process_hardening(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HUSHPAD_HOME", str(tmp_path / "none"))
    main(["doctor"])
    out = capsys.readouterr().out
    assert "ok    process: core dumps off (RLIMIT_CORE 0)" in out
    assert "ok    process: not dumpable" in out
    assert resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)


def test_doctor_says_what_the_platform_cannot_do(monkeypatch):
    monkeypatch.setattr(hardening, "_state", None)
    monkeypatch.setattr(hardening.sys, "platform", "darwin")
    state = hardening.harden_process()
    assert "core dumps off (RLIMIT_CORE 0)" in state.done
    assert any("attach a debugger" in m for m in state.missing)
