"""Pilot: the timeline through keys. List -> chart -> note -> private jottings -> back;
search from the chart; notes due; an addendum; the TUI export; a broken seal; empty client."""

from __future__ import annotations

import os
import stat

from textual.widgets import DataTable, Input, Static

from tui.screens.before_session import BeforeSessionScreen
from tui.screens.chart import ChartScreen
from tui.screens.clients import ClientsScreen
from tui.screens.export import ExportForm
from tui.screens.note_view import AddendumForm, NoteViewScreen
from tui.screens.notes_due import NotesDueScreen
from tui.screens.private_jottings import PrivateJottingsScreen
from tui.screens.search import SearchScreen
from tui.screens.treatment_plan import TreatmentPlanScreen
from tui.screens.writeup import WriteupScreen
from tui.widgets.row_list import RowList

from ..helpers import SIZE, screen_text, settle, wait_for_screen, wait_until
from .conftest import TILDE_CANARY


async def open_clients(pilot, code: str | None = None) -> ClientsScreen:
    screen = await wait_for_screen(pilot, ClientsScreen)
    table = screen.query_one(DataTable)
    await wait_until(pilot, lambda: table.row_count == 3, "three client rows")
    await settle(pilot)
    if code is not None:
        codes = [c.code for c in screen._clients]
        for _ in range(codes.index(code)):
            await pilot.press("down")
        assert screen._current().code == code
    return screen


async def open_chart(pilot, code: str = "RB-07") -> ChartScreen:
    await open_clients(pilot, code)
    await pilot.press("t")
    chart = await wait_for_screen(pilot, ChartScreen)
    await wait_until(pilot, lambda: chart.chart is not None, "the chart to load")
    await settle(pilot)
    return chart


def rows(chart: ChartScreen) -> RowList:
    return chart.query_one("#chart-sessions", RowList)


async def test_list_chart_note_private_and_back(timeline_profile):
    made, notes = timeline_profile
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        chart = await open_chart(pilot)
        listed = rows(chart)
        assert [r.status for r in listed.rows] == ["no note", "signed", "late entry", "signed"]
        assert listed.has_focus and listed.cursor == 0
        await pilot.press("down", "down", "down")
        assert listed.current.session_id == made.session_ids[0]
        await pilot.press("enter")
        note = await wait_for_screen(pilot, NoteViewScreen)
        assert note.note_id == notes[made.session_ids[0]]
        await wait_until(pilot, lambda: "zebrafinch" in screen_text(app), "the note text")
        assert "Seal verified" in str(note.query_one("#seal", Static).render())
        assert not note.query_one("#seal").has_class("seal-broken")
        await pilot.press("escape")
        assert await wait_for_screen(pilot, ChartScreen) is chart
        assert rows(chart).cursor == 3  # the place in the list is kept
        audited_before = len(app.workspace.record.audit_entries(1000))
        await pilot.press("j")
        private = await wait_for_screen(pilot, PrivateJottingsScreen)
        await wait_until(pilot, lambda: TILDE_CANARY in screen_text(app), "the private jottings")
        text = screen_text(app)
        assert "PRIVATE PSYCHOTHERAPY NOTES" in text
        assert private.session_id == made.session_ids[0]
        entries = app.workspace.record.audit_entries(1000)
        assert len(entries) == audited_before + 1
        assert (entries[0]["action"], entries[0]["subject"]) == ("private jottings viewed",
                                                                 f"session:{made.session_ids[0]}")
        await pilot.press("escape")
        await wait_for_screen(pilot, ChartScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, ClientsScreen)


async def test_search_from_the_chart_finds_and_opens_a_note(timeline_profile):
    made, notes = timeline_profile
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_chart(pilot)
        await pilot.press("slash")
        search = await wait_for_screen(pilot, SearchScreen)
        assert search.client_id == made.client_ids["RB-07"]
        assert search.query_one(Input).has_focus
        await pilot.press(*"zebrafinch")
        results = search.query_one(RowList)
        await wait_until(pilot, lambda: len(results.rows) == 1, "one search result")
        assert "1 note match" in str(search.query_one("#search-summary", Static).render())
        assert "zebrafinch" in screen_text(app)
        await pilot.press("down")
        assert results.has_focus
        await pilot.press("enter")
        note = await wait_for_screen(pilot, NoteViewScreen)
        assert note.note_id == notes[made.session_ids[0]]
        await pilot.press("escape")
        await wait_for_screen(pilot, SearchScreen)
        # ctrl+t widens to all clients; a word only in another client's record stays unfound here
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: search.client_id is None, "the all-clients scope")
        assert "all clients' notes" in str(search.query_one("#search-scope", Static).render())


async def test_search_includes_private_jottings_only_on_request(timeline_profile):
    made, _notes = timeline_profile
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_clients(pilot)
        await pilot.press("ctrl+f")
        search = await wait_for_screen(pilot, SearchScreen)
        search.query_one(Input).value = TILDE_CANARY.lower()
        summary = search.query_one("#search-summary", Static)
        await wait_until(pilot, lambda: "0 note matches" in str(summary.render()), "an empty search")
        assert TILDE_CANARY not in screen_text(app)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: "2 private jotting line(s)" in str(summary.render()), "private hits")
        assert TILDE_CANARY in screen_text(app)
        assert app.workspace.record.audit_entries(1)[0]["action"] == "private jottings searched"


async def test_notes_due_overdue_first_and_enter_opens_the_write_up(timeline_profile):
    made, _notes = timeline_profile
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_clients(pilot)
        await pilot.press("n")
        due = await wait_for_screen(pilot, NotesDueScreen)
        listed = due.query_one(RowList)
        await wait_until(pilot, lambda: len(listed.rows) == 2, "two notes due")
        assert [r["session_id"] for r in listed.rows] == [made.session_ids[3], made.session_ids[4]]
        assert listed.cursor == 0 and listed.rows[0]["overdue"]
        text = screen_text(app)
        assert "OVERDUE (>24 h)" in text and "2 due, 2 overdue." in text
        first_line = next(line for line in text.splitlines() if "RB-07" in line)
        assert "OVERDUE" in first_line
        await pilot.press("enter")
        writeup = await wait_for_screen(pilot, WriteupScreen)
        assert writeup.session_id == made.session_ids[3]


async def test_addendum_shows_in_the_note_and_the_chart_says_addended(timeline_profile):
    made, notes = timeline_profile
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        chart = await open_chart(pilot)
        await pilot.press("down")
        await pilot.press("enter")
        note = await wait_for_screen(pilot, NoteViewScreen)
        assert note.note_id == notes[made.session_ids[2]]
        await pilot.press("a")
        form = await wait_for_screen(pilot, AddendumForm)
        area = form.query_one("#addendum-text")
        area.load_text("Correction: the GP letter was sent on 21 Jan")
        area.move_cursor(area.document.end)
        await pilot.press(".")
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, NoteViewScreen)
        body = note.query_one("#note-text", Static)
        await wait_until(pilot, lambda: "GP letter was sent on 21 Jan." in str(body.render()), "the addendum text")
        assert "ADDENDUM" in str(body.render())
        await pilot.press("end")  # the note scrolls; the addendum is drawn at its end
        await wait_until(pilot, lambda: "GP letter was sent on 21 Jan." in screen_text(app), "the addendum on screen")
        assert not note.query_one("#seal").has_class("seal-broken")
        await pilot.press("escape")
        await wait_for_screen(pilot, ChartScreen)
        await wait_until(pilot, lambda: rows(chart).rows[1].status == "addended", "the chart status addended")
        assert "addended" in screen_text(app)


async def test_tui_export_writes_a_0600_file_without_private_text(timeline_profile, tmp_path):
    made, _notes = timeline_profile
    app = made.app()
    target = tmp_path / "out" / "rb07.md"
    target.parent.mkdir()
    async with app.run_test(size=SIZE) as pilot:
        await open_chart(pilot)
        await pilot.press("x")
        form = await wait_for_screen(pilot, ExportForm)
        form.query_one("#export-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        result = form.query_one("#export-result", Static)
        await wait_until(pilot, lambda: "Wrote" in str(result.render()), "the export result")
        assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
        text = target.read_text()
        assert text.startswith("# Records request: ") and "- Client code: RB-07\n" in text and "zebrafinch" in text
        assert TILDE_CANARY not in text
        entry = app.workspace.record.audit_entries(1)[0]
        assert (entry["action"], entry["detail"]) == ("client record exported", "md")


async def test_broken_seal_is_shown_loudly_and_the_app_keeps_working(timeline_profile):
    made, notes = timeline_profile
    victim = notes[made.session_ids[2]]
    workspace = made.open()
    try:
        text = workspace.record.note(victim)["canonical_text"]
        with workspace.record.transaction() as conn:
            conn.execute("DROP TRIGGER signed_note_no_update")
            conn.execute("UPDATE progress_notes SET canonical_text = ? WHERE id = ?",
                         (text.replace("Mood improving", "Mood ALTERED"), victim))
    finally:
        workspace.close()
    app = made.app()
    # Taller than SIZE: the altered Assessment line is below the fold once the note states its
    # treatment plan ("Treatment plan: not signed yet", issue 13 item 2), and it must be seen.
    async with app.run_test(size=(SIZE[0], SIZE[1] + 8)) as pilot:
        chart = await open_chart(pilot)
        await pilot.press("down", "enter")
        note = await wait_for_screen(pilot, NoteViewScreen)
        assert note.note_id == victim
        seal = note.query_one("#seal", Static)
        await wait_until(pilot, lambda: seal.has_class("seal-broken"), "the broken seal")
        assert "SEAL BROKEN" in str(seal.render()) and "SEAL BROKEN" in screen_text(app)
        assert "Mood ALTERED" in screen_text(app)  # shown, not hidden
        await pilot.press("escape")
        await wait_for_screen(pilot, ChartScreen)
        await pilot.press("down", "enter")  # the next (intact) note still opens, verified
        other = await wait_for_screen(pilot, NoteViewScreen)
        assert other.note_id == notes[made.session_ids[1]]
        seal = other.query_one("#seal", Static)
        await wait_until(pilot, lambda: "Seal verified" in str(seal.render()), "an intact seal")
        assert not seal.has_class("seal-broken")
        await pilot.press("escape")
        assert await wait_for_screen(pilot, ChartScreen) is chart


async def test_client_with_nothing_yet(timeline_profile):
    made, _notes = timeline_profile
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        chart = await open_chart(pilot, "EMPTY-1")
        text = screen_text(app)
        for expected in ("EMPTY-1", "Goals: none yet", "PHQ-9  no scores yet", "GAD-7  no scores yet",
                         "no risk assessments yet", "No sessions yet."):
            assert expected in text, expected
        await pilot.press("enter", "j")  # nothing to open: no crash, still on the chart
        await settle(pilot)
        assert app.screen is chart
        await pilot.press("b")
        await wait_for_screen(pilot, BeforeSessionScreen)
        await wait_until(pilot, lambda: "Last session: none yet" in screen_text(app), "the before-session panel")
        assert "not assessed yet" in screen_text(app)
        await pilot.press("escape")
        await wait_for_screen(pilot, ChartScreen)
        await pilot.press("p")
        await wait_for_screen(pilot, TreatmentPlanScreen)
        await wait_until(pilot, lambda: "No goals yet. Press g to add one." in screen_text(app), "the empty plan")
        await pilot.press("escape")
        await wait_for_screen(pilot, ChartScreen)
        await pilot.press("x")
        form = await wait_for_screen(pilot, ExportForm)
        form.query_one("#export-path", Input).value = str(made.config.profile_dir.parent / "empty.json")
        form.query_one("#export-format").value = "json"
        await pilot.press("ctrl+s")
        result = form.query_one("#export-result", Static)
        await wait_until(pilot, lambda: "Wrote" in str(result.render()), "the export result")
        assert '"progress_notes": []' in (made.config.profile_dir.parent / "empty.json").read_text()
