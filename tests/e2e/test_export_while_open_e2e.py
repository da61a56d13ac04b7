"""Issue 12 item 1, end to end: `hushpad export client` works while the real TUI is open on
the profile in a real terminal (tmux), with a real Secret Service. It says it reads a
snapshot, writes the signed note, and changes nothing in the stores; commands that write
still refuse. When the TUI quits, the export is in the audit log, under the signed head."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import _harness as harness

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
CODE = "EW-E2E"
WORD = "pelicanharbour"  # in the signed note
PRIVATE = "EWCANARY3318"  # a private jotting: never in a plain export

# Signs one note for CODE the app's way (the keyring of this environment, the write-up service).
SIGN = textwrap.dedent(
    f"""
    from dataclasses import replace
    from tui.config import default_profile_dir, load_config
    from tui.services import access
    from tui.services.workspace import Workspace
    from tui.services.writeup import WriteupService, finding_id
    from tui.storage.vault import JottingLine

    config = load_config(default_profile_dir(None))
    ws = Workspace(access.unlock(config, keystore=access.default_keystore(config)), config)
    try:
        cid = ws.add_client({CODE!r}, "Sam Example", "", ["Sleep seven hours"])
        s = ws.start_session(cid)
        ws.save_jottings(s, [JottingLine(i, t) for i, t in enumerate(
            ['" moving to {WORD}', "! denies SI/HI/SH", "phq9 1 1 1 1 1 1 1 1 0", "~ {PRIVATE} mine"])])
        ws.end_session(s)
        svc = WriteupService(ws)
        w = svc.open(s.id)
        for spec in w.template.sections:
            target = w.draft.group_part if spec.part == "group" else w.draft.sections
            if spec.required and not target.get(spec.key, "").strip():
                target[spec.key] = "Written for " + spec.title + "."
        w.draft.sections["subjective"] = "Moving to {WORD}."
        w.draft.risk = replace(w.draft.risk, si="denied", hi="denied", self_harm="denied",
                               level=w.draft.risk.level or "low", protective_factors="family")
        svc.sign(w, {{finding_id(f) for f in svc.lint(w) if f.level == "warning"}})
        print(w.note_id)
    finally:
        ws.close()
    """
)

# The audit log as the observer reads it (read-only, no lock, no audit row of its own).
AUDIT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from tui.storage import keys as keymod
    from tui.storage.keyring_access import OSKeyring
    from tui.storage.paths import ProfilePaths
    from tui.storage.profile import load_keyfile
    from tui.storage.record import RecordStore

    paths = ProfilePaths(Path(sys.argv[1]))
    deks = keymod.unlock_device(load_keyfile(paths), OSKeyring())
    record = RecordStore(paths.record, deks["record"], read_only=True)
    try:
        rows = record.query("SELECT id, actor, action, subject, detail FROM audit_log ORDER BY id")
        heads = record.query("SELECT audit_id FROM audit_heads ORDER BY id")
    finally:
        record.close()
    print(json.dumps({"rows": rows, "heads": [h["audit_id"] for h in heads]}))
    """
)


def python(script: str, env: dict[str, str], *args: str) -> str:
    out = subprocess.run([sys.executable, "-c", script, *args], env=env, cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def store_hashes(profile: Path) -> dict[str, str]:
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(profile.iterdir())
            if p.is_file() and p.name.startswith(("record.db", "vault.db"))}


def test_export_while_the_tui_is_open(ss_env, tmux, tmp_path):
    init = harness.hushpad(["init", "--non-interactive"], ss_env)
    assert init.returncode == 0, init.stderr
    profile = Path(ss_env["HUSHPAD_HOME"])
    note_id = int(python(SIGN, ss_env).strip())

    term = tmux(ss_env, width=110, height=34)
    term.run([harness.hushpad_exe()])
    term.wait_for(lambda s: CODE in s and "sorted by" in s, timeout=60, what="the client list")
    before = store_hashes(profile)

    out = tmp_path / "record.md"
    export = harness.hushpad(["export", "client", CODE, "--format", "md", "-o", str(out)], ss_env)
    assert export.returncode == 0, export.stderr
    assert "reads a snapshot" in export.stderr and "Traceback" not in export.stderr
    text = out.read_text()
    assert text.startswith("# Records request:") and CODE in text
    assert WORD in text and "Seal (SHA-256):" in text and PRIVATE not in text
    assert (out.stat().st_mode & 0o777) == 0o600
    note = harness.hushpad(["export", "note", str(note_id), "--format", "txt"], ss_env)
    assert note.returncode == 0 and WORD in note.stdout, note.stderr

    # What writes still refuses, in one line, and writes nothing.
    for argv in (["export", "review", str(note_id), "--to", "Sam Lee", "-o", str(tmp_path / "r.json")],
                 ["client", "add", "EW-2", "--name", "Other Person"]):
        refused = harness.hushpad(argv, ss_env)
        assert refused.returncode != 0 and "already open on this profile" in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert not (tmp_path / "r.json").exists()
    assert store_hashes(profile) == before  # the TUI sat idle: any change would be the exports'
    queued = sorted((profile / "audit-queue").iterdir())
    assert len(queued) == 2 and all(WORD.encode() not in p.read_bytes() for p in queued)
    assert "Seal" not in term.capture()  # the TUI was never disturbed: still its client list
    assert CODE in term.capture()

    term.send_key("C-q")
    assert term.wait_exit(timeout=30) == 0, term.capture()
    assert list((profile / "audit-queue").iterdir()) == []
    log = json.loads(python(AUDIT, ss_env, str(profile)))
    exported = [r for r in log["rows"] if r["action"] in ("client record exported", "note exported")]
    assert [(r["action"], r["detail"].split(";")[0]) for r in exported] == [("client record exported", "md"),
                                                                            ("note exported", "txt")]
    assert all("while the profile was open elsewhere" in r["detail"] for r in exported)
    assert log["heads"][-1] >= exported[-1]["id"]  # the TUI signed its head after folding them in
    doctor = harness.hushpad(["doctor"], ss_env)
    assert "audit" in doctor.stdout.lower() and "FAIL" not in doctor.stdout, doctor.stdout + doctor.stderr
