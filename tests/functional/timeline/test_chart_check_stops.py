"""Closing a chart stops its integrity check (issue 5's chart, found while measuring issue 14):
before, the check read on for seconds after Esc, holding the record store's lock, and the next
chart's first page waited for it (a 10,000-session chart reopened in ~1 s instead of ~60 ms).
Here the check is held inside its first page of verification until the chart has closed; it
must then stop, not verify the rest."""

from __future__ import annotations

import threading
import time

from tui.screens.chart import ChartScreen
from tui.screens.clients import ClientsScreen
from tui.services import signing

from ..helpers import SIZE, wait_until
from .test_navigation import open_clients


async def poll(pilot, condition, what: str, timeout: float = 30.0) -> None:
    """wait_until without waiting for the workers (one of them is held on purpose)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        await pilot.pause(0.02)


async def test_closing_the_chart_stops_its_check(timeline_profile, monkeypatch) -> None:
    made, _notes = timeline_profile
    monkeypatch.setattr(signing, "INTEGRITY_CHUNK", 1)  # RB-07's signed notes: one page each
    inside, release = threading.Event(), threading.Event()
    pages: list[int] = []
    outcome: list[str] = []
    real_verify, real_check = signing.verify_many, signing.client_integrity

    def held_verify(record, notes, *args, **kwargs):
        pages.append(len(notes))
        inside.set()
        assert release.wait(30), "the test never let the check go on"
        return real_verify(record, notes, *args, **kwargs)

    def watched_check(*args, **kwargs):
        try:
            result = real_check(*args, **kwargs)
        except signing.CheckStopped:
            outcome.append("stopped")
            raise
        outcome.append("finished")
        return result

    monkeypatch.setattr(signing, "verify_many", held_verify)
    monkeypatch.setattr(signing, "client_integrity", watched_check)
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_clients(pilot, "RB-07")
        await pilot.press("t")
        await poll(pilot, lambda: isinstance(app.screen, ChartScreen) and inside.is_set(),
                   "the chart's check inside its first page")
        await pilot.press("escape")
        await poll(pilot, lambda: isinstance(app.screen, ClientsScreen), "back on the list")
        release.set()
        await wait_until(pilot, lambda: bool(outcome), "the check to end")
    assert outcome == ["stopped"], outcome
    assert pages == [1], f"verified on after its chart closed: {pages}"
