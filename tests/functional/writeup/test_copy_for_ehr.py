"""Issue 12 item 5: Copy for EHR after signing sends exactly the signed text by OSC 52 (never a
~ private line), keeps nothing in the app, and says so honestly: "sent to the terminal's
clipboard; your terminal may not support it" in its message (the one-line header says "sent by
OSC 52"), with the clipboard-manager warning once a run."""

from __future__ import annotations

import base64

from tui.screens.scratchpad import ScratchpadScreen
from tui.widgets.clipboard import CLIPBOARD_MANAGER_WARNING

from ..helpers import wait_for_screen, wait_until
from .conftest import SIZE, Keys, acknowledge_and_sign, build, drive_to_review, header, wait_ready
from .test_keyboard_flow import THIRTY

JOTTINGS = [*THIRTY[:-4], "~ PRIVATECANARY4471 I felt protective", *THIRTY[-4:]]  # signs as the keyboard flow does
OSC52 = "\x1b]52;c;"


async def test_copy_after_signing_sends_the_signed_text_and_says_sent(root, monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)
    made = build(root, [("AB12", "Alex", ["Sleep 7 hours"])], [("AB12", JOTTINGS)], end=False)
    app = made.app(jot_code="AB12")
    async with app.run_test(size=SIZE) as pilot:
        pad = await wait_for_screen(pilot, ScratchpadScreen)
        await wait_until(pilot, lambda: len(pad.query_one("#jottings").text.splitlines()) == len(JOTTINGS),
                         "the jottings")
        keys = Keys(pilot)
        await keys("ctrl+o", "ctrl+o")
        screen = await wait_ready(pilot)
        await keys("ctrl+n")
        await drive_to_review(keys, screen)
        await acknowledge_and_sign(keys, screen)
        assert screen.signed is not None
        sent: list[str] = []
        real_write = app._driver.write
        monkeypatch.setattr(app._driver, "write", lambda data: (sent.append(data), real_write(data)))
        await keys("ctrl+o")
        await wait_until(pilot, lambda: "sent by OSC 52" in header(screen), "the copy notice")
        copies = [s for s in sent if s.startswith(OSC52)]
        assert len(copies) == 1
        text = base64.b64decode(copies[0][len(OSC52):-1]).decode("utf-8")
        assert text == screen.signed.text and "PRIVATECANARY4471" not in text
        assert app.clipboard == ""
        toasts = [n.message for n in app._notifications]
        assert any("your terminal may not support it" in t and CLIPBOARD_MANAGER_WARNING in t for t in toasts)
