from __future__ import annotations

import pytest

from tui.storage.keyring_access import MemoryKeyring
from tui.storage.paths import ProfilePaths

from .helpers import MadeProfile, make_profile, snapshot_hashes


@pytest.fixture
def keystore() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def paths(tmp_path) -> ProfilePaths:
    return ProfilePaths(tmp_path / "profile")


@pytest.fixture
def made(tmp_path) -> MadeProfile:
    """A closed, initialised profile holding one client, one session and one jotting."""
    return make_profile(tmp_path / "profile")


@pytest.fixture
def hashes():
    """snapshot_hashes(dir) -> {relative path: sha256} for every file under dir."""
    return snapshot_hashes
