"""Issue 3, bad input: huge pastes, escapes and markup, hard Unicode, a full disk."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from textual import events

from tui.screens.scratchpad import ScratchpadScreen
from tui.widgets.jotting_editor import JottingEditor

from .helpers import (
    SIZE, Client, PastSession, build_profile, rendered_strips, screen_text, settle, shows_saved, status_parts,
    vault_lines, wait_for_screen, wait_until,
)

MB = 1024 * 1024


async def _pad(pilot) -> tuple[ScratchpadScreen, JottingEditor]:
    pad = await wait_for_screen(pilot, ScratchpadScreen)
    return pad, pad.query_one(JottingEditor)


async def _paste(pilot, editor: JottingEditor, text: str) -> None:
    """A bracketed paste arrives the way the terminal driver delivers it: to the App, which
    forwards it to the focused widget. (Posting it to the editor directly would let the
    unstopped event bubble up to the App and be forwarded to the editor a second time.)"""
    assert editor.has_focus
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def _saved_as(pilot, pad: ScratchpadScreen, text: str, timeout: float = 15.0) -> None:
    await wait_until(pilot, lambda: "\n".join(t for _, t in vault_lines(pilot.app, pad)) == text
                     and shows_saved(pad), "the vault to hold the editor's text", timeout)


# -- pastes -------------------------------------------------------------------------
async def test_a_5_mb_paste_is_refused_calmly_and_the_app_stays_responsive(two_clients) -> None:
    app = two_clients.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad, editor = await _pad(pilot)
        editor.insert("* before")
        await _saved_as(pilot, pad, "* before")

        await _paste(pilot, editor, ("x" * 99 + "\n") * (5 * MB // 100))
        await settle(pilot)
        assert editor.text == "* before", "nothing of the paste was inserted"
        parts = status_parts(pad)
        assert parts[-1] == "paste of 5.0 MB not added (limit 1.0 MB)"
        status = str(pad.query_one("#status").render())
        assert "\n" not in status and pad.query_one("#status").size.height == 1, "one line"
        assert status in screen_text(app), "the whole message is on screen, not cut off"
        assert app.screen is pad, "no pop-up"

        await pilot.press("!")  # still responsive: the next key goes in
        assert editor.text == "* before!"
        await _saved_as(pilot, pad, "* before!")
        assert "paste of" not in str(pad.query_one("#status").render()), "the note goes once typing resumes"
        assert "Curtain" in screen_text(app), "and the key hints come back"


async def test_a_paste_just_under_the_limit_is_saved(two_clients) -> None:
    app = two_clients.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad, editor = await _pad(pilot)
        line = "o " + "y" * 97 + "\n"  # 100 bytes a line
        text = line * (MB // 100) + "z" * (MB % 100 - 1)
        assert len(text.encode()) == MB - 1
        await _paste(pilot, editor, text)
        await wait_until(pilot, lambda: editor.document.line_count > 10_000, "the paste to go in")
        assert editor.text == text
        await _saved_as(pilot, pad, text.rstrip("\n"), timeout=120)
        assert "paste of" not in str(pad.query_one("#status").render())


async def test_the_paste_limit_is_configurable(made_profile) -> None:
    made = made_profile([Client("RB-07")], paste_limit_kb=1)
    app = made.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad, editor = await _pad(pilot)
        await _paste(pilot, editor, "a" * 1025)
        assert editor.text == ""
        assert status_parts(pad)[-1] == "paste of 1 KB not added (limit 1 KB)"
        await _paste(pilot, editor, "a" * 1024)
        assert editor.text == "a" * 1024


async def test_a_plain_paste_goes_in_once_with_the_cursor_after_it(two_clients) -> None:
    app = two_clients.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad, editor = await _pad(pilot)
        await _paste(pilot, editor, "> grounding")  # plain text
        assert editor.text == "> grounding"
        await _paste(pilot, editor, "\r\n< calmer")  # Windows line ends become newlines
        await pilot.press("!")
        assert editor.text == "> grounding\n< calmer!"
        await _saved_as(pilot, pad, "> grounding\n< calmer!")


# -- escapes and markup ----------------------------------------------------------------
HOSTILE = "\x1b[31mRED\x1b[0m \x07 [bold red]x[/] [link=https://e.com]y[/]"
SHOWN = "␛[31mRED␛[0m ␇ [bold red]x[/] [link=https://e.com]y[/]"


def _assert_nothing_styles(app) -> None:
    for strip in rendered_strips(app):
        for segment in strip:
            assert "\x1b" not in segment.text and "\x07" not in segment.text, repr(segment.text)
            style = segment.style
            if style is None:
                continue
            assert not style.link, f"a link was drawn: {segment!r}"
            if "RED" in segment.text or "x[/]" in segment.text:
                assert not style.bold, f"markup styled the text: {segment!r}"
                assert style.color is None or style.color.triplet is None or style.color.triplet != (255, 0, 0)


async def test_escapes_and_markup_in_a_paste_show_literally(two_clients) -> None:
    app = two_clients.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad, editor = await _pad(pilot)
        await _paste(pilot, editor, HOSTILE)
        assert editor.text == SHOWN
        await settle(pilot)
        assert SHOWN in screen_text(app)
        _assert_nothing_styles(app)
        await _saved_as(pilot, pad, SHOWN)


async def test_escapes_and_markup_typed_key_by_key_show_literally(two_clients) -> None:
    app = two_clients.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad, editor = await _pad(pilot)
        await pilot.press(*"[bold red]x[/]")
        assert editor.text == "[bold red]x[/]"
        await _saved_as(pilot, pad, "[bold red]x[/]")
        assert "[bold red]x[/]" in screen_text(app)
        _assert_nothing_styles(app)


async def test_escapes_already_in_the_vault_are_shown_as_symbols(made_profile) -> None:
    made = made_profile([Client("RB-07")], [
        PastSession("RB-07", "2024-03-05T10:00:00+00:00", "2024-03-05T10:50:00+00:00", 50,
                    jottings=[(1, "? " + HOSTILE)]),
        PastSession("RB-07", "2024-03-12T10:00:00+00:00", jottings=[(1, HOSTILE), (2, "ok\rthen")]),
    ])
    app = made.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad, editor = await _pad(pilot)
        assert editor.text == SHOWN + "\nok␍then"
        text = screen_text(app)
        assert SHOWN in text
        assert "? " + SHOWN in text, "last time's question is literal too"
        _assert_nothing_styles(app)


# -- hard Unicode ------------------------------------------------------------------------
UNICODE_LINES = [
    '" 👩‍⚕️ 👍🏽 🇺🇦 family 👨‍👩‍👧',
    "* שלום עולם, she said it in Hebrew",
    "< مرحبا بكم ثم English again",
    "o cafe\u0301 nai\u0308ve Z\u0351\u0362a\u0336l\u034fg\u0489o",  # combining marks, not normalised
    ("~ " + "long thought " * 800)[:10_000],  # a line of 10,000 characters
]


async def test_emoji_rtl_combining_and_long_lines_round_trip_exactly(two_clients) -> None:
    assert len(UNICODE_LINES[-1]) == 10_000
    text = "\n".join(UNICODE_LINES)
    app = two_clients.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad, editor = await _pad(pilot)
        editor.insert("\n".join(UNICODE_LINES[:-1]) + "\n")
        await _paste(pilot, editor, UNICODE_LINES[-1])
        assert editor.text == text
        await _saved_as(pilot, pad, text)
        await pilot.press("f10")  # leave the session open
        await settle(pilot)

    app = two_clients.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad, editor = await _pad(pilot)
        assert pad.session.resumed
        assert editor.text == text, "reloaded exactly, code point for code point"
        assert [t for _, t in vault_lines(app, pad)] == UNICODE_LINES
        screen_text(app)  # and it draws without error


# -- a real full disk ------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path: Path, require):
    """A 3 MB tmpfs, mounted for this test only. Needs root: without it the test skips
    with the reason, or fails when CI=true (`require` comes from tests/conftest.py)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    require(os.geteuid() == 0, "mounting a tmpfs needs root")
    require(shutil.which("mount") is not None, "no mount command")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    require(done.returncode == 0, f"mount -t tmpfs failed: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill_disk(path: Path) -> None:
    """Write until the filesystem says ENOSPC: big blocks, then small ones for the last scraps."""
    with path.open("wb", buffering=0) as fh:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc


async def test_a_full_disk_during_autosave_keeps_the_text_and_retries(small_disk: Path) -> None:
    made = build_profile(small_disk, [Client("RB-07")])
    app = made.app(jot_code="RB-07")
    filler = small_disk / "filler"
    async with app.run_test(size=SIZE) as pilot:
        pad, editor = await _pad(pilot)
        editor.insert("! denies SI/HI")
        await _saved_as(pilot, pad, "! denies SI/HI")

        # The profile's reserve.bin would let this save through a full disk (that is its
        # job, tested in tests/unit/storage/test_vault_rows.py); here the disk is truly full.
        (made.config.profile_dir / "reserve.bin").unlink(missing_ok=True)
        try:
            _fill_disk(filler)
        except AssertionError:
            filler.unlink(missing_ok=True)
            raise
        try:
            more = "\n" + "\n".join(f'" line {i} ' + "w" * 200 for i in range(100))  # ~20 KB: new pages
            editor.insert(more)
            await wait_until(pilot, lambda: status_parts(pad)[2].startswith("not saved"), "'not saved'")
            assert status_parts(pad)[2] == "not saved: disk full, retrying"
            assert "not saved: disk full, retrying" in screen_text(app), "shown whole"
            assert editor.text == "! denies SI/HI" + more, "the text stays in the editor"
            assert [t for _, t in vault_lines(app, pad)] == ["! denies SI/HI"]
            assert app.screen is pad
        finally:
            filler.unlink()

        await _saved_as(pilot, pad, "! denies SI/HI" + more)  # the retry lands by itself
        assert status_parts(pad)[2] == "saved"
        assert app.workspace.vault.integrity_check() == "ok"
