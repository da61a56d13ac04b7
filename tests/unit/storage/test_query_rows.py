"""EncryptedStore.query reads rows straight off the sqlcipher3 connection (issue 14: sqlite_utils
off the hot path). It answers as sqlite_utils' Database.query did, on a real SQLCipher store:
same dicts (duplicate column names renamed), PRAGMAs, RETURNING, and the same refusals, with a
refused statement leaving nothing changed. Recursive triggers stay on, as sqlite_utils set them."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from tui.storage.db import EncryptedStore

KEY = bytes(range(32))


class Store(EncryptedStore):
    migrations = ((
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)",
        "CREATE TABLE gone (id INTEGER PRIMARY KEY)",
        "INSERT INTO t (name, n) VALUES ('a', 1), ('b', 2)",
        "CREATE TRIGGER t_del AFTER DELETE ON t BEGIN INSERT INTO gone VALUES (OLD.id); END",
    ),)


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "s.db", KEY, create=True)
    yield s
    s.close()


QUERIES = [
    ("SELECT * FROM t ORDER BY id", ()),
    ("SELECT id, name, id, name AS id_2 FROM t ORDER BY id", ()),  # duplicates, one colliding with a rename
    ("  -- a comment\n  WITH x AS (SELECT n FROM t) SELECT sum(n) AS total FROM x", ()),
    ("SELECT name FROM t WHERE n = :n", {"n": 2}),
    ("PRAGMA table_info(t)", ()),
    ("VALUES (1, 2)", ()),
]


@pytest.mark.parametrize(("sql", "params"), QUERIES)
def test_rows_read_as_sqlite_utils_read_them(store, sql, params) -> None:
    expected = list(sqlite_utils.Database(store.conn).query(sql, params))
    assert store.query(sql, params) == expected


def test_returning_writes_and_returns_its_rows(store) -> None:
    assert store.query("INSERT INTO t (name, n) VALUES ('c', 3) RETURNING id, name") == [{"id": 3, "name": "c"}]
    assert store.query_one("SELECT count(*) AS c FROM t") == {"c": 3}


@pytest.mark.parametrize("sql", ["INSERT INTO t (name, n) VALUES ('x', 9)", "UPDATE t SET n = 0",
                                 "CREATE TABLE u (x)", "BEGIN", "VACUUM"])
def test_a_statement_without_rows_is_refused_and_changes_nothing(store, sql) -> None:
    before = store.query("SELECT * FROM t ORDER BY id")
    with pytest.raises(ValueError, match="returns rows"):
        store.query(sql)
    assert store.query("SELECT * FROM t ORDER BY id") == before
    assert store.query("SELECT name FROM sqlite_master WHERE name = 'u'") == []
    assert not store.conn.in_transaction
    with pytest.raises(ValueError):
        list(sqlite_utils.Database(store.conn).query(sql))  # sqlite_utils refuses it too


def test_a_refusal_inside_a_transaction_keeps_the_transaction(store) -> None:
    with store.transaction() as conn:
        conn.execute("INSERT INTO t (name, n) VALUES ('kept', 7)")
        with pytest.raises(ValueError):
            store.query("DELETE FROM t WHERE name = 'a'")
        assert conn.in_transaction
    assert [r["name"] for r in store.query("SELECT name FROM t ORDER BY id")] == ["a", "b", "kept"]


def test_recursive_triggers_are_on_as_sqlite_utils_left_them(tmp_path: Path, store) -> None:
    assert store.query("PRAGMA recursive_triggers") == [{"recursive_triggers": 1}]
    # A REPLACE deletes the row it replaces: with recursive triggers on, the delete trigger sees it.
    with store.transaction() as conn:
        conn.execute("INSERT OR REPLACE INTO t (id, name, n) VALUES (1, 'a2', 1)")
    assert store.query("SELECT id FROM gone") == [{"id": 1}]
    store.close()
    reopened = Store(tmp_path / "s.db", KEY, read_only=True)
    try:
        assert reopened.query("PRAGMA recursive_triggers") == [{"recursive_triggers": 1}]
    finally:
        reopened.close()
