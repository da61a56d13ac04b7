"""Fixtures for the write-up unit tests: a real profile (SQLCipher files in tmp_path),
an in-process keyring, and sessions built through the Workspace like the app builds them.
Nothing is mocked."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tui.config import Config
from tui.services import access
from tui.services.workspace import SessionInfo, Workspace
from tui.services.writeup import Writeup, WriteupService
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.vault import JottingLine


def make_config(root: Path, **overrides: Any) -> Config:
    profile_dir = root / "p"
    return Config(profile_dir=profile_dir, config_path=profile_dir / "config.toml",
                  clinician_name="Dana Reyes", credentials="LCSW", **overrides)


@dataclass
class Env:
    config: Config
    keystore: MemoryKeyring
    ws: Workspace
    recovery_code: str

    def reopen(self) -> Workspace:
        """Close this process's connection and open the profile afresh (the profile lock is per open)."""
        self.ws.close()
        self.ws = Workspace(access.unlock(self.config, keystore=self.keystore), self.config)
        return self.ws

    def session(self, client_id: int, jottings: Sequence[str] = (), *, started: str | None = None,
                ended: str | None = None, duration: int | None = None) -> SessionInfo:
        """A session with these jottings, ended; times overridden when given (ISO, with offset)."""
        s = self.ws.start_session(client_id)
        if jottings:
            self.ws.save_jottings(s, [JottingLine(i, t) for i, t in enumerate(jottings)])
        self.ws.end_session(s)
        if started or ended or duration is not None:
            row = self.ws.record.session(s.id)
            with self.ws.record.transaction() as conn:
                conn.execute("UPDATE sessions SET started_at = ?, ended_at = ?, duration_min = ? WHERE id = ?",
                             (started or row["started_at"], ended or row["ended_at"],
                              duration if duration is not None else row["duration_min"], s.id))
        return s


def build_env(root: Path, **overrides: Any) -> Env:
    config = make_config(root, **overrides)
    keystore = MemoryKeyring()
    profile, code = access.initialise(config, keystore, None)
    return Env(config, keystore, Workspace(profile, config), code)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    made = build_env(tmp_path)
    try:
        yield made
    finally:
        made.ws.close()


@pytest.fixture
def client(env: Env) -> int:
    return env.ws.add_client("AB12", "Alex Example", "", ["Sleep 7 hours", "Fewer panic attacks"])


FILLER = [
    "Reports poor sleep since the move.",
    "Appeared tired; affect flat but reactive.",
    "Engaged with reframing; progress on sleep goal.",
    "Continue weekly; sleep diary as homework.",
    "Worked on worry time and a thought record.",
    "Named an alternative thought without prompting.",
    "Group members shared coping strategies.",
    "Quietly attentive, spoke twice when invited.",
    "Agreed to practise the breathing exercise daily.",
    "Stressors at work increased over the past week.",
]


def complete(w: Writeup, **sections: str) -> Writeup:
    """Fill what lint requires, leaving anything already there."""
    for spec in w.template.sections:
        target = w.draft.group_part if spec.part == "group" else w.draft.sections
        if spec.required and not target.get(spec.key, "").strip():
            target[spec.key] = sections.get(spec.key, FILLER[len(target) % len(FILLER)] + f" ({spec.title})")
    for key, text in sections.items():
        w.draft.sections[key] = text
    from dataclasses import replace
    if not w.draft.risk.is_stated:
        w.draft.risk = replace(w.draft.risk, si="denied", hi="denied", self_harm="denied", level="low")
    if not w.draft.risk.level:  # a jotted risk line makes the level required
        w.draft.risk = replace(w.draft.risk, level="low")
    return w


def sign(svc: WriteupService, w: Writeup, **kwargs: Any):
    from tui.services.writeup import finding_id

    warnings = {finding_id(f) for f in svc.lint(w) if f.level == "warning"}
    return svc.sign(w, warnings, **kwargs)
