"""Snapshots of each step of a SOAP write-up (7 steps since issue 11) at 120x40, with fixed content: fixed
session dates, the write-up clock frozen at 3:25, and a fixed signing time in the review."""

from __future__ import annotations

import pytest

import tui.screens.writeup as writeup_module

from ..helpers import ready_for_picture, settle
from .conftest import build, open_writeup

SIZE = (120, 40)
JOTTINGS = [
    '" I keep waking at 4am and cant get back to sleep',
    "o tired, flat affect, good eye contact",
    "> CR on catastrophizing about work",
    "< able to reframe one thought",
    "* avoidance keeps the worry going",
    "! denies SI/HI/SH",
    "hw sleep diary three nights",
    "? ask about sister's visit",
    "g1 + 2 nights of 7 hrs",
    "phq9 1 2 1 0 3 1 0 2 0",
    "gad7 9",
    "~ I felt protective of her today",
]
# Session facts + measures; Objective + mental status; Assessment + interventions + goals;
# Plan section + plan fields; Risk; Review.
STEPS = ["facts", "subjective", "objective", "assessment", "plan", "risk", "review"]


class FrozenClock:
    """Stands in for the screen module's `time`: monotonic() never moves."""

    @staticmethod
    def monotonic() -> float:
        return 10_000.0


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr(writeup_module, "time", FrozenClock)


@pytest.mark.parametrize("index", range(len(STEPS)), ids=STEPS)
def test_soap_step(snap_compare, root, frozen_clock, index):
    made = build(root, [("AB12", "Alex Example", ["Sleep 7 hours"])], [("AB12", JOTTINGS)],
                 times=("2025-03-04T10:00:00+00:00", "2025-03-04T10:50:00+00:00", 50))
    app = made.app()

    async def run_before(pilot) -> None:
        screen = await open_writeup(pilot, made.sessions[0])
        screen._opened_at = FrozenClock.monotonic() - 205  # reads 3:25
        screen.service.signed_at_now = lambda: "2025-03-04T11:05:00+00:00"
        if index == 1:
            await pilot.press("ctrl+n", "f4")  # one section with its jottings carried in
        else:
            screen._show_step(index)
        await settle(pilot)
        for widget in screen.query("Input, TextArea"):
            widget.cursor_blink = False  # a blinking cursor would make the frame depend on timing
        screen._update_header()
        await ready_for_picture(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
