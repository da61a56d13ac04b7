"""Pilot: every tampering case the CLI tests make (tests/unit/signing/test_tamper_cli.py, the same
tamper helpers) is shown to the clinician in the TUI. The attacker holds the record's data key
(the app's own SQLCipher connection, opened with it) but not the signing key. The chart flags the
client's failing notes and the record's own problems (doctor's note chain, audit log and search
index checks); the note view names the failure. Neither ever says "verified". A genuine note
from before signatures (a v3 record, hash seal only) reads "sealed (hash only)"."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from tui.screens.chart import ChartScreen
from tui.screens.clients import ClientsScreen
from tui.screens.note_view import NoteViewScreen

from tui.domain.canonical import addendum_hash, content_hash
from tui.storage import record as recordmod

from ..helpers import SIZE, build_profile, screen_text, settle, wait_for_screen, wait_until
from ..timeline.conftest import timeline_profile  # noqa: F401 - the fixture
from ..timeline.test_navigation import open_chart, rows
from .test_note_view_signature import tamper  # the CLI tests' tamper helpers


@dataclass
class Victim:
    note: int  # RB-07's newest signed note (2025-01-20), with one signed addendum
    session: int
    earlier: int  # the note signed before it (2025-01-13)
    client: int
    audit_head: int  # the audit row named in the newest note's signed payload


@pytest.fixture
def victim(timeline_profile):  # noqa: F811
    made, notes = timeline_profile
    s2, s3 = made.session_ids[1], made.session_ids[2]
    workspace = made.open()
    try:
        from tui.services.writeup import NoteRecords

        NoteRecords(workspace).add_addendum(notes[s3], "Client called to correct the date of the move.")
        head = json.loads(workspace.record.note(notes[s3])["signed_payload"])["audit_head"]["audit_id"]
    finally:
        workspace.close()
    return made, Victim(notes[s3], s3, notes[s2], made.client_ids["RB-07"], head)


@dataclass
class Case:
    name: str
    edit: Callable[[Any, Victim], Any]  # returns the note to open, or None for a record-level case
    expect: str


def forged_hash_only(conn: Any, v: Victim) -> int:
    return tamper.forge_hash_only_note(conn, v.client, "2025-01-21T10:00:00+00:00", "RB-07")


def deleted(conn: Any, v: Victim) -> None:
    tamper.delete_note(conn, v.earlier)


NOTE_CASES = [
    Case("rehashed text, addenda re-chained",
         lambda c, v: tamper.rewrite_text(c, v.note, "Mood improving", "Mood ALTERED"),
         "the note text differs from what was signed"),
    Case("re-signed with the attacker's own key",
         lambda c, v: tamper.resign_with_own_key(c, v.note, "Mood improving", "Mood ALTERED"),
         "which is not this clinician's key"),
    Case("risk edited", lambda c, v: tamper.update_risk(c, v.session),
         "the risk assessment differs from what was signed"),
    Case("measure edited", lambda c, v: tamper.update_measure(c, v.session),
         "the measure scores differ from what was signed"),
    Case("session edited", lambda c, v: tamper.update_session(c, v.session),
         "the session's date, times or setting differ from what was signed"),
    Case("section edited", lambda c, v: tamper.edit_section(c, v.note),
         "the note's sections differ from what was signed"),
    Case("forged addendum, bad chain", lambda c, v: tamper.forge_addendum(c, v.note, well_chained=False),
         "addendum 2 does not amend what precedes it"),
    Case("forged addendum, well chained but unsigned", lambda c, v: tamper.forge_addendum(c, v.note, well_chained=True),
         "addendum 2 is not signed"),
    Case("forged hash-only note", forged_hash_only, "was not signed before signatures began"),
]

RECORD_CASES = [
    Case("a deleted note in the chain", deleted, "a note was deleted"),
    Case("edited search index", lambda c, v: tamper.edit_search_index(c, v.note),
         "differs from what was signed"),
    Case("edited audit row", lambda c, v: tamper.edit_audit(c), "audit row 3 was edited after it was written"),
    Case("truncated audit log, its heads removed too", lambda c, v: tamper.truncate_audit(c, keep=v.audit_head - 1),
         "which is gone or changed"),
]


def tampered(made, v: Victim, case: Case) -> int | None:
    workspace = made.open()
    try:
        with workspace.record.transaction() as conn:
            opened = case.edit(conn, v)
    finally:
        workspace.close()
    return opened if isinstance(opened, int) else None


def header(chart: ChartScreen) -> str:
    return str(chart.query_one("#chart-header", Static).render())


@pytest.mark.parametrize("case", NOTE_CASES, ids=[c.name for c in NOTE_CASES])
async def test_a_tampered_note_is_flagged_in_the_chart_and_the_note_view(victim, case):
    made, v = victim
    note_id = tampered(made, v, case) or v.note
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        chart = await open_chart(pilot)
        await wait_until(pilot, lambda: "SIGNATURE INVALID" in header(chart), "the chart's SIGNATURE INVALID line")
        assert set(chart.invalid) == {note_id}, chart.invalid
        assert any(case.expect in p for p in chart.invalid[note_id])
        listed = rows(chart)
        index = next(i for i, r in enumerate(listed.rows) if r.note_id == note_id)
        assert listed.rows[index].status == "INVALID"
        await settle(pilot)
        assert "INVALID" in screen_text(app) and "verified" not in screen_text(app)
        await pilot.press(*(["down"] * (index - listed.cursor)), "enter")
        note = await wait_for_screen(pilot, NoteViewScreen)
        assert note.note_id == note_id
        seal = note.query_one("#seal", Static)
        await wait_until(pilot, lambda: seal.has_class("seal-broken"), "the broken signature")
        shown = str(seal.render())
        assert "SIGNATURE INVALID" in shown and case.expect in shown, shown
        await settle(pilot)
        assert "verified" not in screen_text(app).replace("SIGNATURE INVALID", "")


@pytest.mark.parametrize("case", RECORD_CASES, ids=[c.name for c in RECORD_CASES])
async def test_a_tampered_record_is_flagged_in_the_chart(victim, case):
    made, v = victim
    tampered(made, v, case)
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        chart = await open_chart(pilot)
        await wait_until(pilot, lambda: "RECORD ALTERED" in header(chart), "the chart's RECORD ALTERED line")
        assert any(case.expect in p for p in chart.record_problems), chart.record_problems
        assert case.expect in header(chart)
        await settle(pilot)
        assert "RECORD ALTERED" in screen_text(app) and "verified" not in screen_text(app)


async def test_an_untouched_record_raises_no_flag(victim):
    made, v = victim
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        chart = await open_chart(pilot)
        await settle(pilot)  # the chart's checks are a worker; settle waits for it
        assert chart.invalid == {} and chart.record_problems == []
        text = screen_text(app)
        assert "INVALID" not in text and "RECORD ALTERED" not in text
        index = next(i for i, r in enumerate(rows(chart).rows) if r.note_id == v.note)
        await pilot.press(*(["down"] * (index - rows(chart).cursor)), "enter")
        note = await wait_for_screen(pilot, NoteViewScreen)
        seal = note.query_one("#seal", Static)
        await wait_until(pilot, lambda: "signature verified" in str(seal.render()), "the verified seal")


# -- a genuine note from before signatures ------------------------------------------------
class RecordV3(recordmod.RecordStore):
    """The record as Hushpad wrote it before signatures."""

    migrations = (recordmod.RECORD_V1, recordmod.RECORD_V2, recordmod.RECORD_V3)


OLD_TEXT = "PROGRESS NOTE (SOAP)\n\nClient: OLD1\n\nASSESSMENT\nSigned long ago.\n"


async def test_a_genuine_pre_signature_note_reads_sealed_hash_only(tmp_path):
    """keys.json with no signing key and record.db at schema v3, written as the old code wrote
    them: the app migrates, makes a key, and labels the old note "sealed (hash only)"."""
    made = build_profile(tmp_path / "legacy")
    workspace = made.open()
    try:
        dek = bytes(workspace.profile.deks()["record"])
    finally:
        workspace.close()
    root = made.config.profile_dir
    doc = json.loads((root / "keys.json").read_text())
    doc.pop("key_wraps", None)
    doc.pop("public_keys", None)
    (root / "keys.json").write_text(json.dumps(doc))
    for name in ("record.db", "record.db-wal", "record.db-shm"):
        (root / name).unlink(missing_ok=True)
    store = RecordV3(root / "record.db", dek, create=True)
    with store.transaction() as conn:
        conn.execute("INSERT INTO clients (code, created_at) VALUES ('OLD1', '2024-01-01')")
        conn.execute("INSERT INTO sessions (client_id, started_at, ended_at, duration_min) "
                     "VALUES (1, '2024-01-02T10:00:00+00:00', '2024-01-02T10:50:00+00:00', 50)")
        conn.execute("""INSERT INTO progress_notes (session_id, template, status, canonical_text, content_hash, signer,
                        credentials, signed_at, created_at, updated_at) VALUES (1, 'soap', 'draft', ?, ?,
                        'Test Clinician', 'LCSW', '2024-01-02T11:00:00+00:00', 'x', 'x')""",
                     (OLD_TEXT, content_hash(OLD_TEXT)))
        conn.execute("UPDATE progress_notes SET status = 'signed'")  # as the old code signed: indexed on sign
        a_hash = addendum_hash(content_hash(OLD_TEXT), "Old correction.", "2024-01-03T09:00:00+00:00", "Test Clinician")
        conn.execute("""INSERT INTO addenda (note_id, body, signer, created_at, amends_hash, content_hash)
                        VALUES (1, 'Old correction.', 'Test Clinician', '2024-01-03T09:00:00+00:00', ?, ?)""",
                     (content_hash(OLD_TEXT), a_hash))
        conn.execute("INSERT INTO audit_log (at, actor, action, subject) "
                     "VALUES ('2024-01-02', 'Test Clinician', 'note signed', 'note:1')")
    store.close()
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 1, "the one client")
        await pilot.press("t")
        chart = await wait_for_screen(pilot, ChartScreen)
        await wait_until(pilot, lambda: chart.chart is not None, "the chart to load")
        await settle(pilot)
        assert chart.invalid == {} and chart.record_problems == []
        assert "INVALID" not in screen_text(app) and "RECORD ALTERED" not in screen_text(app)
        await pilot.press("enter")
        note = await wait_for_screen(pilot, NoteViewScreen)
        seal = note.query_one("#seal", Static)
        await wait_until(pilot, lambda: "sealed (hash only)" in str(seal.render()), "the hash-only label")
        shown = str(seal.render())
        assert not seal.has_class("seal-broken") and "signature verified" not in shown and "INVALID" not in shown
        assert "Signed long ago." in screen_text(app)
