"""Fixtures for the timeline Pilot and snapshot tests: a real profile with fixed-time
sessions, notes signed through the real WriteupService (``signed_at`` pinned), so the
screens are the same whatever day the tests run. Nothing is mocked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tui.services.writeup import WriteupService, finding_id

from ..helpers import Client, Made, PastSession, build_profile

TILDE_CANARY = "TILDECANARY7731"

SECTIONS = {
    "subjective": "Reports sleeping five hours; work stress rising.",
    "objective": "Appeared tired; affect flat but reactive.",
    "plan": "Continue weekly sessions.",
}


def sign_sessions(made: Made, signs: list[tuple[int, str, str, str]]) -> dict[int, int]:
    """[(session_id, signed_at, assessment, risk level)] signed through the service; {session: note}."""
    workspace = made.open()
    notes = {}
    try:
        service = WriteupService(workspace)
        for session_id, signed_at, assessment, level in signs:
            w = service.open(session_id)
            for spec in w.template.sections:
                w.draft.sections[spec.key] = SECTIONS.get(spec.key, assessment)
            w.draft.sections["assessment"] = assessment
            w.draft.risk = replace(w.draft.risk, si="denied", hi="denied", self_harm="denied", level=level,
                                   protective_factors="family", safety_plan_reviewed=level != "low")
            warnings = {finding_id(f) for f in service.lint(w) if f.level == "warning"}
            notes[session_id] = service.sign(w, warnings, signed_at=signed_at).note_id
    finally:
        workspace.close()
    return notes


def build_timeline(root: Path) -> tuple[Made, dict[int, int]]:
    """RB-07 (no date of birth, so no age in the header): four weekly sessions in Jan 2025,
    three signed (one late), the last with jottings and no note; KT-12 with one session and
    no note; EMPTY-1 with nothing at all."""
    made = build_profile(
        root,
        [Client("RB-07", "Robin Example", "", ["Sleep 7 hours", "Fewer panic attacks"]),
         Client("KT-12", "Kit Sample"), Client("EMPTY-1", "Nobody Yet")],
        [
            PastSession("RB-07", "2025-01-06T10:00:00+00:00", "2025-01-06T10:50:00+00:00", 50,
                        [(0, "phq9 17"), (1, "gad7 12"), (2, "g1 + slept six hours"), (3, "! denies SI/HI/SH"),
                         (4, f"~ {TILDE_CANARY} I felt protective")]),
            PastSession("RB-07", "2025-01-13T10:00:00+00:00", "2025-01-13T10:50:00+00:00", 50,
                        [(0, "phq9 14"), (1, "gad7 9"), (2, "hw sleep diary, 3 nights"), (3, "g2 = no change")]),
            PastSession("RB-07", "2025-01-20T10:00:00+00:00", "2025-01-20T10:50:00+00:00", 50,
                        [(0, "phq9 9"), (1, "gad7 6"), (2, "g1 + steady")]),
            PastSession("RB-07", "2025-01-27T10:00:00+00:00", "2025-01-27T10:50:00+00:00", 50,
                        [(0, '" the new job starts monday'), (5, "? ask about the sister's visit"),
                         (9, f"~ {TILDE_CANARY} second aside"), (12, "? follow up on the GP letter")]),
            PastSession("KT-12", "2025-01-29T15:00:00+00:00", "2025-01-29T15:45:00+00:00", 45),
        ],
    )
    s1, s2, s3, _s4, _k1 = made.session_ids
    notes = sign_sessions(made, [
        (s1, "2025-01-06T12:00:00+00:00", "Low mood with early gains in sleep; zebrafinch metaphor used.", "moderate"),
        (s2, "2025-01-15T09:00:00+00:00", "Worry about work; homework set for sleep.", "low"),  # late entry
        (s3, "2025-01-20T12:00:00+00:00", "Mood improving; sleep steadier.", "low"),
    ])
    return made, notes


@pytest.fixture
def timeline_profile(tmp_path: Path) -> tuple[Made, dict[int, int]]:
    return build_timeline(tmp_path / "timeline")
