"""Fixtures for the Pilot and snapshot tests: real profiles on disk, real SQLCipher files.

See helpers.py for how profiles are built and how tests wait (deterministically).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from .helpers import Client, Made, PastSession, build_profile


@pytest.fixture
def made_profile(tmp_path: Path) -> Callable[..., Made]:
    """made_profile(clients=[Client("RB-07", ...)], sessions=[...], **config_overrides) -> Made."""
    counter = iter(range(1000))

    def make(clients: Iterable[Client] = (), sessions: Iterable[PastSession] = (), **overrides: Any) -> Made:
        return build_profile(tmp_path / f"profile{next(counter)}", clients, sessions, **overrides)

    return make


@pytest.fixture
def two_clients(made_profile: Callable[..., Made]) -> Made:
    return made_profile([
        Client("RB-07", "Robin Example", "1984-03-07", ["Sleep 7 hours", "Fewer panic attacks"]),
        Client("KT-12", "Kit Sample"),
    ])


