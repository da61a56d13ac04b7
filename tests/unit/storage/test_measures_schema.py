"""Record schema v5 (issue 13 item 5): measure_scores takes PCL-5, the C-SSRS screener and
custom scales, keeps every earlier row and id through the rebuild, and signed rows stay
locked (their triggers are made again with the new table)."""

from __future__ import annotations

import os

import pytest
import sqlcipher3

from tui.storage import record as recordmod
from tui.storage.record import LOCKED_NOTE, RecordStore


class RecordV4(RecordStore):
    migrations = recordmod.RecordStore.migrations[:4]


KEY = os.urandom(32)


def _v4_with_a_signed_score(path):
    store = RecordV4(path, KEY, create=True)
    with store.transaction() as conn:
        conn.execute("INSERT INTO clients (id, code, created_at) VALUES (1, 'MS1', '2026-01-01')")
        conn.execute("INSERT INTO sessions (id, client_id, started_at) VALUES (7, 1, '2026-01-02T10:00:00+00:00')")
        conn.execute("""INSERT INTO measure_scores (id, client_id, session_id, instrument, total, items_json,
                        administered_at) VALUES (41, 1, 7, 'phq9', 12, '[1,2,1,2,1,2,1,2,0]', '2026-01-02')""")
        conn.execute("""INSERT INTO progress_notes (id, session_id, template, status, canonical_text, content_hash,
                        created_at, updated_at) VALUES (1, 7, 'soap', 'signed', 'x', 'h', '2026-01-02', '2026-01-02')""")
    assert store.schema_version == 4
    store.close()


def test_migration_keeps_rows_ids_and_the_signed_lock(tmp_path):
    path = tmp_path / "record.db"
    try:
        _v4_with_a_signed_score(path)
    except sqlcipher3.IntegrityError as exc:  # pragma: no cover - a schema change upstream of this test
        pytest.fail(f"the v4 fixture no longer fits the schema: {exc}")
    store = RecordStore(path, KEY)
    try:
        assert store.schema_version >= 5  # v6 (diagnoses) follows
        rows = store.query("SELECT * FROM measure_scores")
        assert rows == [{"id": 41, "client_id": 1, "session_id": 7, "instrument": "phq9", "total": 12,
                         "items_json": "[1,2,1,2,1,2,1,2,0]", "administered_at": "2026-01-02"}]
        for statement in ("UPDATE measure_scores SET total = 3 WHERE id = 41",
                          "DELETE FROM measure_scores WHERE id = 41",
                          "INSERT INTO measure_scores (client_id, session_id, instrument, total, administered_at) "
                          "VALUES (1, 7, 'gad7', 3, '2026-01-02')"):
            with pytest.raises(sqlcipher3.IntegrityError, match=LOCKED_NOTE[:20]):
                store.write(lambda conn, s=statement: conn.execute(s))
        indexes = {r["name"] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'index' "
                                                  "AND tbl_name = 'measure_scores'")}
        assert {"measures_by_client", "measures_by_session"} <= indexes
    finally:
        store.close()


@pytest.mark.parametrize("instrument", ["pcl5", "cssrs", "custom:sleepq", "custom:k10"])
def test_new_instruments_are_accepted(tmp_path, instrument):
    store = RecordStore(tmp_path / "record.db", KEY, create=True)
    try:
        with store.transaction() as conn:
            conn.execute("INSERT INTO clients (id, code, created_at) VALUES (1, 'MS2', '2026-01-01')")
            conn.execute("INSERT INTO measure_scores (client_id, instrument, total, administered_at) "
                         "VALUES (1, ?, 2, '2026-01-02')", (instrument,))
        assert store.query("SELECT instrument FROM measure_scores") == [{"instrument": instrument}]
    finally:
        store.close()


@pytest.mark.parametrize("instrument", ["phq-9", "PHQ9", "custom:", "custom:Bad", "custom:x'y", "bdi2",
                                        "custom:" + "a" * 17])
def test_anything_else_is_refused(tmp_path, instrument):
    store = RecordStore(tmp_path / "record.db", KEY, create=True)
    try:
        store.write(lambda conn: conn.execute("INSERT INTO clients (id, code, created_at) VALUES (1, 'MS3', '2026')"))
        with pytest.raises(sqlcipher3.IntegrityError):
            store.write(lambda conn: conn.execute(
                "INSERT INTO measure_scores (client_id, instrument, total, administered_at) VALUES (1, ?, 2, '2026')",
                (instrument,)))
    finally:
        store.close()
