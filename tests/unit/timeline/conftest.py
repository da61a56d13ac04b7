"""Fixtures for the timeline unit tests: a real profile (SQLCipher files in tmp_path), an
in-process keyring, sessions with fixed times, and notes signed through the real
WriteupService (with its ``signed_at`` override). Nothing is mocked."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from tui.config import Config
from tui.services import access
from tui.services.caseload import Caseload
from tui.services.chart import ClientChart
from tui.services.notes_due import NotesDue
from tui.services.records_export import RecordsExport
from tui.services.search import NoteSearch
from tui.services.workspace import Workspace
from tui.services.writeup import WriteupService, finding_id
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.vault import JottingLine

SECTIONS = {
    "subjective": "Reports sleeping five hours; work stress rising.",
    "objective": "Appeared tired; affect flat but reactive.",
    "assessment": "Depressive symptoms persist with some gains.",
    "plan": "Continue weekly sessions.",
}


@dataclass
class Env:
    config: Config
    keystore: MemoryKeyring
    ws: Workspace

    @property
    def caseload(self) -> Caseload:
        return Caseload(self.ws)

    @property
    def chart(self) -> ClientChart:
        return ClientChart(self.ws)

    @property
    def search(self) -> NoteSearch:
        return NoteSearch(self.ws)

    @property
    def notes_due(self) -> NotesDue:
        return NotesDue(self.ws)

    @property
    def export(self) -> RecordsExport:
        return RecordsExport(self.ws)

    @property
    def record(self):  # noqa: ANN201
        return self.ws.record

    def client(self, code: str, name: str = "", dob: str = "", goals: Sequence[str] = ()) -> int:
        return self.ws.add_client(code, name, dob, list(goals))

    def session(self, client_id: int, started: str, ended: str | None = "", jottings: Sequence[str] = ()) -> int:
        """A session with fixed ISO times (ended defaults to 50 minutes after start; None = still open)."""
        from datetime import datetime, timedelta

        if ended == "":
            ended = (datetime.fromisoformat(started) + timedelta(minutes=50)).isoformat()
        with self.record.transaction() as conn:
            session_id = int(conn.execute(
                "INSERT INTO sessions (client_id, started_at, ended_at, duration_min) VALUES (?, ?, ?, ?)",
                (client_id, started, ended, 50 if ended else None)).lastrowid)
        if jottings:
            self.ws.vault.save_jottings(f"session:{session_id}", [JottingLine(i, t) for i, t in enumerate(jottings)])
        return session_id

    def sign(self, session_id: int, signed_at: str, *, risk_level: str = "low", goals: dict[int, tuple[str, str]] | None = None,
             plan: dict[str, str] | None = None, **sections: str) -> int:
        """Write up and sign through the real service. Measures/risk/goals come from the jottings
        (prefill) unless overridden here. Returns the note id."""
        from tui.domain.models import GoalProgress

        service = WriteupService(self.ws)
        w = service.open(session_id)
        for spec in w.template.sections:
            w.draft.sections[spec.key] = sections.get(spec.key, SECTIONS.get(spec.key, "Noted."))
        if not w.draft.risk.is_stated or risk_level:
            risk = w.draft.risk
            if not risk.is_stated:
                risk = replace(risk, si="denied", hi="denied", self_harm="denied")
            w.draft.risk = replace(risk, level=risk_level, safety_plan_reviewed=risk_level in ("moderate", "high"),
                                   protective_factors=risk.protective_factors or "family")
        if goals:
            w.draft.goals = [GoalProgress(g.goal_id, g.label, *goals.get(i + 1, (g.status, g.evidence)))
                             for i, g in enumerate(w.draft.goals)]
        if plan:
            w.draft.plan = replace(w.draft.plan, **plan)
        warnings = {finding_id(f) for f in service.lint(w) if f.level == "warning"}
        return service.sign(w, warnings, signed_at=signed_at).note_id

    def draft(self, session_id: int) -> int:
        """Open the write-up and leave it as a saved draft."""
        service = WriteupService(self.ws)
        w = service.open(session_id)
        service.save(w)
        service.release(w)
        return w.note_id

    def audit_actions(self) -> list[tuple[str, str, str]]:
        return [(r["action"], r["subject"], r["detail"]) for r in self.record.audit_entries(1000)]


def build_env(root: Path) -> Env:
    config = Config(profile_dir=root / "p", config_path=root / "p" / "config.toml",
                    clinician_name="Dana Reyes", credentials="LCSW")
    keystore = MemoryKeyring()
    profile, _code = access.initialise(config, keystore, None)
    return Env(config, keystore, Workspace(profile, config))


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    made = build_env(tmp_path)
    try:
        yield made
    finally:
        made.ws.close()


@pytest.fixture
def env_factory(tmp_path: Path) -> Iterator[Any]:
    """For hypothesis tests: one profile per test function, reused across examples."""
    made = build_env(tmp_path)
    try:
        yield made
    finally:
        made.ws.close()
