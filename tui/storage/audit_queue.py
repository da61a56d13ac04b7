"""Audit entries from a process that may only read: an export while Hushpad is open.

While the app holds the profile lock, ``hushpad export`` opens both stores read-only and
changes no byte of them (nor of their -wal and -shm). An export is still an audited act,
so its audit entry waits here, beside the stores, until a process that holds the lock
appends it to the audit hash chain: the app when it locks or quits, or any later open.
Only the lock holder ever writes the chain, so a second process can never fork it, and the
entry is in the chain before the next signed head covers it.

Each entry is one small file in ``audit-queue/`` (0700): AES-256-GCM under a key derived
from the record's data key (HKDF-SHA256, salted with the profile id), its associated data
naming the profile and the entry's id, which is also the file's name (so a file copied
under another name, or from another profile, does not open). Written atomically, 0600.
It holds what an audit row holds (actor, action, the subject's id, the format) and when:
never a path or any words of a note. Deleting a queued file loses that entry, as
truncating the log's unsigned tail would; a file that does not decrypt is itself recorded
in the log (by a digest of its bytes, never its name), once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import StorageError
from .files import DIR_MODE, O_CLOEXEC, O_NOFOLLOW, _fsync_dir, atomic_write, check_private_path
from .paths import ProfilePaths
from .record import RecordStore, now_iso
from .secure_memory import aesgcm_decrypt_into, into_bytearray, wipe

QUEUE_DIR = "audit-queue"
SUFFIX = ".entry"
NONCE_BYTES = 12
VERSION = 1
UNREADABLE = "queued audit entry unreadable"
MAX_ENTRY_BYTES = 16 * 1024  # an entry is a few hundred bytes; anything bigger is not one
STALE_TEMP_SECONDS = 3600  # an atomic_write temporary this old was left by a crash
ENTRY_NAME = re.compile(r"^[0-9a-f]{16}\.entry$")


def queue_dir(paths: ProfilePaths) -> Path:
    return paths.root / QUEUE_DIR


def _associated(profile_id: str, entry_id: str) -> bytes:
    return f"hushpad audit queue v{VERSION}:{profile_id}:{entry_id}".encode()


def queue_key(record_key: bytes | bytearray, profile_id: str) -> bytearray:
    """The queue's own key (HKDF of the record key), in a bytearray the caller wipes."""
    return into_bytearray(HKDF(algorithm=hashes.SHA256(), length=32, salt=profile_id.encode(),
                               info=b"hushpad audit queue v1").derive(record_key))


class AuditQueue:
    def __init__(self, paths: ProfilePaths, record_key: bytes | bytearray, profile_id: str) -> None:
        self.paths = paths
        self.profile_id = profile_id
        self._key = queue_key(record_key, profile_id)

    def close(self) -> None:
        wipe(self._key)

    def _folder(self) -> Path:
        """The queue's folder, made 0700 if missing and tightened if loose; never a link."""
        folder = queue_dir(self.paths)
        check_private_path(folder, "The folder")
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=DIR_MODE)
        check_private_path(folder, "The folder")
        st = folder.lstat()
        if not stat.S_ISDIR(st.st_mode):
            raise StorageError(f"{folder} is not a folder; move it away so exports can be audited.")
        if stat.S_IMODE(st.st_mode) & ~DIR_MODE:
            folder.chmod(DIR_MODE)
        return folder

    def add(self, actor: str, action: str, subject: str = "", detail: str = "") -> str:
        """Queue one entry; returns its id. Only ids and kinds: never note text or a path."""
        folder = self._folder()
        entry_id = secrets.token_hex(8)
        body = json.dumps({"v": VERSION, "id": entry_id, "at": now_iso(), "ns": time.time_ns(), "actor": actor,
                           "action": action, "subject": subject, "detail": detail}).encode("utf-8")
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + AESGCM(self._key).encrypt(nonce, body, _associated(self.profile_id, entry_id))
        atomic_write(folder / f"{entry_id}{SUFFIX}", sealed)
        return entry_id

    def pending(self) -> list[Path]:
        """Every entry file waiting, oldest name first. Dot-files are atomic_write's
        temporaries (an entry being written right now): left alone unless a crash left
        them long ago."""
        folder = queue_dir(self.paths)
        check_private_path(folder, "The folder")
        if not folder.is_dir() or folder.is_symlink():
            return []
        entries = []
        now = time.time()
        for path in folder.iterdir():
            if path.name.startswith("."):
                with contextlib.suppress(OSError):
                    if now - path.lstat().st_mtime > STALE_TEMP_SECONDS:
                        path.unlink()
                continue
            if path.name.endswith(SUFFIX):
                entries.append(path)
        return sorted(entries)

    @staticmethod
    def _read_bytes(path: Path) -> bytes:
        """The file's bytes, never through a link, at most MAX_ENTRY_BYTES + 1."""
        fd = os.open(path, os.O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ValueError("not a regular file")
            return os.read(fd, MAX_ENTRY_BYTES + 1)
        finally:
            os.close(fd)

    def read(self, path: Path) -> dict[str, Any] | None:
        """The entry, or None when the file is not one of this profile's entries."""
        if not ENTRY_NAME.fullmatch(path.name):
            return None
        entry_id = path.name[: -len(SUFFIX)]
        try:
            data = self._read_bytes(path)
            if len(data) > MAX_ENTRY_BYTES or len(data) <= NONCE_BYTES + 16:
                return None
            plain = aesgcm_decrypt_into(self._key, data[:NONCE_BYTES], data[NONCE_BYTES:],
                                        _associated(self.profile_id, entry_id))
        except (OSError, ValueError, InvalidTag):
            return None
        try:
            entry = json.loads(bytes(plain).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        finally:
            wipe(plain)
        fields = ("id", "at", "actor", "action", "subject", "detail")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in fields):
            return None
        if entry["id"] != entry_id or not isinstance(entry.get("ns", 0), int):
            return None
        return entry

    @staticmethod
    def _digest(path: Path) -> str:
        """A short digest of an unreadable file's bytes: names it in the log without its
        path, and makes a second fold (after a crash before the unlink) see it was logged."""
        try:
            data = AuditQueue._read_bytes(path)
        except (OSError, ValueError):
            data = b""
        return hashlib.sha256(data).hexdigest()[:16]

    def fold_into(self, record: RecordStore) -> int:
        """Append every queued entry to the audit chain (one transaction), then remove the
        files. Run only by the lock holder. A crash between the commit and the removal
        leaves files whose entries are already in the log: they are recognised by their id
        and not added twice. Returns how many rows were added."""
        files = self.pending()
        if not files:
            return 0
        entries = [self.read(path) for path in files]
        rows: list[tuple[str, str, str, str]] = []
        for entry in sorted((e for e in entries if e is not None), key=lambda e: (e.get("ns", 0), e["id"])):
            detail = (f"{entry['detail']}; " if entry["detail"] else "") + (
                f"while the profile was open elsewhere, at {entry['at']} (queued entry {entry['id']})")
            rows.append((entry["actor"], entry["action"], entry["subject"], detail))
        # Never the file's name: it would be a path in the log. A digest of its bytes instead.
        rows += [("hushpad", UNREADABLE, "",
                  f"removed; it does not decrypt with this profile's key (sha256 {self._digest(path)})")
                 for path, e in zip(files, entries) if e is None]

        def append(conn: Any) -> int:
            added = 0
            for actor, action, subject, detail in rows:
                # Already there: a fold that committed and crashed before removing the files.
                seen = conn.execute("SELECT 1 FROM audit_log WHERE action = ? AND subject = ? AND detail = ?",
                                    (action, subject, detail)).fetchone()
                if not seen:
                    RecordStore.audit_in(conn, actor, action, subject, detail)
                    added += 1
            return added

        added = record.write(append)
        for path in files:
            with contextlib.suppress(OSError):
                path.unlink()
        with contextlib.suppress(OSError):
            _fsync_dir(queue_dir(self.paths))
        return added


class QueuedAuditRecord(RecordStore):
    """The record opened read-only beside the lock holder: reads as usual, and an audit
    call queues its entry instead of writing (see the module docstring)."""

    queue: AuditQueue | None = None

    def audit(self, actor: str, action: str, subject: str = "", detail: str = "") -> None:
        if self.queue is None:
            raise StorageError(f"{self.path.name} is open read-only here; nothing was changed.")
        self.queue.add(actor, action, subject, detail)

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.queue is not None:
                self.queue.close()
