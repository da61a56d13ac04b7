"""Shared test helpers.

`require(condition, reason)` is how a test says "this needs something the machine may
lack" (root, a tmpfs, gnome-keyring, tmux). Locally it skips with the reason; in CI
(`CI=true`) a missing prerequisite is a failure, so CI can never go green by skipping.
"""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require(condition: object, reason: str) -> None:
    """Skip (locally) or fail (CI=true) unless condition holds."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"CI=true and a prerequisite is missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(name="require")
def require_fixture():
    """The same helper as a fixture, for test modules that cannot import this conftest."""
    return require
