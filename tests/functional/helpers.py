"""Helpers for the Pilot and snapshot tests: real profiles on disk, real SQLCipher files.

Nothing is mocked. Each test gets a profile folder under tmp_path, created through the
same service the setup screen uses, with an in-process keyring (MemoryKeyring) standing
in for the OS keyring. The app is then built through ``make_app`` exactly as the command
line builds it.

Waiting is deterministic: workers are awaited and conditions are polled in a bounded
loop. ``settle`` also waits until the screen has nothing left to lay out or paint (a
DataTable measures its columns only when it goes idle, which under CPU load can come after
a plain ``pilot.pause()``). No test asserts on how long anything took.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TextArea
from textual.worker import WorkerCancelled

from tui.app import HushpadApp, make_app
from tui.config import Config
from tui.services import access
from tui.services.workspace import Workspace
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.vault import JottingLine

SIZE = (100, 30)
WAIT_SECONDS = 15.0  # an upper bound for a condition to come true; never a timing assertion


def make_config(root: Path, **overrides: Any) -> Config:
    profile_dir = root / "p"
    return Config(
        profile_dir=profile_dir,
        config_path=profile_dir / "config.toml",
        clinician_name="Test Clinician",
        credentials="LCSW",
        **overrides,
    )


@dataclass
class Client:
    code: str
    name: str = ""
    dob: str = ""
    goals: list[str] = field(default_factory=list)


@dataclass
class PastSession:
    """A session inserted straight into the record, with fixed times (for snapshots)."""

    code: str
    started_at: str
    ended_at: str | None = None
    duration_min: int | None = None
    jottings: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Made:
    config: Config
    keystore: MemoryKeyring
    recovery_code: str
    client_ids: dict[str, int]
    session_ids: list[int]

    def app(self, **kwargs: Any) -> HushpadApp:
        return make_app(self.config, keystore=self.keystore, **kwargs)

    def open(self) -> Workspace:
        """Open the profile directly, for checks after the app has exited."""
        return Workspace(access.unlock(self.config, keystore=self.keystore), self.config)


def build_profile(root: Path, clients: Iterable[Client] = (), sessions: Iterable[PastSession] = (),
                  **overrides: Any) -> Made:
    config = make_config(root, **overrides)
    keystore = MemoryKeyring()
    profile, code = access.initialise(config, keystore, None)
    workspace = Workspace(profile, config)
    ids: dict[str, int] = {}
    session_ids: list[int] = []
    try:
        for client in clients:
            ids[client.code] = workspace.add_client(client.code, client.name, client.dob, client.goals)
        for past in sessions:
            with workspace.record.transaction() as conn:
                cur = conn.execute(
                    "INSERT INTO sessions (client_id, started_at, ended_at, duration_min, modality) "
                    "VALUES (?, ?, ?, ?, 'individual')",
                    (ids[past.code], past.started_at, past.ended_at, past.duration_min),
                )
                session_id = int(cur.lastrowid)
            session_ids.append(session_id)
            if past.jottings:
                workspace.vault.save_jottings(f"session:{session_id}",
                                              [JottingLine(m, t) for m, t in past.jottings])
    finally:
        workspace.close()
    return Made(config, keystore, code, ids, session_ids)


# -- waiting -------------------------------------------------------------------
def pending_paint(app: HushpadApp) -> str | None:
    """What the current screen still has to do before its picture is final, or None.

    Reads Textual's refresh bookkeeping (private flags of the pinned 8.2.8; if an upgrade
    renames one, this raises AttributeError rather than waiting on nothing)."""
    if app._message_queue.qsize():
        return "app messages"
    screen = app.screen
    if (screen._layout_required or screen._scroll_required or screen._repaint_required
            or screen._recompose_required or screen._dirty_widgets):
        return f"{type(screen).__name__} layout/repaint"
    if screen._message_queue.qsize() or screen._callbacks:
        return f"{type(screen).__name__} messages"
    for widget in screen.walk_children():
        if widget._message_queue.qsize():
            return f"{widget!r} messages"
        if widget._layout_required or widget._repaint_required or widget._scroll_required \
                or widget._refresh_styles_required or widget._recompose_required:
            return f"{widget!r} refresh"
        if isinstance(widget, DataTable) and (widget._require_update_dimensions or widget._new_rows
                                              or widget._updated_cells):
            return f"{widget!r} column widths"
    if app.animator._animations or app.animator._scheduled:
        return "animations"
    return None


async def wait_for_paint(pilot: Pilot, timeout: float = WAIT_SECONDS, *, strict: bool = True) -> None:
    """Until the screen is quiet (nothing pending) twice running with the same picture.

    strict: fail if that never happens (snapshots: no blink, no clock, so it must). Not
    strict: a best effort, bounded by timeout, for flows whose screen may keep changing
    (a running clock, a blinking cursor under load); their own conditions decide."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        app = pilot.app
        if app._exit or app._closing or app._exception is not None:
            return  # exiting, or failed: nothing more will be painted; the test's checks decide
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        pending = pending_paint(app)
        picture = screen_text(app) if pending is None else None
        if pending is None and picture == last:
            return
        last = picture
        if time.monotonic() > deadline:
            if not strict:
                return
            raise AssertionError(f"timed out waiting for the screen to settle: {pending or 'picture changing'}")
        await pilot.pause(0.02)


async def settle(pilot: Pilot, rounds: int = 3, *, strict: bool = False) -> None:
    """Let workers finish and the messages they posted be handled (and their workers too),
    then let the screen finish laying out and painting what they changed."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await wait_for_paint(pilot, WAIT_SECONDS if strict else 3.0, strict=strict)


async def ready_for_picture(pilot: Pilot) -> None:
    """For snapshots: no blinking cursor anywhere on the screen, then settled."""
    for widget in pilot.app.screen.query("*"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    await settle(pilot, strict=True)


async def wait_until(pilot: Pilot, condition: Callable[[], object], what: str,
                     timeout: float = WAIT_SECONDS) -> None:
    """Poll a condition, letting the app run between polls. Fails, naming what, if it never holds."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # e.g. the app is exiting; the condition decides what that means
            pass
        await pilot.pause(0.02)


async def wait_for_screen(pilot: Pilot, screen_type: type, timeout: float = WAIT_SECONDS) -> Any:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen_type),
                     f"the {screen_type.__name__} (now on {type(pilot.app.screen).__name__})", timeout)
    await settle(pilot)
    return pilot.app.screen


def rendered_strips(app: HushpadApp) -> list:
    """The strips the compositor would send to the terminal for the current screen."""
    return app.screen._compositor.render_strips()


def screen_text(app: HushpadApp) -> str:
    """Every character on the terminal as drawn now, one line per row."""
    return "\n".join("".join(segment.text for segment in strip) for strip in rendered_strips(app))


def status_text(screen) -> str:
    """The scratchpad's one status line, as drawn."""
    return str(screen.query_one("#status").render())


def vault_lines(app: HushpadApp, screen) -> list[tuple[int, str]]:
    """What the vault holds for the scratchpad's session, read through the app's workspace."""
    assert app.workspace is not None, "locked"
    return [(line.minute, line.text) for line in app.workspace.vault.load_jottings(screen.session.doc_key)]


def status_parts(screen) -> list[str]:
    """The status line split at its separators: [code, "N min", saved-mark, note...]."""
    return status_text(screen).split("  ·  ")


def shows_saved(screen) -> bool:
    return len(status_parts(screen)) > 2 and status_parts(screen)[2] == "saved"
