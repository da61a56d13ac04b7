"""Copy for EHR (issue 12 item 5): the OSC 52 sequence, tmux's DCS passthrough, what tmux is
asked (a real tmux server on a private socket), and the honest status line for each case."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tui.widgets.clipboard import (
    CLIPBOARD_MANAGER_WARNING, Tmux, first_warning, osc52, sequences, tmux_options, tmux_passthrough,
)

NOTE = "PROGRESS NOTE\nMood «better» — [bold]literal[/bold]\n"
HONEST = "to the terminal's clipboard; your terminal may not support it."


def payload(seq: str) -> str:
    assert seq.startswith("\x1b]52;c;") and seq.endswith("\a")
    return base64.b64decode(seq[len("\x1b]52;c;"):-1]).decode("utf-8")


def test_osc52_carries_the_text_exactly() -> None:
    assert payload(osc52(NOTE)) == NOTE


def test_tmux_passthrough_doubles_every_escape() -> None:
    wrapped = tmux_passthrough(osc52(NOTE))
    assert wrapped.startswith("\x1bPtmux;\x1b\x1b]52;c;") and wrapped.endswith("\a\x1b\\")
    inner = wrapped[len("\x1bPtmux;"):-2]
    assert inner.replace("\x1b\x1b", "\x1b") == osc52(NOTE)


@pytest.mark.parametrize(("tmux", "kind", "said"), [
    (None, "plain", "Sent the signed note " + HONEST),
    (Tmux("on", False), "plain", "through tmux (set-clipboard on"),
    (Tmux("on", True), "plain", "through tmux (set-clipboard on"),  # tmux sends it on itself: once
    (Tmux("external", True), "wrapped", "through tmux's passthrough; your terminal may not support it."),
    (Tmux("", False), "both", "tmux could not be asked"),
    (Tmux("external", False), "plain", "tmux drops it (set-clipboard external, allow-passthrough off): "
                                       "add 'set -s set-clipboard on'"),
])
def test_what_is_sent_and_said(tmux, kind, said) -> None:
    data, status = sequences(NOTE, tmux)
    plain, wrapped = osc52(NOTE), tmux_passthrough(osc52(NOTE))
    assert data == {"plain": plain, "wrapped": wrapped, "both": plain + wrapped}[kind]
    assert said in status
    assert "copied" not in status.lower()  # nothing comes back to say it was


def test_the_warning_comes_once_per_app() -> None:
    class App:
        pass

    one, two = App(), App()
    assert first_warning(one) == CLIPBOARD_MANAGER_WARNING
    assert first_warning(one) is None
    assert first_warning(two) == CLIPBOARD_MANAGER_WARNING


def test_outside_tmux_nothing_is_asked() -> None:
    assert tmux_options({"PATH": os.environ.get("PATH", "")}) is None


@pytest.fixture
def tmux_server():
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    folder = Path(tempfile.mkdtemp(prefix="hushpad-clip-"))
    socket = str(folder / "s")

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", "-S", socket, "-f", "/dev/null", *args], capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()

    tmux("new-session", "-d", "-s", "t", "sleep 60")
    try:
        pid = tmux("display-message", "-p", "#{pid}")
        pane = tmux("display-message", "-p", "-t", "t", "#{pane_id}")
        env = {"PATH": os.environ.get("PATH", ""), "TMUX": f"{socket},{pid},0", "TMUX_PANE": pane}
        yield tmux, env
    finally:
        subprocess.run(["tmux", "-S", socket, "kill-server"], capture_output=True, timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def test_tmux_is_asked_for_its_own_options(tmux_server) -> None:
    tmux, env = tmux_server
    tmux("set-option", "-s", "set-clipboard", "external")
    tmux("set-option", "-g", "allow-passthrough", "off")
    assert tmux_options(env) == Tmux("external", False)
    tmux("set-option", "-s", "set-clipboard", "on")
    assert tmux_options(env) == Tmux("on", False)
    tmux("set-option", "-s", "set-clipboard", "off")
    tmux("set-option", "-g", "allow-passthrough", "on")
    assert tmux_options(env) == Tmux("off", True)


def test_a_tmux_that_cannot_be_reached_is_said_so() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "TMUX": "/nonexistent/socket,1,0"}
    assert tmux_options(env) == Tmux("", False)
