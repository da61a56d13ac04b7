"""Opening SQLCipher files with raw keys, and versioned migrations.

Each store is one SQLCipher file opened with a raw 256-bit key (no KDF at open),
driven through its ``sqlcipher3`` connection. One connection per store, shared by
the UI thread and workers behind a lock.

``sqlite_utils`` (about 6 MiB and a good share of start-up's import time, with click
and pluggy behind it) is not imported here at module level: open, query, transaction
and the rows a session writes never need it. ``EncryptedStore.db`` builds a
``sqlite_utils.Database`` over the same connection on first use, for the schema,
FTS and export work it is good at; the migration runner loads it (issue 14).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlcipher3

from .errors import DiskFullError, ProfileInUseError, StorageError, StoreOpenError
from .files import FILE_MODE, _fsync_dir as fsync_dir, create_private_file, translate_os_error
from .secure_memory import hex_literal, wipe

if TYPE_CHECKING:
    import sqlite_utils

    from .reserve import Reserve

PAGE_SIZE = 4096
BUSY_TIMEOUT_MS = 5000
PLAINTEXT_HEADER = b"SQLite format 3\x00"
# Every save commits a few pages to the WAL. SQLite's default only checkpoints at 1,000
# pages and never shrinks the file, so a 4 MB WAL stood beside a few KB of jottings.
# After a commit that leaves the WAL past this size, checkpoint it into the store and
# truncate it; SQLite's own limits are the backstop.
WAL_CHECKPOINT_BYTES = 64 * 1024
WAL_AUTOCHECKPOINT_PAGES = 64
JOURNAL_SIZE_LIMIT_BYTES = 256 * 1024

Migration = Sequence[str]
T = TypeVar("T")


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


_SQLITE_IOERR = 10


def is_io_error(exc: BaseException) -> bool:
    """SQLITE_IOERR (any extended code): the OS refused a read, write or fsync."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == _SQLITE_IOERR:
        return True
    return "disk i/o error" in str(exc).lower()


def translate_db_error(exc: BaseException, what: str) -> StorageError:
    if is_disk_full(exc):
        return DiskFullError(f"{what}: the disk is full. Nothing was lost; free some space and Hushpad will retry.")
    if is_damage(exc):
        return StoreOpenError(
            f"{what}: the file is damaged (a page does not decrypt). Nothing was changed. "
            "Run `hushpad doctor`, and restore from a backup (see README: Restoring)."
        )
    if is_io_error(exc):
        return StorageError(
            f"{what}: the disk reported an error. What was saved before is safe; Hushpad will try again. "
            "If this keeps happening, check the disk and run `hushpad doctor`."
        )
    return StorageError(f"{what}: {exc}")


def _translatable(exc: BaseException) -> bool:
    return isinstance(exc, sqlcipher3.DatabaseError) and (is_disk_full(exc) or is_damage(exc) or is_io_error(exc))


def damage_message(path: Path, detail: str = "") -> str:
    why = f" ({detail})" if detail else ""
    return (
        f"{path.name} is damaged: a page does not authenticate{why}. Nothing was changed. "
        "Run `hushpad doctor`, and restore it from a backup (see README: Restoring)."
    )


def _keyed_connect(target: str, key: bytes, *, uri: bool = False) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(target, uri=uri, check_same_thread=False, isolation_level=None)
    try:
        # SQLCipher logs decryption failures to stderr, which would scribble over the
        # TUI and break the CLI's one-line errors; the exceptions carry what matters.
        conn.execute("PRAGMA cipher_log_level = NONE")
        apply_key(conn, key)
        conn.execute(f"PRAGMA cipher_page_size = {PAGE_SIZE}")
    except BaseException:
        conn.close()
        raise
    return conn


def apply_key(conn: sqlcipher3.Connection, key: bytes | bytearray) -> None:
    """Key a connection with the raw key, without ever making a Python str of it.

    ``PRAGMA key = "x'…'"`` would put the key's hex in an immutable str (and the statement
    cache); instead the raw-key literal is built in a bytearray, handed to sqlite3_key() by
    buffer (sqlcipher3's ``set_key``), and zeroed. Memory security first (process-wide, and
    it cannot be switched off again): SQLCipher then zeroes every allocation it frees, so
    its copies of the key and the decrypted pages do not outlive the connection.
    """
    conn.execute("PRAGMA cipher_memory_security = ON")
    literal = hex_literal(key)
    try:
        conn.set_key(literal)
    finally:
        wipe(literal)


class ReadOnlyFile:
    """A connection that cannot change a byte of the store or its -wal/-shm.

    SQLite's plain ``mode=ro`` still creates (and leaves) an empty -wal and a -shm, and
    rewrites the -shm's index. So: with no -wal, open ``immutable``; with -wal and -shm,
    open them with a read-only -shm; and after a crash that left a -wal but no -shm, read
    a private copy of the two files (ciphertext only) in a 0700 temp folder.
    """

    def __init__(self, path: Path, key: bytes, *, private_copy: bool = False, beside_holder: bool = False) -> None:
        self.path = path
        self._tmpdir: str | None = None
        self.shm_fd: int | None = None
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        target = path
        if beside_holder:
            # Another process has the store open and may commit at any moment: never
            # immutable (that reads without locks) and never a copy (not atomic while it
            # writes). Its -wal and -shm exist while it holds them; a read-only -shm is
            # shared with it, locks included, so SQLite's own WAL rules keep our snapshot.
            if not (wal.exists() and shm.exists()):
                raise ProfileInUseError(f"{path.name} is no longer open in the other Hushpad; try again.")
            # One descriptor on the -shm, kept until after the connection closes, for reading
            # the WAL-index header (hold_snapshots). Never a fresh open()/close() per read:
            # closing any descriptor of a file drops every POSIX lock this process holds on
            # it, SQLite's read locks included, and the holder would then checkpoint over
            # our snapshot (found by test_export_while_open: "database disk image is malformed").
            try:
                self.shm_fd = os.open(shm, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
            except FileNotFoundError:
                raise ProfileInUseError(f"{path.name} is no longer open in the other Hushpad; try again.") from None
            query = "mode=ro&readonly_shm=1"
        elif not wal.exists():
            query = "mode=ro&immutable=1"
        elif shm.exists() and not private_copy:
            query = "mode=ro&readonly_shm=1"
        else:
            self._tmpdir = tempfile.mkdtemp(prefix="hushpad-check-")
            target = Path(self._tmpdir) / path.name
            shutil.copyfile(path, target)
            shutil.copyfile(wal, Path(f"{target}-wal"))
            query = "mode=ro"
        try:
            self.conn = _keyed_connect(f"file:{urllib.parse.quote(str(target))}?{query}", key, uri=True)
        except BaseException:
            self._cleanup()
            raise

    def _cleanup(self) -> None:
        if self.shm_fd is not None:  # only once the connection (and its locks) is gone
            with contextlib.suppress(OSError):
                os.close(self.shm_fd)
            self.shm_fd = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def close(self) -> None:
        with contextlib.suppress(sqlcipher3.Error):
            self.conn.close()
        self._cleanup()


def _prepare(conn: sqlcipher3.Connection) -> None:
    """What ``sqlite_utils.Database(conn)`` did to every store connection at open, kept now
    that it is built only when needed: recursive triggers on (a REPLACE's implicit delete
    fires the delete triggers, so the append-only and signed-note guards see it)."""
    conn.execute("PRAGMA recursive_triggers = ON")


NOT_A_QUERY = "query() can only be used with SQL that returns rows - use execute() for other statements"


def row_keys(description: Sequence[Sequence[Any]]) -> list[str]:
    """Column names of a result, duplicates renamed ``name_2``, ``name_3``… (never colliding
    with another column), as sqlite_utils' dedupe_keys does, so rows read the same."""
    keys = [str(d[0]) for d in description]
    taken = set(keys)
    if len(taken) == len(keys):
        return keys
    seen: set[str] = set()
    result = []
    for key in keys:
        if key in seen:
            new_key, suffix = key, 2
            while new_key in seen or new_key in taken:
                new_key = f"{key}_{suffix}"
                suffix += 1
            key = new_key
        seen.add(key)
        result.append(key)
    return result


_FIRST_WORD = re.compile(r"(?:\s|;|\ufeff|--[^\n]*(?:\n|$)|/\*.*?\*/)*([A-Za-z_]*)", re.S)
_REFUSED = {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "VACUUM", "ATTACH", "DETACH"}


def first_keyword(sql: str) -> str:
    """The statement's first keyword, upper-cased, past whitespace and comments."""
    match = _FIRST_WORD.match(sql)
    return match.group(1).upper() if match else ""


def rows_as_dicts(conn: sqlcipher3.Connection, sql: str,
                  params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
    """Every row of a query as a dict keyed by column name, straight off the connection.

    The rules of sqlite_utils' query(), which this replaces on the hot paths: transaction
    control, VACUUM and ATTACH/DETACH are refused unrun; a statement that returns no rows
    is refused with ValueError, and one that wrote something (an INSERT without RETURNING,
    say) is undone first, inside a savepoint, so the refusal changes nothing. A SELECT
    cannot write, so it runs as it is; a PRAGMA runs outside any savepoint (some refuse
    to run inside a transaction)."""
    keyword = first_keyword(sql)
    if keyword in _REFUSED:
        raise ValueError(NOT_A_QUERY)
    if keyword in ("SELECT", "PRAGMA", "VALUES"):
        cursor = conn.execute(sql, params)
        if cursor.description is None:
            raise ValueError(NOT_A_QUERY)
        keys = row_keys(cursor.description)
        return [dict(zip(keys, row)) for row in cursor.fetchall()]
    conn.execute('SAVEPOINT "hushpad_query"')
    released = False
    try:
        cursor = conn.execute(sql, params)
        if cursor.description is None:
            raise ValueError(NOT_A_QUERY)
        keys = row_keys(cursor.description)
        rows = cursor.fetchall()
        conn.execute('RELEASE "hushpad_query"')
        released = True
        return [dict(zip(keys, row)) for row in rows]
    finally:
        if not released and conn.in_transaction:
            with contextlib.suppress(sqlcipher3.Error):
                conn.execute('ROLLBACK TO "hushpad_query"')
                conn.execute('RELEASE "hushpad_query"')


def _cipher_pages_ok(conn: sqlcipher3.Connection) -> str:
    rows = conn.execute("PRAGMA cipher_integrity_check").fetchall()
    return "; ".join(str(r[0]) for r in rows) or "ok"


class EncryptedStore:
    """One SQLCipher file and its connection."""

    name = "store"
    migrations: Sequence[Migration] = ()

    def __init__(self, path: Path, key: bytes, *, create: bool = False, read_only: bool = False,
                 beside_holder: bool = False) -> None:
        """Open (or with create, make) the store.

        An existing store is first opened read-only and every page's HMAC checked
        (``cipher_integrity_check``): a damaged file is refused before anything could
        write to it. ``read_only`` stops there and keeps that connection, for `doctor`:
        no byte of the store, its -wal or its -shm changes.

        ``beside_holder`` (read-only only): another Hushpad has the store open and writing
        (an export while the app is open). No private copy, no immutable open, and no
        whole-file page scan (it would race the holder's checkpoints and could report
        damage that is not there); every page the reader reads is still authenticated by
        SQLCipher as it is read. See hold_snapshots for the one consistent view.
        """
        if len(key) != 32:
            raise ValueError("a store key is 32 bytes")
        if beside_holder and not read_only:
            raise ValueError("beside_holder is read-only")
        self.path = path
        self.lock = threading.RLock()
        self.read_only = read_only
        self.beside_holder = beside_holder
        self.damaged = False  # set when a page fails to authenticate: no more writes, no checkpoint
        self.reserve: Reserve | None = None
        self._freed = False  # the last disk-full error freed the reserve: worth one more try
        self._readonly: ReadOnlyFile | None = None
        self._db: sqlite_utils.Database | None = None  # built on first use of .db
        self.pages_check = "not run"  # cipher_integrity_check at open: "ok" or the first failures
        if not path.exists() and not create:
            raise StoreOpenError(f"{path.name} is missing. Restore it from a backup (see README: Restoring).")
        if create and not path.exists():
            # Create 0600 before SQLCipher touches it, so it is never world-readable; O_EXCL,
            # so a dangling symlink planted here is refused rather than followed.
            create_private_file(path)
        elif not create and (path.stat().st_size == 0 or path.stat().st_size % PAGE_SIZE):
            # SQLCipher would take an empty file for a new database and migrate it: a
            # truncated store would silently come back empty. A store is whole pages, so a
            # ragged size is damage too, found now rather than at the last page's first read.
            raise StoreOpenError(_describe_damage(path))
        if path.stat().st_size:
            self._check_before_writing(key)
        if read_only:
            assert self._readonly is not None
            self.conn = self._readonly.conn
            self.conn.execute("PRAGMA query_only = ON")
            _prepare(self.conn)
            return
        try:
            conn = _keyed_connect(str(path), key)
        except sqlcipher3.DatabaseError:
            raise StoreOpenError(_describe_damage(path)) from None
        try:
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
            conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
            conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT_BYTES}")
            self.conn = conn
            _prepare(conn)
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

    def _check_before_writing(self, key: bytes) -> None:
        """Read-only: the key opens the file, every page authenticates, the schema is ours."""
        if self.beside_holder:
            self._open_beside_holder(key)
            return
        try:
            ro = ReadOnlyFile(self.path, key)
            ro.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except (sqlcipher3.Error, OSError):
            # A crash can leave a -wal and -shm that a read-only -shm cannot use (an index
            # that must be rebuilt): read a private copy instead, which SQLite may recover.
            with contextlib.suppress(NameError):
                ro.close()
            try:
                ro = ReadOnlyFile(self.path, key, private_copy=True)
            except (sqlcipher3.Error, OSError):
                raise StoreOpenError(_describe_damage(self.path)) from None
        try:
            ro.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            pages = _cipher_pages_ok(ro.conn)
            self.pages_check = pages
            if pages != "ok" and not self.read_only:  # read-only (doctor) goes on to say what is wrong
                raise StoreOpenError(damage_message(self.path, pages.split(";")[0]))
            version = int(ro.conn.execute("PRAGMA user_version").fetchone()[0])
            if version > len(self.migrations):
                raise StoreOpenError(
                    f"{self.path.name} was written by a newer Hushpad (schema {version}); update Hushpad to open it."
                )
        except sqlcipher3.DatabaseError:
            ro.close()
            raise StoreOpenError(_describe_damage(self.path)) from None
        except BaseException:
            ro.close()
            raise
        if self.read_only:
            self._readonly = ro
        else:
            ro.close()

    def _open_beside_holder(self, key: bytes) -> None:
        ro = ReadOnlyFile(self.path, key, beside_holder=True)
        try:
            # A reader waits (briefly) for the holder's WAL-index, never for its writes.
            ro.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            ro.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            version = int(ro.conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlcipher3.DatabaseError as exc:
            ro.close()
            if is_damage(exc):
                raise StoreOpenError(_describe_damage(self.path)) from None
            raise StoreOpenError(f"{self.path.name} could not be read beside the open Hushpad ({exc}); "
                                 "nothing was changed. Try again, or close Hushpad first.") from None
        except BaseException:
            ro.close()
            raise
        if version > len(self.migrations):
            ro.close()
            raise StoreOpenError(
                f"{self.path.name} was written by a newer Hushpad (schema {version}); update Hushpad to open it.")
        self.pages_check = "not run (read beside the open Hushpad; each page read is authenticated)"
        self._readonly = ro

    # -- snapshots (read-only stores beside a holder) -------------------------------
    def begin_snapshot(self) -> None:
        """From now until end_snapshot (or close), every query reads the store as it is
        now (one read transaction), whatever another process commits meanwhile."""
        with self.lock:
            if not self.read_only:
                raise StorageError("only a read-only store holds a snapshot")
            try:
                self.conn.execute("BEGIN")
                self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here
            except sqlcipher3.DatabaseError as exc:
                self._rollback()
                raise translate_db_error(exc, f"reading {self.path.name}") from None

    def end_snapshot(self) -> None:
        with self.lock:
            self._rollback()

    def wal_index_header(self) -> bytes | None:
        """The two copies of the WAL-index header in the -shm (96 bytes; no content of the
        store, only frame counts, salts and checksums): every commit changes them. Read
        through the descriptor opened beside the connection, never written; None when this
        store was not opened beside a holder or its -shm is gone."""
        fd = self._readonly.shm_fd if self._readonly is not None else None
        if fd is None:
            return None
        try:
            if os.fstat(fd).st_nlink == 0:  # unlinked: the holder closed and removed it
                return None
            return os.pread(fd, 96, 0)
        except OSError:
            return None

    # -- transactions ------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlcipher3.Connection]:
        """One write transaction. Disk-full and damage errors come out as StorageErrors."""
        what = f"writing to {self.path.name}"
        with self.lock:
            if self.read_only:
                raise StorageError(f"{self.path.name} is open read-only here; nothing was changed.")
            if self.damaged:
                raise StoreOpenError(damage_message(self.path))
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlcipher3.DatabaseError as exc:
                if _translatable(exc):
                    raise self._failed(exc, what) from exc
                raise
            try:
                yield self.conn
            except BaseException as exc:
                self._rollback()
                if _translatable(exc):
                    raise self._failed(exc, what) from exc
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except sqlcipher3.DatabaseError as exc:
                    self._rollback()
                    if _translatable(exc):
                        raise self._failed(exc, what) from exc
                    raise
                self._checkpoint_if_big()

    def write(self, work: Callable[[sqlcipher3.Connection], T]) -> T:
        """``work`` in one transaction; on a full disk, free the reserve and try once more."""
        self._freed = False
        try:
            with self.transaction() as conn:
                result = work(conn)
        except DiskFullError:
            if not self._freed:
                raise
            self._freed = False
            with self.transaction() as conn:
                result = work(conn)
        if self.reserve is not None:
            self.reserve.maybe_recreate()
        return result

    def _failed(self, exc: BaseException, what: str) -> StorageError:
        if is_damage(exc):
            self.damaged = True
        elif is_disk_full(exc) and self.reserve is not None:
            self._freed = self.reserve.release()
        return translate_db_error(exc, what)

    def _checkpoint_if_big(self) -> None:
        """Fold a grown WAL back into the store and truncate it. The commit is already
        durable in the WAL, so a checkpoint that fails (a full disk) loses nothing."""
        try:
            size = os.stat(f"{self.path}-wal").st_size
        except OSError:
            return
        if size > WAL_CHECKPOINT_BYTES and not self.damaged:
            self._truncate_wal()

    def _truncate_wal(self) -> None:
        """Checkpoint and truncate the WAL without waiting for readers. A reader in another
        process (``hushpad export`` while the app is open) holds its snapshot for the whole
        export; TRUNCATE would wait busy_timeout (5 s, holding the store's lock) for it after
        every commit. With no busy handler it does what it can, like PASSIVE, and returns at
        once; a later commit or the close truncates."""
        with contextlib.suppress(sqlcipher3.Error):
            self.conn.execute("PRAGMA busy_timeout = 0")
            try:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def _rollback(self) -> None:
        # SQLite may already have rolled back (SQLITE_FULL does); a second ROLLBACK
        # would raise "no transaction is active" and hide the real error.
        if self.conn.in_transaction:
            with contextlib.suppress(sqlcipher3.Error):
                self.conn.execute("ROLLBACK")

    @property
    def db(self) -> "sqlite_utils.Database":
        """``sqlite_utils.Database`` over this store's connection, built (and sqlite_utils
        imported) on first use: for schema, FTS and export work, never the hot paths."""
        with self.lock:
            if self._db is None:
                import sqlite_utils

                self._db = sqlite_utils.Database(self.conn)
            return self._db

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self.lock:
            try:
                return rows_as_dicts(self.conn, sql, params)
            except sqlcipher3.DatabaseError as exc:
                if _translatable(exc):
                    raise self._failed(exc, f"reading {self.path.name}") from exc
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
        pending = self.migrations[current:]
        if not pending:
            return  # the usual open: sqlite_utils stays unloaded
        db = self.db  # schema work is sqlite_utils' (built outside the transaction)
        for version, statements in enumerate(pending, start=current + 1):
            with self.transaction() as conn:
                for statement in statements:
                    db.execute(statement)  # inside the open transaction: conn.execute, no commit of its own
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
        """A consistent, still-encrypted copy via SQLite's online backup.

        Written to a new temp file beside the target, fsynced, then renamed over it (which
        replaces a link itself, never what it points to): a failure at any point leaves an
        earlier backup whole and no half-written file under the real name."""
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}-{threading.get_ident()}")
        what = f"writing the backup of {self.path.name}"
        try:
            create_private_file(tmp)
            dest = sqlcipher3.connect(str(tmp))
            try:
                apply_key(dest, key)
                dest.execute(f"PRAGMA cipher_page_size = {PAGE_SIZE}")
                with self.lock:
                    self.conn.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
            fsync_dir(target.parent)
        except BaseException as exc:
            for leftover in (tmp, Path(f"{tmp}-journal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            if isinstance(exc, sqlcipher3.Error):
                raise translate_db_error(exc, what) from exc
            if isinstance(exc, OSError):
                raise translate_os_error(exc, what) from exc
            raise

    def close(self) -> None:
        with self.lock:
            if self._readonly is not None:
                self._readonly.close()
                return
            if not self.damaged:  # a checkpoint would rewrite pages of a damaged file
                self._truncate_wal()
            self.conn.close()


SNAPSHOT_ATTEMPTS = 50


def hold_snapshots(stores: Sequence[EncryptedStore], attempts: int = SNAPSHOT_ATTEMPTS) -> int:
    """One consistent view of several read-only stores beside the process that writes them.

    Each store's read transaction is its own snapshot, and the holder may commit to one
    store between the reader's BEGINs (a session's row in the record, its jottings in the
    vault). So: read every store's WAL-index header, begin every snapshot, read the
    headers again. Unchanged means no store took a commit in that window, so every
    snapshot is the stores as they stood at one instant (the last BEGIN). Otherwise end
    them and try again after a short pause. Returns the attempts it took."""
    for attempt in range(1, attempts + 1):
        before = [store.wal_index_header() for store in stores]
        begun: list[EncryptedStore] = []
        try:
            for store in stores:
                store.begin_snapshot()
                begun.append(store)
        except BaseException:
            for store in begun:
                store.end_snapshot()
            raise
        after = [store.wal_index_header() for store in stores]
        if None not in after and before == after:
            return attempt
        for store in stores:
            store.end_snapshot()
        if None in after:
            raise ProfileInUseError("The other Hushpad has just closed this profile; try again.")
        time.sleep(min(0.005 * attempt, 0.05))
    raise StorageError("Hushpad is saving continuously on this profile, so no consistent snapshot could be read; "
                       "nothing was changed. Try again in a moment.")
