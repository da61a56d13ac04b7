"""Signing tests: real profiles (SQLCipher files in tmp_path) made by `hushpad init --passphrase`,
notes written and signed through the write-up service, and the real CLI (``main(argv)``)
run on them. The attacker's edits open the store with its data key through sqlcipher3,
exactly as someone holding the key would. Nothing is mocked."""

from __future__ import annotations

import io
import json
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest
import sqlcipher3

from tui.cli import main
from tui.config import Config
from tui.services import access
from tui.services.workspace import Workspace
from tui.services.writeup import WriteupService, finding_id
from tui.storage.vault import JottingLine

PASSPHRASE = "a quiet room with a kettle"


@pytest.fixture(autouse=True)
def no_system_keyring(monkeypatch, tmp_path):
    """The CLI sees keyring's 'fail' backend, so every profile here is in passphrase mode."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def cli(root: Path, *argv: str, stdin: str = PASSPHRASE + "\n") -> tuple[int, str, str]:
    """Run `hushpad --profile ROOT ...` in-process; the passphrase comes on stdin."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        code = main(["--profile", str(root), *argv])
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


@dataclass
class Clinic:
    root: Path
    name: str
    credentials: str = "LCSW"

    @property
    def config(self) -> Config:
        return Config(profile_dir=self.root, config_path=self.root / "config.toml",
                      clinician_name=self.name, credentials=self.credentials)

    @contextmanager
    def workspace(self) -> Iterator[Workspace]:
        ws = Workspace(access.unlock(self.config, passphrase=PASSPHRASE), self.config)
        try:
            yield ws
        finally:
            ws.close()

    def deks(self) -> dict[str, bytes]:
        from tui.storage import keys as keymod

        keyfile = keymod.KeyFile.load(self.root / "keys.json")
        return {k: bytes(v) for k, v in keymod.unlock_passphrase(keyfile, PASSPHRASE).items()}

    def sign_note(self, code: str, assessment: str = "Low mood, improving.", *, phq9: str = "phq9 1 1 1 1 1 1 1 1 0",
                  risk: str = "! denies SI/HI/SH") -> int:
        with self.workspace() as ws:
            client = ws.record.client_by_code(code)
            cid = client["id"] if client else ws.add_client(code, "", "", ["Sleep 7 hours"])
            s = ws.start_session(cid)
            ws.save_jottings(s, [JottingLine(i, t) for i, t in enumerate([risk, phq9, "o tired", "> CR"])])
            ws.end_session(s)
            svc = WriteupService(ws)
            w = svc.open(s.id)
            for spec in w.template.sections:
                target = w.draft.group_part if spec.part == "group" else w.draft.sections
                if spec.required and not target.get(spec.key, "").strip():
                    target[spec.key] = f"Written for {spec.title}."
            w.draft.sections["assessment"] = assessment
            w.draft.risk = replace(w.draft.risk, si=w.draft.risk.si if w.draft.risk.si != "not assessed" else "denied",
                                   hi="denied", self_harm="denied", level=w.draft.risk.level or "low")
            svc.sign(w, {finding_id(f) for f in svc.lint(w) if f.level == "warning"})
            return w.note_id

    @contextmanager
    def raw(self) -> Iterator[Any]:
        """The attacker with the data key: the record opened with its DEK, no Hushpad code."""
        conn = sqlcipher3.connect(str(self.root / "record.db"), isolation_level=None)
        conn.execute(f"PRAGMA key = \"x'{self.deks()['record'].hex()}'\"")
        conn.execute("PRAGMA cipher_page_size = 4096")
        try:
            conn.execute("BEGIN")
            yield conn
            conn.execute("COMMIT")
        finally:
            conn.close()


def make_clinic(template: Path, root: Path, name: str) -> Clinic:
    shutil.copytree(template, root)
    return Clinic(root, name)


@pytest.fixture(scope="session")
def template_profile(tmp_path_factory) -> Path:
    """One profile made by `hushpad init --passphrase` (Argon2 is slow: made once, copied)."""
    root = tmp_path_factory.mktemp("tpl") / "profile"
    code, out, err = cli(root, "init", "--passphrase", "--non-interactive")
    assert code == 0, err
    return root


@pytest.fixture
def clinic(template_profile, tmp_path) -> Clinic:
    return make_clinic(template_profile, tmp_path / "associate", "Dana Reyes")


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
