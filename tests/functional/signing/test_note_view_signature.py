"""Pilot: the note view shows what the one verify says. A note whose text was rewritten with
every hash recomputed and the addenda re-chained (the data key in hand) is shown as
SIGNATURE INVALID, never as verified; an intact one names its key; a note sealed before
signatures says "sealed (hash only)"."""

from __future__ import annotations

from textual.widgets import Static

import importlib.util
from pathlib import Path

from tui.screens.note_view import NoteViewScreen

from ..helpers import SIZE, screen_text, wait_for_screen, wait_until
from ..timeline.conftest import timeline_profile  # noqa: F401 - the fixture
from ..timeline.test_navigation import open_chart

# The attacker's edits, shared with the CLI tamper tests.
_spec = importlib.util.spec_from_file_location(
    "signing_tamper", Path(__file__).parents[2] / "unit" / "signing" / "tamper.py")
tamper = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tamper)


async def open_note_view(app, pilot, downs: int) -> NoteViewScreen:
    await open_chart(pilot)
    await pilot.press(*(["down"] * downs), "enter")
    return await wait_for_screen(pilot, NoteViewScreen)


async def test_a_rehashed_rewrite_is_shown_as_signature_invalid(timeline_profile):  # noqa: F811
    made, notes = timeline_profile
    victim = notes[made.session_ids[2]]
    workspace = made.open()
    try:
        with workspace.record.transaction() as conn:
            tamper.rewrite_text(conn, victim, "Mood improving", "Mood ALTERED")
    finally:
        workspace.close()
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        note = await open_note_view(app, pilot, 1)
        assert note.note_id == victim
        seal = note.query_one("#seal", Static)
        await wait_until(pilot, lambda: seal.has_class("seal-broken"), "the broken signature")
        shown = str(seal.render())
        assert "SIGNATURE INVALID" in shown and "the note text differs from what was signed" in shown
        assert "verified" not in shown.replace("SIGNATURE INVALID", "")
        assert "Mood ALTERED" in screen_text(app)  # shown as stored, not hidden


async def test_an_intact_note_names_its_key(timeline_profile):  # noqa: F811
    made, notes = timeline_profile
    workspace = made.open()
    try:
        from tui.services.signing import Signatures

        fingerprint = Signatures(workspace).fingerprint()
    finally:
        workspace.close()
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        note = await open_note_view(app, pilot, 1)
        seal = note.query_one("#seal", Static)
        await wait_until(pilot, lambda: "Seal verified" in str(seal.render()), "the verified seal")
        assert f"signature verified, key {fingerprint}" in str(seal.render())
        assert not seal.has_class("seal-broken")


async def test_a_hash_only_note_made_after_signatures_began_is_invalid(timeline_profile):  # noqa: F811
    """Stripping a note's signature to pass it off as one sealed before signatures (a genuine
    one is labelled "sealed (hash only)": tests/unit/signing/test_legacy_and_openssl.py)."""
    made, notes = timeline_profile
    victim = notes[made.session_ids[2]]
    workspace = made.open()
    try:
        with workspace.record.transaction() as conn:
            triggers = tamper.drop_triggers(conn)
            conn.execute("UPDATE progress_notes SET signed_payload = NULL, signature = NULL, signer_key = NULL "
                         "WHERE id = ?", (victim,))
            tamper.recreate(conn, triggers)
    finally:
        workspace.close()
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        note = await open_note_view(app, pilot, 1)
        seal = note.query_one("#seal", Static)
        await wait_until(pilot, lambda: seal.has_class("seal-broken"), "the broken signature")
        assert "SIGNATURE INVALID" in str(seal.render()) and "not signed before signatures began" in str(seal.render())
