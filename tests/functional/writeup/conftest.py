"""Fixtures and drivers for the write-up Pilot flows and snapshots.

Profiles are real (SQLCipher files in tmp_path, MemoryKeyring), built through
`access.initialise` and the Workspace exactly as the app uses them. Waiting is by
bounded polling of conditions, never by asserting on time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import SelectionList, Static, TextArea

from tui.app import HushpadApp, make_app
from tui.config import Config
from tui.screens.writeup import WriteupScreen
from tui.services import access
from tui.services.workspace import Workspace
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.vault import JottingLine
from tui.widgets.writeup_steps import CombinedStep, MentalStatusPane, ReviewPane, RiskPane, SectionPane, step_part

from ..helpers import settle, wait_until

SIZE = (120, 40)


@dataclass
class Profile:
    config: Config
    keystore: MemoryKeyring
    clients: dict[str, int] = field(default_factory=dict)
    sessions: list[int] = field(default_factory=list)

    def app(self, **kwargs: Any) -> HushpadApp:
        return make_app(self.config, keystore=self.keystore, **kwargs)

    def open(self) -> Workspace:
        return Workspace(access.unlock(self.config, keystore=self.keystore), self.config)


def make_config(root: Path, **overrides: Any) -> Config:
    profile_dir = root / "p"
    return Config(profile_dir=profile_dir, config_path=profile_dir / "config.toml",
                  clinician_name="Dana Reyes", credentials="LCSW", **overrides)


def build(root: Path, clients: Iterable[tuple[str, str, Sequence[str]]] = (),
          sessions: Iterable[tuple[str, Sequence[str]]] = (), *, end: bool = True,
          times: tuple[str, str, int] | None = None, **overrides: Any) -> Profile:
    """clients: (code, name, goals); sessions: (code, jottings), each ended unless end=False."""
    config = make_config(root, **overrides)
    keystore = MemoryKeyring()
    opened, _ = access.initialise(config, keystore, None)
    ws = Workspace(opened, config)
    made = Profile(config, keystore)
    try:
        for code, name, goals in clients:
            made.clients[code] = ws.add_client(code, name, "", list(goals))
        for code, jottings in sessions:
            s = ws.start_session(made.clients[code])
            ws.save_jottings(s, [JottingLine(i, t) for i, t in enumerate(jottings)])
            if end:
                ws.end_session(s)
                if times:
                    with ws.record.transaction() as conn:
                        conn.execute("UPDATE sessions SET started_at = ?, ended_at = ?, duration_min = ? "
                                     "WHERE id = ?", (*times, s.id))
            made.sessions.append(s.id)
    finally:
        ws.close()
    return made


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path


# -- driving ----------------------------------------------------------------------------
def ready(app: HushpadApp) -> bool:
    screen = app.screen
    return (isinstance(screen, WriteupScreen) and bool(screen.panes)
            and screen.query_one("#panes").current == screen.panes[screen.step].id)


async def open_writeup(pilot: Pilot, session_id: int) -> WriteupScreen:
    app = pilot.app
    await wait_until(pilot, lambda: app.workspace is not None and hasattr(app.screen, "open_writeup"),
                     "the clients screen, unlocked")
    app.screen.open_writeup(session_id)
    await wait_until(pilot, lambda: ready(app), "the write-up, opened")
    await settle(pilot)
    return app.screen


async def wait_ready(pilot: Pilot) -> WriteupScreen:
    await wait_until(pilot, lambda: ready(pilot.app), "the write-up, opened")
    await settle(pilot)
    return pilot.app.screen


class Keys:
    """Presses keys and counts them (free text is typed with `type`, not counted)."""

    def __init__(self, pilot: Pilot) -> None:
        self.pilot = pilot
        self.count = 0
        self.log: list[str] = []

    async def __call__(self, *keys: str) -> None:
        for key in keys:
            await self.pilot.press(key)
            self.count += 1
            self.log.append(key)

    async def type(self, text: str) -> None:
        await self.pilot.press(*[_key(ch) for ch in text])


def _key(ch: str) -> str:
    return {" ": "space", "\n": "enter", ".": "full_stop", ",": "comma", "-": "minus", "'": "apostrophe",
            ":": "colon", ";": "semicolon", "/": "slash", "!": "exclamation_mark", "?": "question_mark",
            "(": "left_parenthesis", ")": "right_parenthesis", '"': "quotation_mark", "*": "asterisk",
            ">": "greater_than_sign", "<": "less_than_sign", "~": "tilde", "+": "plus", "=": "equals_sign",
            "#": "number_sign", "[": "left_square_bracket", "]": "right_square_bracket"}.get(ch, ch)


def sections_of(pane) -> list[SectionPane]:  # noqa: ANN001
    """The template sections on a step (a step may combine several parts)."""
    if isinstance(pane, CombinedStep):
        return [p for p in pane.parts if isinstance(p, SectionPane)]
    return [pane] if isinstance(pane, SectionPane) else []


async def drive_to_review(keys: Keys, screen: WriteupScreen, *, fill: dict[str, str] | None = None) -> None:
    """From the current step to the review: f4 on every step with sections (typing into `fill`'s
    sections afterwards), f3 where the mental status is, f2 on an incomplete risk statement;
    ctrl+n between steps."""
    fill = fill or {}
    while not isinstance(screen.panes[screen.step], ReviewPane):
        pane = screen.panes[screen.step]
        sections = sections_of(pane)
        if sections:
            await keys("f4")
            for section in sections:
                if section.spec.key in fill:
                    await settle(keys.pilot, 1)
                    editor = section.query_one("#section-text", TextArea)
                    editor.focus()
                    await keys("ctrl+end")
                    await keys.type(fill[section.spec.key])
        if step_part(pane, MentalStatusPane) is not None:
            await keys("f3")
        risk = screen.writeup.draft.risk
        if step_part(pane, RiskPane) is not None and not (risk.is_stated and risk.level):
            await keys("f2")  # a jotted risk line makes the level required too
        await keys("ctrl+n")
    await settle(keys.pilot)


async def acknowledge_and_sign(keys: Keys, screen: WriteupScreen) -> None:
    review = screen.panes[-1]
    warnings = review.query_one("#review-warnings", SelectionList)
    if warnings.display and warnings.option_count:
        warnings.focus()
        # Space acknowledges the highlighted warning and the review highlights the next
        # one still open, so one space per warning.
        for _ in range(warnings.option_count):
            await keys("space")
    await keys("ctrl+s")
    await wait_until(keys.pilot, lambda: screen.signed is not None or "(Esc to go back)" in header(screen),
                     "the note signed")
    await settle(keys.pilot)


def header(screen: WriteupScreen) -> str:
    return str(screen.query_one("#writeup-header", Static).render())


def review_text(screen: WriteupScreen) -> str:
    return str(screen.panes[-1].query_one("#review-text", Static).render())


def errors_text(screen: WriteupScreen) -> str:
    return str(screen.panes[-1].query_one("#review-errors", Static).render())
