"""A unique string written into a jotting and a progress note never appears on disk in any
readable form: not raw, not base64 (standard or urlsafe, at each byte alignment), not
UTF-16, not hex; not in the stores, their -wal and -shm, keys.json or the lock file."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest

from tui.storage.vault import JottingLine

from .helpers import make_profile


def encodings(canary: str) -> dict[str, bytes]:
    raw = canary.encode("utf-8")
    forms = {
        "utf-8": raw,
        "utf-16-le": canary.encode("utf-16-le"),
        "utf-16-be": canary.encode("utf-16-be"),
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
    }
    for name, encode in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
        for offset in range(3):
            text = encode(b"\0" * offset + raw)
            # Keep only characters fixed by the canary alone: drop the ones touched by the
            # prefix at the front and by padding at the back.
            start = -(-offset * 4 // 3) + 1
            forms[f"{name}@{offset}"] = text[start:-4]
    assert all(len(v) >= 24 for v in forms.values())
    return forms


def find(canary: str, root: Path) -> list[str]:
    hits = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for name, needle in encodings(canary).items():
            if needle in data:
                hits.append(f"{path.name}: {name}")
    return hits


def test_the_search_finds_every_form_it_claims_to(tmp_path):
    """Guard the guard: each encoding is found when it is really there."""
    canary = f"CANARY-{secrets.token_hex(16)}"
    raw = canary.encode()
    planted = {
        "plain.txt": raw,
        "utf16.txt": canary.encode("utf-16-le"),
        "b64-0.txt": base64.b64encode(raw),
        "b64-1.txt": b"x" + base64.b64encode(b"y" + raw),
        "b64-2.txt": base64.urlsafe_b64encode(b"yz" + raw),
        "hex.txt": raw.hex().encode(),
    }
    for name, data in planted.items():
        (tmp_path / name).write_bytes(b"padding " + data + b" padding")
    found = {hit.split(":")[0] for hit in find(canary, tmp_path)}
    assert found == set(planted)


def write_canaries(profile, jot_canary: str, note_canary: str) -> None:  # noqa: ANN001
    record, vault = profile.record, profile.vault
    client_id = record.add_client("CAN1", "Canary Client")
    with record.transaction() as conn:
        session_id = conn.execute(
            "INSERT INTO sessions (client_id, started_at, ended_at, duration_min) "
            "VALUES (?, '2025-03-01T10:00:00+00:00', '2025-03-01T10:50:00+00:00', 50)",
            (client_id,),
        ).lastrowid
    vault.save_jottings(f"session:{session_id}", [
        JottingLine(2, f'" {jot_canary}'),
        JottingLine(7, f"~ {jot_canary} (private)"),
    ])
    with record.transaction() as conn:
        note_id = conn.execute(
            "INSERT INTO progress_notes (session_id, template, draft_json, summary, created_at, updated_at) "
            "VALUES (?, 'SOAP', ?, ?, 'now', 'now')",
            (session_id, f'{{"S": "{note_canary}"}}', note_canary[:12]),
        ).lastrowid
        for ordinal, (key, title) in enumerate([("S", "Subjective"), ("A", "Assessment")], start=1):
            conn.execute(
                "INSERT INTO note_sections (note_id, key, title, body, ordinal) VALUES (?, ?, ?, ?, ?)",
                (note_id, key, title, f"{title}: {note_canary}", ordinal),
            )
        conn.execute(
            "UPDATE progress_notes SET status = 'signed', canonical_text = ?, content_hash = 'h', "
            "signer = 'Dr X', signed_at = 'now' WHERE id = ?",
            (f"S: {note_canary}", note_id),
        )
    record.audit("Dr X", "note signed", subject=f"note:{note_id}")


@pytest.fixture
def canaries():
    return f"CANARY-JOT-{secrets.token_hex(16)}", f"CANARY-NOTE-{secrets.token_hex(16)}"


def test_canaries_are_absent_from_every_file_while_open_and_after_close(tmp_path, canaries):
    jot_canary, note_canary = canaries
    made = make_profile(tmp_path / "profile")
    profile = made.open()
    try:
        write_canaries(profile, jot_canary, note_canary)
        # The text really is in the stores (so absence on disk means encryption, not loss).
        assert any(jot_canary in line.text for line in profile.vault.load_jottings("session:2"))
        assert profile.record.query("SELECT count(*) AS n FROM note_sections WHERE body LIKE ?",
                                    (f"%{note_canary}%",))[0]["n"] == 2
        names = {p.name for p in made.root.iterdir()}
        assert {"record.db-wal", "record.db-shm", "vault.db-wal", "vault.db-shm", "keys.json"} <= names
        assert made.paths.record.with_name("record.db-wal").stat().st_size > 0
        for canary in canaries:
            assert find(canary, made.root) == [], "found while open"
    finally:
        profile.close()
    assert not (made.root / "vault.db-wal").exists()  # checkpointed into the encrypted file
    for canary in canaries:
        assert find(canary, made.root) == [], "found after close"
    # Also in a backup.
    profile = made.open()
    try:
        profile.backup(tmp_path / "backup", "Dr X")
    finally:
        profile.close()
    for canary in canaries:
        assert find(canary, tmp_path / "backup") == []
    # Only the profile's own files exist: no temp or journal files were left around.
    assert {p.name for p in made.root.iterdir()} == {".hushpad.lock", "keys.json", "record.db", "vault.db", "reserve.bin",
                                                     "keys.json.bak", "record.db.keys", "vault.db.keys"}


def test_audit_log_never_holds_note_or_jotting_content(tmp_path, canaries):
    jot_canary, note_canary = canaries
    made = make_profile(tmp_path / "profile")
    profile = made.open()
    try:
        write_canaries(profile, jot_canary, note_canary)
        profile.rotate_device_key(made.keystore, "Dr X")
        profile.backup(tmp_path / "b", "Dr X")
        rows = profile.record.query("SELECT * FROM audit_log")
    finally:
        profile.close()
    assert any(r["action"] == "note signed" for r in rows)
    text = repr(rows)
    for canary in canaries:
        assert canary not in text and canary[-16:] not in text


def test_separation_is_one_way_jotting_text_never_reaches_the_record(tmp_path, canaries):
    jot_canary, _ = canaries
    made = make_profile(tmp_path / "profile")
    profile = made.open()
    try:
        profile.vault.save_jottings("session:1", [JottingLine(1, jot_canary)])
        tables = [r["name"] for r in profile.record.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in profile.record.query(f"SELECT * FROM [{table}]"):
                assert jot_canary not in repr(row), table
    finally:
        profile.close()
