"""Issue 9 item 9 (content): the audit log says what happened, to what id, and when. No path,
no note or jotting text, no client name or date of birth, no search words.

A realistic flow through the real services on a real profile: a named client, a session
with jottings (one private), a signed note, private search, an export of the note and of
the client's record (with private jottings) through the CLI to a file, a backup, and a
key rotation. Then every column of every audit row is checked against each of them.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from tui.cli import main
from tui.services.search import NoteSearch

TIMELINE_CONFTEST = Path(__file__).resolve().parents[1] / "timeline" / "conftest.py"

NAME = "Philippa Zqaudit"
DOB = "1983-07-19"
GOAL = "Sleep zqgoal seven hours"
JOTTING = "zqjot work deadlines keep her awake"
PRIVATE = "~ zqpriv my irritation at the lateness"
SECTION = "zqsection reports improved mood this week"
SEARCH = "zqjot"


def _env_builder():  # noqa: ANN202 - the timeline tests' real-profile Env
    spec = importlib.util.spec_from_file_location("timeline_conftest_for_audit", TIMELINE_CONFTEST)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module.build_env


def test_no_audit_row_holds_a_path_or_any_text(tmp_path, monkeypatch, capsys):
    env = _env_builder()(tmp_path)
    try:
        client_id = env.client("C-42", NAME, DOB, [GOAL])
        session_id = env.session(client_id, "2026-11-02T10:00:00", jottings=[JOTTING, PRIVATE])
        note_id = env.sign(session_id, "2026-11-02T11:00:00", subjective=SECTION)
        NoteSearch(env.ws).search(SEARCH, include_private=True)
        NoteSearch(env.ws).search(SEARCH, client_id)
        env.ws.profile.backup(tmp_path / "backup-of-C-42", "Dana Reyes")
        env.ws.profile.rotate_device_key(env.keystore, "Dana Reyes")
    finally:
        env.ws.close()

    monkeypatch.setattr("tui.services.access.default_keystore", lambda config: env.keystore)
    profile = str(env.config.profile_dir)
    out_dir = tmp_path / "exports-for-C-42"
    out_dir.mkdir()
    for argv in (["export", "note", str(note_id), "-o", str(out_dir / "note.txt")],
                 ["export", "client", "C-42", "--include-private", "-o", str(out_dir / "record.md")],
                 ["backup", str(tmp_path / "second-backup")]):
        assert main(["--profile", profile, *argv]) == 0, capsys.readouterr().err

    from tui.services import access
    from tui.services.workspace import Workspace

    ws = Workspace(access.unlock(env.config, keystore=env.keystore), env.config)
    try:
        rows = ws.record.audit_entries(10_000)
    finally:
        ws.close()
    actions = {r["action"] for r in rows}
    assert {"note signed", "private jottings searched", "backup written", "note exported",
            "client record exported", "device key rotated"} <= actions, actions

    forbidden = [NAME, "Philippa", "Zqaudit", DOB, GOAL, "zqgoal", "zqjot", "zqpriv", "zqsection", "irritation",
                 str(tmp_path), "backup-of", "exports-for", "second-backup", "record.md", "note.txt", "/"]
    leaks = []
    for row in rows:
        for column in ("actor", "action", "subject", "detail"):
            value = str(row.get(column) or "")
            leaks += [f"row {row['id']} {column}={value!r} holds {word!r}" for word in forbidden if word in value]
    assert not leaks, "\n".join(leaks)
