"""Issue 8.1: one policy for a worker's unexpected error. It is a calm, persistent line on the
screen and a log entry naming only the exception type and where: never the app closing, never
the typing lost, never note text in the log. A fault is injected into a real use-case."""

from __future__ import annotations

import logging

from tui.screens.clients import ClientsScreen
from tui.screens.scratchpad import ScratchpadScreen
from tui.services.workspace import Workspace
from tui.widgets.jotting_editor import JottingEditor

from .helpers import SIZE, settle, status_text, vault_lines, wait_for_screen, wait_until

CANARY = "WORKERCANARY-3307"


async def test_an_unexpected_error_in_a_worker_is_calm_kept_and_logged_without_text(two_clients, monkeypatch,
                                                                                      caplog) -> None:
    def broken(self, session):  # noqa: ANN001 - the injected fault quotes note text in its message
        raise RuntimeError(f"could not end: client said {CANARY}")

    monkeypatch.setattr(Workspace, "end_session", broken)
    caplog.set_level(logging.ERROR, logger="hushpad")
    app = two_clients.app(jot_code="RB-07")
    async with app.run_test(size=SIZE) as pilot:
        pad = await wait_for_screen(pilot, ScratchpadScreen)
        editor = pad.query_one(JottingEditor)
        editor.insert(f'" {CANARY}')
        await wait_until(pilot, lambda: [t for _, t in vault_lines(app, pad)] == [f'" {CANARY}'], "saved")
        await pilot.press("ctrl+o", "ctrl+o")
        await settle(pilot)
        assert app.return_code is None, "the app did not close"
        assert app.screen is pad and editor.text == f'" {CANARY}' and editor.has_focus
        assert "Something unexpected went wrong (RuntimeError); nothing typed was lost" in status_text(pad)
        await pilot.pause(0.5)
        pad._tick()  # the clock's redraw keeps it: persistent until the next edit
        assert "Something unexpected went wrong" in status_text(pad)

        records = [r for r in caplog.records if r.name == "hushpad"]
        assert len(records) == 1
        logged = records[0].getMessage()
        assert logged.startswith("unexpected RuntimeError at tui.")
        assert logged.startswith("unexpected RuntimeError at tui.screens.scratchpad:"), logged  # where, no values
        assert CANARY not in logged and "client said" not in logged
        assert records[0].exc_info is None, "no traceback (whose message holds the text) in the log"


async def test_a_locked_workspace_is_one_check_with_one_message(two_clients) -> None:
    app = two_clients.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: app.workspace is not None, "unlocked")
        outcome: list[object] = []
        app.workspace, workspace = None, app.workspace  # as if locked a moment ago
        try:
            worker = clients.run_use_case(lambda ws: outcome.append("ran"), outcome.append, group="probe")
        finally:
            app.workspace = workspace
        assert worker is None and outcome == [], "no worker starts without the keys"
        assert "Hushpad is locked." in str(clients.query_one("#clients-status").render())
