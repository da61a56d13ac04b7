"""Issue 9.1: quit, lock or leave while saving fails (a really full disk) refuses and keeps every
line; an encrypted emergency copy to another folder is the way out, and the next start restores it.

The profile is a 3 MB tmpfs (root only; skipped with the reason otherwise, a failure under CI=true).
"""

from __future__ import annotations

from pathlib import Path

from tui.screens.restore import RestoreDialog
from tui.screens.scratchpad import ScratchpadScreen
from tui.storage import emergency
from tui.widgets.folder_prompt import FolderPrompt
from tui.widgets.jotting_editor import JottingEditor

from .helpers import SIZE, Client, build_profile, screen_text, settle, status_parts, status_text, vault_lines, \
    wait_for_screen, wait_until
from .test_scratchpad_bad_input import _fill_disk, small_disk  # noqa: F401 - the tmpfs fixture

CANARY = "EMERGENCYCANARY-5521"


async def _until_not_saved(pilot, pad: ScratchpadScreen, editor: JottingEditor) -> None:
    """Type (in big pieces) until the status says the disk is full. The store keeps a reserve
    that it frees at the first full-disk error, so this may take a few rounds."""
    for round_ in range(200):
        if status_parts(pad)[2].startswith("not saved"):
            return
        editor.insert("\n" + "\n".join(f'" filler {round_}.{i} ' + "w" * 200 for i in range(40)))
        await settle(pilot, 1)
        await pilot.pause(0.4)
    raise AssertionError(f"never 'not saved': {status_text(pad)}")


async def test_quit_lock_and_leave_refuse_then_an_emergency_copy_restores_every_line(small_disk: Path,
                                                                                     tmp_path: Path) -> None:
    made = build_profile(small_disk, [Client("RB-07")])
    usb = tmp_path / "usb"  # another disk
    usb.mkdir()
    filler = small_disk / "filler"
    app = made.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad = await wait_for_screen(pilot, ScratchpadScreen)
        editor = pad.query_one(JottingEditor)
        editor.insert("! denies SI/HI")
        await wait_until(pilot, lambda: [t for _, t in vault_lines(app, pad)] == ["! denies SI/HI"], "first save")
        try:
            _fill_disk(filler)
        except AssertionError:
            filler.unlink(missing_ok=True)
            raise
        await _until_not_saved(pilot, pad, editor)
        assert "disk full" in status_parts(pad)[2]
        # Three more lines, typed key by key.
        for line in (f"> CR {CANARY}", "< nods", "hw walk"):
            await pilot.press("enter", *[{" ": "space", ">": "greater_than_sign", "<": "less_than_sign",
                                          "-": "minus"}.get(ch, ch) for ch in line])
        typed = editor.text
        assert typed.endswith(f"> CR {CANARY}\n< nods\nhw walk")

        await pilot.press("ctrl+q")
        await settle(pilot, 1)
        assert app.return_code is None, "quit with unsaved text must not exit"
        assert app.screen is pad and editor.text == typed and editor.has_focus
        assert "not quitting: the last lines are not saved" in status_text(pad)
        assert "not quitting" in screen_text(app), "said on screen, whole"
        assert "Emergency copy" in screen_text(app), "the way out is shown among the keys"

        await pilot.press("ctrl+l")
        await settle(pilot, 1)
        assert app.workspace is not None and app.screen is pad, "lock refused: the keys stay"
        assert "not locked" in status_text(pad)

        await pilot.press("f10")
        await settle(pilot, 1)
        assert app.screen is pad and "not left" in status_text(pad)

        # The way out: f9, a folder typed on a one-line prompt in the status bar.
        assert "f9 writes an encrypted emergency copy" in status_text(pad)
        await pilot.press("f9")
        await settle(pilot, 1)
        prompt = pad.query_one(FolderPrompt)
        assert prompt.display and prompt.has_focus and app.screen is pad, "a prompt on the screen, not a pop-up"
        prompt.value = str(usb)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "emergency copy written" in status_text(pad), "the copy written")
        assert editor.has_focus and not prompt.display
        [copy] = list(usb.iterdir())
        assert copy.stat().st_mode & 0o777 == 0o600
        assert CANARY.encode() not in copy.read_bytes(), "encrypted"
        assert "next start offers to restore it" in status_text(pad)

        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 0

    filler.unlink()  # room again
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await wait_for_screen(pilot, RestoreDialog)
        assert "Emergency copies waiting" in screen_text(app) and copy.name in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, RestoreDialog), "the restore")
        await settle(pilot)
        [session] = app.workspace.record.query("SELECT id FROM sessions")
        restored = [t for t in (line.text for line in app.workspace.vault.load_jottings(f"session:{session['id']}"))]
        assert "\n".join(restored) == typed.rstrip("\n"), "every line is back"
        assert not copy.exists(), "the copy is gone once its lines are safe"
        assert emergency.pending_copies(made.config.profile_dir, app.workspace.profile.profile_id).copies == []
        del dialog
