"""Diagnoses on the treatment plan (issue 13 item 1): record schema v6 on real SQLCipher, the
history kept, one primary at a time, audit rows naming codes only, and the service that checks
each code against the real ICD-10-CM code set."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import sqlcipher3

from tui.config import Config
from tui.services import access
from tui.services.diagnoses import Diagnoses, DiagnosisProblem, note_labels, parse_onset, plan_label
from tui.services.workspace import Workspace
from tui.storage import record as recordmod
from tui.storage.keyring_access import MemoryKeyring
from tui.storage.record import DiagnosisConflictError, RecordStore

KEY = os.urandom(32)
MDD = "Major depressive disorder, recurrent, moderate"


class RecordV5(RecordStore):
    migrations = recordmod.RecordStore.migrations[:5]


@pytest.fixture
def store(tmp_path):
    made = RecordStore(tmp_path / "record.db", KEY, create=True)
    made.add_client("DX-1", "Dana Secretname")
    try:
        yield made
    finally:
        made.close()


def test_migration_v5_to_v6_keeps_the_record(tmp_path):
    path = tmp_path / "record.db"
    old = RecordV5(path, KEY, create=True)
    client_id = old.add_client("DX-0")
    assert old.schema_version == 5
    old.close()
    store = RecordStore(path, KEY)
    try:
        assert store.schema_version == len(RecordStore.migrations)
        assert store.client(client_id)["code"] == "DX-0"
        assert store.diagnoses(client_id) == []
        store.add_diagnosis(client_id, "F33.1", MDD, primary=True, onset="2025-11-01")
        assert [r["code"] for r in store.diagnoses(client_id)] == ["F33.1"]
    finally:
        store.close()


def test_one_primary_history_kept_and_audited_by_code(store):
    first = store.add_diagnosis(1, "F41.1", "Generalized anxiety disorder", primary=True)
    second = store.add_diagnosis(1, "F33.1", MDD, primary=True, onset="2025-11-01")
    rows = store.diagnoses(1)
    assert [(r["code"], r["is_primary"]) for r in rows] == [("F33.1", 1), ("F41.1", 0)]
    store.set_primary_diagnosis(first)
    assert [(r["code"], r["is_primary"]) for r in store.diagnoses(1)] == [("F41.1", 1), ("F33.1", 0)]
    store.remove_diagnosis(first)
    assert [r["code"] for r in store.diagnoses(1)] == ["F33.1"]
    history = store.diagnoses(1, current_only=False)
    assert [r["code"] for r in history] == ["F33.1", "F41.1"] and history[1]["removed_at"]
    # Removed, it can come back (a new row; the old one stays as history).
    store.add_diagnosis(1, "F41.1", "Generalized anxiety disorder")
    assert len(store.diagnoses(1, current_only=False)) == 3
    with pytest.raises(DiagnosisConflictError):
        store.add_diagnosis(1, "F33.1", MDD)
    with pytest.raises(DiagnosisConflictError):
        store.remove_diagnosis(first)  # already removed
    audit = [(r["action"], r["subject"], r["detail"]) for r in store.audit_entries()][::-1]
    assert audit == [("diagnosis added", "client:1", "F41.1 primary"), ("diagnosis added", "client:1", "F33.1 primary"),
                     ("diagnosis set primary", "client:1", "F41.1"), ("diagnosis removed", "client:1", "F41.1"),
                     ("diagnosis added", "client:1", "F41.1")]
    assert second and not any("Secretname" in str(r) or "Dana" in str(r) for r in store.audit_entries())


def test_the_database_itself_keeps_the_rules(store):
    store.add_diagnosis(1, "F33.1", MDD, primary=True)
    removed = store.add_diagnosis(1, "F41.1", "Generalized anxiety disorder")
    store.remove_diagnosis(removed)
    for statement in (
        "INSERT INTO diagnoses (client_id, code, title, is_primary, added_at) VALUES (1, 'F43.10', 'PTSD', 1, 'x')",
        "INSERT INTO diagnoses (client_id, code, title, added_at) VALUES (1, 'F33.1', 'again', 'x')",
        "INSERT INTO diagnoses (client_id, code, title, onset, added_at) VALUES (1, 'F43.10', 'PTSD', 'Nov 2025', 'x')",
        "DELETE FROM diagnoses",
        f"UPDATE diagnoses SET removed_at = NULL WHERE id = {removed}",
    ):
        with pytest.raises(sqlcipher3.IntegrityError):
            store.write(lambda conn, s=statement: conn.execute(s))
    assert len(store.diagnoses(1, current_only=False)) == 2


@pytest.mark.parametrize("text,expected", [("", None), ("2025-11", date(2025, 11, 1)),
                                           (" 2025-11-03 ", date(2025, 11, 3))])
def test_onset_forms(text, expected):
    assert parse_onset(text, today=date(2026, 1, 1)) == expected


@pytest.mark.parametrize("text", ["2025-13", "Nov 2025", "2025/11/01", "2026-02"])
def test_onset_refused(text):
    with pytest.raises(DiagnosisProblem):
        parse_onset(text, today=date(2026, 1, 1))


@pytest.fixture
def ws(tmp_path: Path):
    profile_dir = tmp_path / "p"
    config = Config(profile_dir=profile_dir, config_path=profile_dir / "config.toml",
                    clinician_name="Dana Reyes", credentials="LCSW")
    profile, _code = access.initialise(config, MemoryKeyring(), None)
    workspace = Workspace(profile, config)
    try:
        yield workspace
    finally:
        workspace.close()


def test_service_checks_the_real_code_set(ws):
    client = ws.add_client("DX-2", "Sam Hidden", "", [])
    service = Diagnoses(ws)
    assert [e.code for e in service.search("F33.1")][:1] == ["F33.1"]
    row = service.add(client, "f331", primary=True, onset="2025-11", today=date(2026, 1, 5))
    assert plan_label(row) == f"F33.1 {MDD} (primary, onset 2025-11)"
    service.add(client, "F41.1", primary=False)
    assert note_labels(service.current(client)) == (f"F33.1 {MDD} (primary)", "F41.1 Generalized anxiety disorder")
    for code, said in (("F33", "heading"), ("F99.9", "not in the ICD-10-CM"), ("F3", "not an ICD-10-CM code"), ("banana", "not in the ICD-10-CM"),
                       ("F41.1", "already on the plan")):
        with pytest.raises(DiagnosisProblem, match=said):
            service.add(client, code, primary=False)
    with pytest.raises(DiagnosisProblem, match="future"):
        service.add(client, "F43.10", primary=False, onset="2026-02", today=date(2026, 1, 5))
    assert [r["code"] for r in service.current(client)] == ["F33.1", "F41.1"]
    gad = service.current(client)[1]["id"]
    service.set_primary(gad)
    service.remove(service.current(client)[1]["id"])  # F33.1, now secondary
    assert note_labels(service.current(client)) == ("F41.1 Generalized anxiety disorder (primary)",)
    with pytest.raises(DiagnosisProblem):
        service.set_primary(999)
