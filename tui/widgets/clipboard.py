"""Copy for EHR, honestly (issue 12 item 5): OSC 52 to the terminal, and what became of it.

OSC 52 asks the terminal to put text on the system clipboard. Nothing comes back to say it
worked: many terminals ignore it (or ask first), so the status says "sent", never "copied".

Inside tmux the sequence reaches tmux, not the terminal. What tmux does with it depends on two
options, asked of tmux itself (``display-message -p '#{set-clipboard}|#{allow-passthrough}'``):

- ``set-clipboard on``: tmux takes the sequence, keeps the text as a paste buffer and sends it on
  to the outer terminal (when that terminal has the clipboard feature). The plain sequence goes.
- otherwise (``external``, tmux's default, or ``off``) tmux drops what an application sends. If
  ``allow-passthrough`` is on, the sequence goes wrapped in tmux's DCS passthrough
  (``ESC P tmux; … ESC \\``, every ESC doubled) straight to the outer terminal; if not, nothing
  can get through, and the status says which line to add to tmux.conf.

Only the text given is sent: the signed note (never a ``~`` private line, which is never in it).
Textual's own copy_to_clipboard is not used, since it also keeps the text in the app
(App._clipboard) for in-app paste; here nothing is kept. Clipboard managers may keep a copy:
the screen says so once per app run (see ``first_warning``).
"""

from __future__ import annotations

import base64
import os
import subprocess
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

CLIPBOARD_MANAGER_WARNING = ("Clipboard managers and some terminals keep a copy of what is copied, "
                             "outside Hushpad's encryption: clear it once the note is in the EHR.")
_WARNED: "weakref.WeakSet[Any]" = weakref.WeakSet()


@dataclass(frozen=True)
class Tmux:
    """tmux's clipboard options for this pane, as tmux reports them."""

    set_clipboard: str  # "on", "external", "off", or "" when tmux could not be asked
    passthrough: bool


def osc52(text: str) -> str:
    """The OSC 52 sequence that asks the terminal to set its clipboard ("c") to ``text``."""
    return f"\x1b]52;c;{base64.b64encode(text.encode('utf-8')).decode('ascii')}\a"


def tmux_passthrough(sequence: str) -> str:
    """``sequence`` wrapped in tmux's DCS passthrough: ESC P tmux; <sequence, ESC doubled> ESC \\."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def tmux_options(env: Mapping[str, str] | None = None) -> Tmux | None:
    """None outside tmux; inside, its set-clipboard and allow-passthrough for this pane.

    Runs the tmux client (a few ms): call it from a worker. No note text goes to it."""
    env = os.environ if env is None else env
    if not env.get("TMUX"):
        return None
    argv = ["tmux", "display-message", "-p"]
    if env.get("TMUX_PANE"):
        argv += ["-t", env["TMUX_PANE"]]
    try:
        out = subprocess.run([*argv, "#{set-clipboard}|#{allow-passthrough}"], capture_output=True, text=True,
                             timeout=3, env=dict(env), check=False)
    except (OSError, subprocess.SubprocessError):
        return Tmux("", False)
    setting, _, passthrough = out.stdout.strip().partition("|")
    if out.returncode != 0 or not setting:
        return Tmux("", False)
    return Tmux(setting, passthrough in ("1", "on", "all"))


def sequences(text: str, tmux: Tmux | None) -> tuple[str, str]:
    """(what to write to the terminal, the status line saying what was done)."""
    plain = osc52(text)
    if tmux is None:
        return plain, "Sent the signed note to the terminal's clipboard; your terminal may not support it."
    if tmux.set_clipboard == "on":
        return plain, ("Sent the signed note to the terminal's clipboard through tmux (set-clipboard on; it is also "
                       "tmux's paste buffer); your terminal may not support it.")
    if tmux.passthrough:
        return tmux_passthrough(plain), ("Sent the signed note to the terminal's clipboard through tmux's "
                                         "passthrough; your terminal may not support it.")
    if not tmux.set_clipboard:
        return plain + tmux_passthrough(plain), (
            "Sent the signed note to the terminal's clipboard, but tmux could not be asked whether it passes "
            "it on; your terminal may not support it.")
    return plain, (f"Sent the signed note, but tmux drops it (set-clipboard {tmux.set_clipboard}, "
                   "allow-passthrough off): add 'set -s set-clipboard on' to ~/.tmux.conf.")


def write_to_terminal(app: Any, data: str) -> bool:
    """Write escape sequences to the terminal through Textual's driver (as App.copy_to_clipboard does)."""
    driver = getattr(app, "_driver", None)
    if driver is None:
        return False
    driver.write(data)
    return True


def first_warning(app: Any) -> str | None:
    """The clipboard-manager warning the first time this app run copies; None after that.

    Remembered per app run (a weak set of running apps), not on disk: Hushpad has no settings
    store outside the encrypted record, and a marker file would say when a note was copied."""
    if app in _WARNED:
        return None
    _WARNED.add(app)
    return CLIPBOARD_MANAGER_WARNING


def copy_for_ehr(screen: Any, text: str, said: "Callable[[str], object]") -> None:
    """Send ``text`` by OSC 52 from ``screen`` (a RunsUseCases screen), then ``said(status line)``.

    tmux is asked in a worker (run_task); the sequence is written on the UI thread afterwards,
    so the text never enters the worker."""
    app = screen.app

    def send(tmux: Tmux | None) -> None:
        data, status = sequences(text, tmux)
        if not write_to_terminal(app, data):
            status = "Not sent: Hushpad is not drawing to a terminal."
        warning = first_warning(app)
        said(f"{status} {warning}" if warning else status)

    screen.run_task(tmux_options, send, group="copy-for-ehr")
