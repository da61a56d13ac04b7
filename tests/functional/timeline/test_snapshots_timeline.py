"""Snapshots: the chart, the before-session panel and notes due, on fixed-date data.

Deterministic: every session, note and score has a fixed timestamp; the client shown has
no date of birth (so no age that changes with the day), and every note due ended in 2025,
so each is overdue whatever day the snapshot is taken."""

from __future__ import annotations

from pathlib import Path

from tui.screens.before_session import BeforeSessionScreen
from tui.screens.notes_due import NotesDueScreen
from tui.widgets.row_list import RowList

from ..helpers import SIZE, ready_for_picture, screen_text, wait_for_screen, wait_until
from .conftest import build_timeline
from .test_navigation import open_chart, open_clients


def test_chart_snapshot(snap_compare, tmp_path: Path):
    made, _ = build_timeline(tmp_path / "t")

    async def run_before(pilot) -> None:
        chart = await open_chart(pilot)
        await wait_until(pilot, lambda: len(chart.query_one(RowList).rows) == 4, "four sessions")
        await ready_for_picture(pilot)

    assert snap_compare(made.app(), terminal_size=SIZE, run_before=run_before)


def test_before_session_snapshot(snap_compare, tmp_path: Path):
    made, _ = build_timeline(tmp_path / "t")

    async def run_before(pilot) -> None:
        await open_clients(pilot, "RB-07")
        await pilot.press("b")
        await wait_for_screen(pilot, BeforeSessionScreen)
        await wait_until(pilot, lambda: "Questions carried over" in screen_text(pilot.app), "the panel")
        await ready_for_picture(pilot)

    assert snap_compare(made.app(), terminal_size=SIZE, run_before=run_before)


def test_notes_due_snapshot(snap_compare, tmp_path: Path):
    made, _ = build_timeline(tmp_path / "t")

    async def run_before(pilot) -> None:
        await open_clients(pilot)
        await pilot.press("n")
        due = await wait_for_screen(pilot, NotesDueScreen)
        await wait_until(pilot, lambda: len(due.query_one(RowList).rows) == 2, "two notes due")
        await ready_for_picture(pilot)

    assert snap_compare(made.app(), terminal_size=SIZE, run_before=run_before)


