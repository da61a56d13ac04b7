"""End-to-end fixtures: a real Secret Service and a real terminal (tmux).

The machinery lives in benchmarks/_harness.py so the crash harness drives Hushpad the
same way these tests do. Missing programs skip with a reason locally and fail under
CI=true, through the `require` fixture of tests/conftest.py.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

import _harness as harness  # noqa: E402

INSTALL_HINT = "apt-get install gnome-keyring dbus-x11 tmux libsecret-tools"


class _Unavailable:
    def __init__(self, reason: str, failure: bool = False) -> None:
        self.reason = reason
        self.failure = failure  # the programs are there but would not start: a real failure


@pytest.fixture(scope="session")
def _secret_service_session() -> Iterator[harness.SecretService | _Unavailable]:
    missing = harness.missing_programs(harness.SECRET_SERVICE_PROGRAMS)
    if missing:
        yield _Unavailable(f"a real Secret Service needs {', '.join(missing)} ({INSTALL_HINT})")
        return
    service = harness.SecretService(prefix="hushpad-e2e-ss-")
    try:
        service.start()
    except Exception as exc:  # noqa: BLE001 - reported by every test that needs it
        yield _Unavailable(f"could not start gnome-keyring-daemon under dbus-daemon: {exc}", failure=True)
        return
    try:
        yield service
    finally:
        service.close()


@pytest.fixture
def secret_service(_secret_service_session, require) -> harness.SecretService:
    """One unlocked gnome-keyring-daemon on a private bus, shared by the session."""
    service = _secret_service_session
    if isinstance(service, _Unavailable):
        if service.failure:
            pytest.fail(service.reason, pytrace=False)
        require(False, service.reason)
    return service


@pytest.fixture
def ss_env(secret_service, tmp_path) -> dict[str, str]:
    """The Secret Service's environment plus a fresh, not yet initialised profile folder."""
    env = dict(secret_service.env)
    env["HUSHPAD_HOME"] = str(tmp_path / "profile")
    return env


@pytest.fixture
def profile(ss_env) -> dict:
    """An initialised profile in the real Secret Service, with one client (C-101)."""
    init = harness.hushpad(["init", "--non-interactive"], ss_env)
    assert init.returncode == 0, init.stderr
    add = harness.hushpad(["client", "add", "C-101", "--name", "Jordan Testperson"], ss_env)
    assert add.returncode == 0, add.stderr
    return {
        "env": ss_env,
        "dir": Path(ss_env["HUSHPAD_HOME"]),
        "code": init.stdout.strip(),
        "client": "C-101",
    }


@pytest.fixture
def tmux(require) -> Iterator[Callable[..., harness.Tmux]]:
    """A factory for tmux servers on private sockets; every server is killed at teardown."""
    require(not harness.missing_programs(harness.TMUX_PROGRAMS), f"e2e terminal tests need tmux ({INSTALL_HINT})")
    servers: list[harness.Tmux] = []

    def start(env: dict[str, str], width: int = 100, height: int = 30) -> harness.Tmux:
        server = harness.Tmux(env, width=width, height=height)
        servers.append(server)
        return server.start()

    try:
        yield start
    finally:
        for server in servers:
            server.close()


@pytest.fixture
def bare_home(tmp_path) -> dict[str, str]:
    """An environment with an empty HOME and no session bus at all: no Secret Service."""
    home = tmp_path / "bare-home"
    for sub in (".local/share", ".config", ".cache", "run"):
        (home / sub).mkdir(parents=True)
    env = harness.base_env(home)
    env["HUSHPAD_HOME"] = str(tmp_path / "bare-profile")
    return env
