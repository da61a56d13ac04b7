"""Opening SQLCipher files with raw keys, and versioned migrations.

Each store is one SQLCipher file opened with a raw 256-bit key (no KDF at open),
then driven through ``sqlite_utils.Database(conn)``. One connection per store,
shared by the UI thread and workers behind a lock.
"""

from __future__ import annotations

import contextlib
import errno
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlcipher3
import sqlite_utils

from .errors import DiskFullError, StorageError, StoreOpenError
from .files import FILE_MODE

PAGE_SIZE = 4096
BUSY_TIMEOUT_MS = 5000
PLAINTEXT_HEADER = b"SQLite format 3\x00"

Migration = Sequence[str]


def _describe_damage(path: Path) -> str:
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(16)
    if head == PLAINTEXT_HEADER:
        return f"{path.name} is an unencrypted SQLite file, not a Hushpad store; it was not opened."
    if size < PAGE_SIZE or size % PAGE_SIZE:
        return f"{path.name} looks truncated ({size} bytes). Restore it from a backup (see README: Restoring)."
    return (
        f"{path.name} cannot be read with this key: the key is wrong or the file is damaged. "
        "Nothing was changed. Restore it from a backup if `hushpad doctor` reports damage."
    )


def is_disk_full(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database or disk is full" in text or getattr(exc, "errno", None) == errno.ENOSPC


_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


def is_damage(exc: BaseException) -> bool:
    """SQLITE_CORRUPT / SQLITE_NOTADB: a page that does not decrypt or does not parse."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    text = str(exc).lower()
    return "malformed" in text or "file is not a database" in text


def translate_db_error(exc: BaseException, what: str) -> StorageError:
    if is_disk_full(exc):
        return DiskFullError(f"{what}: the disk is full. Nothing was lost; free some space and Hushpad will retry.")
    if is_damage(exc):
        return StoreOpenError(
            f"{what}: the file is damaged (a page does not decrypt). Nothing was changed. "
            "Run `hushpad doctor`, and restore from a backup (see README: Restoring)."
        )
    return StorageError(f"{what}: {exc}")


def _translatable(exc: BaseException) -> bool:
    return isinstance(exc, sqlcipher3.DatabaseError) and (is_disk_full(exc) or is_damage(exc))


class EncryptedStore:
    """One SQLCipher file and its connection."""

    name = "store"
    migrations: Sequence[Migration] = ()

    def __init__(self, path: Path, key: bytes, *, create: bool = False) -> None:
        if len(key) != 32:
            raise ValueError("a store key is 32 bytes")
        self.path = path
        self.lock = threading.RLock()
        if not path.exists() and not create:
            raise StoreOpenError(f"{path.name} is missing. Restore it from a backup (see README: Restoring).")
        if create and not path.exists():
            # Create 0600 before SQLCipher touches it, so it is never world-readable.
            path.touch(mode=FILE_MODE)
        elif not create and (path.stat().st_size == 0 or path.stat().st_size % PAGE_SIZE):
            # SQLCipher would take an empty file for a new database and migrate it: a
            # truncated store would silently come back empty. A store is whole pages, so a
            # ragged size is damage too, found now rather than at the last page's first read.
            raise StoreOpenError(_describe_damage(path))
        conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
        try:
            # SQLCipher logs decryption failures to stderr, which would scribble over the
            # TUI and break the CLI's one-line errors; the exceptions carry what matters.
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            conn.execute(f"PRAGMA cipher_page_size = {PAGE_SIZE}")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            conn.close()
            raise StoreOpenError(_describe_damage(path)) from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA foreign_keys = ON")
            self.conn = conn
            self.db = sqlite_utils.Database(conn)
            self._migrate()
        except sqlcipher3.DatabaseError as exc:
            conn.close()
            if is_disk_full(exc):
                raise translate_db_error(exc, f"opening {path.name}") from None
            raise StoreOpenError(_describe_damage(path)) from None
        except BaseException:
            conn.close()  # e.g. a newer schema: never leave the file open (or its -wal behind)
            raise
        for sidecar in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            if sidecar.exists():
                sidecar.chmod(FILE_MODE)

    # -- transactions ------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlcipher3.Connection]:
        """One write transaction. Disk-full and damage errors come out as StorageErrors."""
        what = f"writing to {self.path.name}"
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlcipher3.DatabaseError as exc:
                if _translatable(exc):
                    raise translate_db_error(exc, what) from exc
                raise
            try:
                yield self.conn
            except BaseException as exc:
                self._rollback()
                if _translatable(exc):
                    raise translate_db_error(exc, what) from exc
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except sqlcipher3.DatabaseError as exc:
                    self._rollback()
                    if _translatable(exc):
                        raise translate_db_error(exc, what) from exc
                    raise

    def _rollback(self) -> None:
        # SQLite may already have rolled back (SQLITE_FULL does); a second ROLLBACK
        # would raise "no transaction is active" and hide the real error.
        if self.conn.in_transaction:
            with contextlib.suppress(sqlcipher3.Error):
                self.conn.execute("ROLLBACK")

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self.lock:
            try:
                return list(self.db.query(sql, params))
            except sqlcipher3.DatabaseError as exc:
                if _translatable(exc):
                    raise translate_db_error(exc, f"reading {self.path.name}") from exc
                raise

    def query_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    # -- schema ------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.schema_version
        if current > len(self.migrations):
            raise StoreOpenError(
                f"{self.path.name} was written by a newer Hushpad (schema {current}); update Hushpad to open it."
            )
        for version, statements in enumerate(self.migrations[current:], start=current + 1):
            with self.transaction() as conn:
                for statement in statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version}")

    def integrity_check(self) -> str:
        """"ok", or what is wrong: a damaged page is reported here, never raised."""
        with self.lock:
            try:
                rows = self.conn.execute("PRAGMA integrity_check").fetchall()
            except sqlcipher3.DatabaseError as exc:
                return f"cannot be checked: {exc}"
        return "; ".join(str(r[0]) for r in rows)

    def cipher_check(self) -> str:
        """SQLCipher's page HMAC check: "ok" when every page authenticates."""
        with self.lock:
            try:
                rows = self.conn.execute("PRAGMA cipher_integrity_check").fetchall()
            except sqlcipher3.DatabaseError as exc:
                return f"cannot be checked: {exc}"
        return "; ".join(str(r[0]) for r in rows) or "ok"

    def backup_to(self, target: Path, key: bytes) -> None:
        """A consistent, still-encrypted copy via SQLite's online backup."""
        if target.exists():
            target.unlink()
        target.touch(mode=FILE_MODE)
        dest = sqlcipher3.connect(str(target))
        try:
            dest.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            dest.execute(f"PRAGMA cipher_page_size = {PAGE_SIZE}")
            with self.lock:
                self.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()

    def close(self) -> None:
        with self.lock:
            with contextlib.suppress(sqlcipher3.Error):
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.conn.close()
