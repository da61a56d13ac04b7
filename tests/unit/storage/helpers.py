"""Helpers for the storage tests: file hashes, a ready-made profile, honest test keyrings."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from keyring.backends.SecretService import Keyring as SecretServiceKeyring  # stands in for a system keyring

from tui.storage.keyring_access import MemoryKeyring
from tui.storage.paths import ProfilePaths
from tui.storage.profile import OpenProfile, initialise, unlock
from tui.storage.vault import JottingLine


def snapshot_hashes(directory: Path) -> dict[str, str]:
    """SHA-256 of every file under directory (recursively), keyed by relative path."""
    directory = Path(directory)
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def assert_unchanged(directory: Path, before: dict[str, str]) -> None:
    after = snapshot_hashes(directory)
    assert after == before, _diff(before, after)


def _diff(before: dict[str, str], after: dict[str, str]) -> str:
    lines = []
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            lines.append(f"{name}: {before.get(name, 'absent')[:12]} -> {after.get(name, 'absent')[:12]}")
    return "files changed: " + "; ".join(lines)


def assert_clear_message(exc: BaseException) -> str:
    """A message fit for a clinician: one line, no Python or SQLite internals."""
    text = str(exc)
    assert text.strip(), "empty message"
    assert "\n" not in text, text
    for internal in ("Traceback", "InvalidTag", "sqlcipher3", "DatabaseError", "OperationalError", "errno"):
        assert internal not in text, text
    return text


@dataclass
class MadeProfile:
    paths: ProfilePaths
    keystore: MemoryKeyring
    code: str

    @property
    def root(self) -> Path:
        return self.paths.root

    def open(self) -> OpenProfile:
        return unlock(self.paths, keystore=self.keystore)


def make_profile(root: Path, *, jotting: str = "slept badly, argued with sister",
                 client: str = "AB12") -> MadeProfile:
    """A real profile on disk with a client, a session and a jotting; closed again."""
    keystore = MemoryKeyring()
    paths = ProfilePaths(root)
    profile, code = initialise(paths, keystore, None, actor="tester")
    try:
        client_id = profile.record.add_client(client, "Test Person")
        with profile.record.transaction() as conn:
            session_id = conn.execute(
                "INSERT INTO sessions (client_id, started_at) VALUES (?, '2025-01-06T10:00:00+00:00')", (client_id,)
            ).lastrowid
        profile.vault.save_jottings(f"session:{session_id}", [JottingLine(3, jotting)])
    finally:
        profile.close()
    return MadeProfile(paths, keystore, code)


# -- honest keyring backends for what cannot be produced for real here -------------
class HangingKeyring(SecretServiceKeyring):
    """Like a locked Secret Service collection waiting on a password prompt: never answers.

    `release` lets the test's teardown free the stuck thread.
    """

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.calls = 0

    def _hang(self) -> None:
        self.calls += 1
        self.release.wait(60)

    def get_password(self, service, username):  # noqa: ANN001, ANN201
        self._hang()
        return None

    def set_password(self, service, username, password):  # noqa: ANN001, ANN201
        self._hang()

    def delete_password(self, service, username):  # noqa: ANN001, ANN201
        self._hang()


class TruncatingKeyring(SecretServiceKeyring):
    """Stores values but gives back only the first 40 characters, as a keyring with a
    length limit would: the read-back differs from what was written."""

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):  # noqa: ANN001, ANN201
        value = self.items.get((service, username))
        return None if value is None else value[:40]

    def set_password(self, service, username, password):  # noqa: ANN001, ANN201
        self.items[(service, username)] = password

    def delete_password(self, service, username):  # noqa: ANN001, ANN201
        self.items.pop((service, username), None)


class DictKeyring(SecretServiceKeyring):
    """A keyring backend that works: a dict in this process."""

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):  # noqa: ANN001, ANN201
        return self.items.get((service, username))

    def set_password(self, service, username, password):  # noqa: ANN001, ANN201
        self.items[(service, username)] = password

    def delete_password(self, service, username):  # noqa: ANN001, ANN201
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.items:
            raise PasswordDeleteError("not found")
        del self.items[(service, username)]


def jot(lines: list[tuple[int, str]]) -> list[JottingLine]:
    return [JottingLine(m, t) for m, t in lines]
