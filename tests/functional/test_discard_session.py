"""Issue 11 item 9: a session is never begun by one stray key, and one begun by mistake can be
discarded (audited), with or without jottings, individual or group, never once a note is signed."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from tui.screens.before_session import BeforeSessionScreen
from tui.screens.clients import ClientsScreen
from tui.screens.discard import DiscardDialog
from tui.screens.scratchpad import ScratchpadScreen
from tui.services.notes_due import NotesDue
from tui.services.writeup import WriteupService
from tui.widgets.jotting_editor import JottingEditor

from .timeline.conftest import sign_sessions
from .helpers import SIZE, Client, PastSession, screen_text, settle, status_text, vault_lines, wait_for_screen, \
    wait_until

CANARY = "ZQMISTAKE7710"


async def _clients(pilot, rows: int) -> ClientsScreen:
    clients = await wait_for_screen(pilot, ClientsScreen)
    await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == rows, "the client rows")
    await settle(pilot)
    return clients


def _discards(app) -> list[tuple[str, str]]:
    rows = app.workspace.record.query("SELECT subject, detail FROM audit_log WHERE action = 'session discarded'")
    return [(r["subject"], r["detail"]) for r in rows]


def _what_goes(dialog: DiscardDialog) -> str:
    """The dialog's message as drawn, unwrapped."""
    return str(dialog.query_one("#discard-what").render())


async def _type(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space", '"': "quotation_mark", ">": "greater_than_sign"}.get(c, c) for c in text])


async def test_enter_opens_before_session_and_only_a_second_enter_starts(two_clients) -> None:
    app = two_clients.app()
    async with app.run_test(size=SIZE) as pilot:
        await _clients(pilot, 2)
        await pilot.press("enter")
        before = await wait_for_screen(pilot, BeforeSessionScreen)
        await wait_until(pilot, lambda: "Last risk statement" in screen_text(app), "the panel")
        assert app.workspace.record.query("SELECT id FROM sessions") == [], "Enter alone starts nothing"
        await pilot.press("escape")
        await _clients(pilot, 2)
        assert app.workspace.record.query("SELECT id FROM sessions") == []

        await pilot.press("enter")
        before = await wait_for_screen(pilot, BeforeSessionScreen)
        await pilot.press("enter")  # there, Enter starts this client's session
        pad = await wait_for_screen(pilot, ScratchpadScreen)
        assert pad.session.client_id == before.client_id
        await pilot.press("f10")
        await _clients(pilot, 2)

        await pilot.press("down", "j")  # j starts at once, without the panel
        pad = await wait_for_screen(pilot, ScratchpadScreen)
        assert pad.session.client_code == app.workspace.record.client(pad.session.client_id)["code"]
        assert len(app.workspace.record.query("SELECT id FROM sessions")) == 2


async def test_a_session_with_jottings_goes_only_when_discard_is_typed(two_clients) -> None:
    app = two_clients.app(jot_code="KT-12")
    async with app.run_test(size=SIZE) as pilot:
        pad = await wait_for_screen(pilot, ScratchpadScreen)
        session = pad.session
        await _type(pilot, f'" {CANARY} wrong client')
        await pilot.press("enter")
        await _type(pilot, "> PE")
        await pilot.press("f8")
        dialog = await wait_for_screen(pilot, DiscardDialog)
        said = _what_goes(dialog)
        assert "2 jotting lines are destroyed for good" in said and "Type DISCARD" in said
        assert vault_lines(app, pad) == [(0, f'" {CANARY} wrong client'), (0, "> PE")], "saved before counting"

        await pilot.press("escape")  # kept: back to typing, every line there
        await wait_until(pilot, lambda: app.screen is pad, "back in the scratchpad")
        assert "nothing discarded" in status_text(pad)
        assert pad.query_one(JottingEditor).has_focus

        await pilot.press("f8")
        dialog = await wait_for_screen(pilot, DiscardDialog)
        await pilot.press("y", "enter")  # no stray key stands in for the word
        await settle(pilot)
        assert app.screen is dialog and "Nothing discarded" in screen_text(app)
        assert app.workspace.record.session(session.id) is not None

        await _type(pilot, "DISCARD")
        await pilot.press("enter")
        await _clients(pilot, 2)
        record = app.workspace.record
        assert record.session(session.id) is None
        assert app.workspace.vault.load_jottings(session.doc_key) == []
        assert _discards(app) == [(f"session:{session.id}", "2 jotting line(s) destroyed")]
        assert CANARY not in str(record.query("SELECT * FROM audit_log"))
        assert NotesDue(app.workspace).rows() == []


async def test_an_empty_session_goes_with_f8_twice(two_clients) -> None:
    app = two_clients.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad = await wait_for_screen(pilot, ScratchpadScreen)
        await pilot.press("f8")
        await settle(pilot)
        assert "press f8 again to discard this empty session" in status_text(pad) and app.screen is pad
        await pilot.press("f8")
        await _clients(pilot, 2)
        assert app.workspace.record.query("SELECT id FROM sessions") == []
        assert _discards(app) == [(f"session:{pad.session.id}", "empty scratchpad")]


async def test_a_group_session_is_discarded_whole_from_its_scratchpad(two_clients) -> None:
    app = two_clients.app()
    async with app.run_test(size=SIZE) as pilot:
        await _clients(pilot, 2)
        await pilot.press("space", "down", "space", "g")
        pad = await wait_for_screen(pilot, ScratchpadScreen)
        assert pad.session.group_session_id
        await _type(pilot, "> PE on sleep")
        await pilot.press("f8")
        said = _what_goes(await wait_for_screen(pilot, DiscardDialog))
        assert "group session of KT-12, RB-07" in said and "every member's session" in said
        app.screen.query_one(Input).value = "DISCARD"
        await pilot.press("enter")
        await _clients(pilot, 2)
        record = app.workspace.record
        assert record.query("SELECT id FROM sessions") == [] and record.query("SELECT id FROM group_sessions") == []
        assert app.workspace.vault.load_jottings(pad.session.doc_key) == []
        [(subject, detail)] = _discards(app)
        assert subject.startswith(f"group_session:{pad.session.group_session_id} sessions:")
        assert detail == "1 jotting line(s) destroyed"


async def test_an_ended_session_left_due_is_discarded_from_the_list_but_a_signed_one_never(made_profile) -> None:
    made = made_profile([Client("RB-07", "Robin Example"), Client("KT-12", "Kit Sample")],
                        [PastSession("RB-07", "2025-01-06T10:00:00+00:00", "2025-01-06T10:50:00+00:00", 50,
                                     [(0, "> CR"), (3, '" fine')]),
                         PastSession("KT-12", "2025-01-07T10:00:00+00:00", "2025-01-07T10:45:00+00:00", 45,
                                     [(0, "! denies SI/HI/SH")])])
    sign_sessions(made, [(made.session_ids[1], "2025-01-07T12:00:00+00:00", "Steady.", "low")])  # KT-12 signed
    workspace = made.open()
    try:  # RB-07's note begun: a draft, due
        service = WriteupService(workspace)
        service.release(service.open(made.session_ids[0]))
    finally:
        workspace.close()
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await _clients(pilot, 2)
        codes = [clients.query_one(DataTable).get_row_at(i)[1].plain for i in range(2)]
        clients.query_one(DataTable).move_cursor(row=codes.index("KT-12"))
        await pilot.press("d")
        await settle(pilot)
        assert app.screen is clients and "KT-12 has no unsigned session to discard" in screen_text(app)

        clients.query_one(DataTable).move_cursor(row=codes.index("RB-07"))
        await pilot.press("d")
        said = _what_goes(await wait_for_screen(pilot, DiscardDialog))
        assert "ended, no note signed" in said and "the session and its unsigned draft are removed" in said
        assert "2 jotting lines are destroyed" in said
        await _type(pilot, "DISCARD")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "discarded; nothing of it stays due" in screen_text(app), "said")
        assert NotesDue(app.workspace).rows() == []
        assert app.workspace.record.session(made.session_ids[0]) is None
        assert app.workspace.record.session(made.session_ids[1]) is not None, "the signed one stays"
        assert _discards(app) == [(f"session:{made.session_ids[0]}",
                                   "2 jotting line(s) destroyed; 1 unsigned draft(s) removed")]
