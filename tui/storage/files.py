"""Profile directory safety: modes, atomic writes, the single-instance lock.

No Textual here, and nothing in this module ever writes note or client text.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DiskFullError, ProfileInUseError, StorageError, UnsafePathError

DIR_MODE = 0o700
FILE_MODE = 0o600
LOCK_NAME = ".hushpad.lock"
# Every file Hushpad creates is opened with these: a new file only (O_EXCL: never through a
# planted symlink or into someone else's file), never following a final symlink, 0600.
O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW | O_CLOEXEC | getattr(os, "O_BINARY", 0)
# The files of a profile; each must be a regular file of ours, not a link.
PROFILE_FILES = ("keys.json", "record.db", "vault.db", "record.db-wal", "record.db-shm",
                 "vault.db-wal", "vault.db-shm", LOCK_NAME)


def create_private(path: Path) -> int:
    """Create ``path`` as a new 0600 file and return a write descriptor.

    Fails (FileExistsError) if anything is already there, a symlink included, so nothing
    is ever written through a link someone planted or into a file someone else owns.
    """
    return os.open(path, CREATE_FLAGS, FILE_MODE)


def create_private_file(path: Path) -> None:
    """An empty new 0600 file (for SQLCipher to open next), with the same guarantees."""
    os.close(create_private(path))


def _owned_by_us(st: os.stat_result) -> bool:
    return not hasattr(os, "geteuid") or st.st_uid == os.geteuid()


def check_private_path(path: Path, what: str) -> None:
    """Refuse a symlink, or something owned by another user, where Hushpad keeps notes."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise UnsafePathError(
            f"{what} {path} is a symbolic link. Hushpad keeps notes only in a real folder and real files "
            "it owns, so that no link can send them elsewhere. Use the real path (see `hushpad doctor`).")
    if not _owned_by_us(st):
        raise UnsafePathError(
            f"{what} {path} belongs to another user (uid {st.st_uid}). Hushpad will not keep notes in "
            "a folder or file someone else controls. Use a folder in your own home.")


@dataclass
class PermissionReport:
    tightened: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [f"tightened loose permissions on {p}" for p in self.tightened]


def ensure_profile_dir(path: Path) -> PermissionReport:
    """Create the profile dir (0700) and tighten anything looser inside it.

    Refuses (UnsafePathError) a folder that is a symlink or another user's, and any of the
    profile's own files that is a symlink or another user's.
    """
    report = PermissionReport()
    check_private_path(path, "The folder")
    old_umask = os.umask(0o077)
    try:
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    finally:
        os.umask(old_umask)
    check_private_path(path, "The folder")  # a link planted between the check and mkdir
    if sys.platform == "win32":  # POSIX modes mean nothing there; ACLs are the user's profile
        return report
    for name in PROFILE_FILES:
        check_private_path(path / name, "The file")
    report.tightened.extend(_tighten(path, DIR_MODE))
    for child in sorted(path.iterdir()):
        if child.is_symlink():
            continue
        if child.is_dir():
            report.tightened.extend(_tighten(child, DIR_MODE))
        else:
            report.tightened.extend(_tighten(child, FILE_MODE))
    return report


def _tighten(path: Path, wanted: int) -> list[str]:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & ~wanted:
        path.chmod(wanted)
        return [f"{path} (was {mode:o})"]
    return []


def file_modes(path: Path) -> dict[str, str]:
    """Octal modes of the profile dir and its files, for `hushpad doctor`."""
    modes = {str(path): f"{stat.S_IMODE(path.stat().st_mode):o}"}
    for child in sorted(path.iterdir()):
        modes[str(child)] = f"{stat.S_IMODE(child.stat().st_mode):o}"
    return modes


def atomic_write(path: Path, data: bytes) -> None:
    """Write via temp file + fsync + rename, mode 0600: never a half-written file.

    The temp file has an unguessable name and is created with O_EXCL|O_NOFOLLOW, so in a
    shared folder (/tmp) nothing planted there can catch the data; the rename then replaces
    whatever ``path`` was (a planted symlink included) without following it.
    """
    tmp: Path | None = None
    try:
        fd, tmp = _new_temp(path)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(path.parent)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise translate_os_error(exc, f"could not write {path.name}") from exc


TEMP_ATTEMPTS = 16


def _temp_name(path: Path) -> Path:
    import secrets

    return path.with_name(f".{path.name}.tmp-{secrets.token_hex(8)}")


def _new_temp(path: Path) -> tuple[int, Path]:
    for _ in range(TEMP_ATTEMPTS):
        tmp = _temp_name(path)
        try:
            return create_private(tmp), tmp
        except FileExistsError:
            continue  # someone (or something) is there: never open it, pick another name
    raise StorageError(f"could not write {path.name}: the folder is full of stray temporary files")


def _fsync_dir(path: Path) -> None:
    if sys.platform == "win32":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def translate_os_error(exc: OSError, what: str) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(f"{what}: the disk is full. Nothing was changed; free some space and try again.")
    return StorageError(f"{what}: {exc.strerror or exc}")


class ProfileLock:
    """An advisory lock so a second Hushpad on the same profile stops cleanly.

    The OS releases it when the process dies, so a kill -9 never leaves a stale lock.
    """

    def __init__(self, profile_dir: Path) -> None:
        self.path = profile_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | O_NOFOLLOW | O_CLOEXEC, FILE_MODE)
        try:
            _lock_fd(fd)
        except OSError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f" (process {holder})" if holder else ""
            raise ProfileInUseError(
                f"Hushpad is already open on this profile{who}. Close it first; "
                "two copies at once could overwrite each other's notes."
            ) from None
        # The pid is only for the "already open (process N)" message; the flock is the
        # lock. A full or failing disk must not stop an unlock here (found by tests/fault).
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                _unlock_fd(self._fd)
                os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "ProfileLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 32).decode(errors="replace").strip()
    except OSError:
        return ""


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock_fd(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock_fd(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
