"""Encrypted emergency copies: the way out when the profile cannot be written (a full disk).

The clinician picks a folder elsewhere (a USB stick, another disk). The copy there is sealed
with AES-256-GCM under a key derived (HKDF-SHA256) from the data key of the store the text
belongs to, so it is no easier to read than the store itself. Its header is plain and holds
no client text: format, profile id, kind, the document's id, and when. The header is the
associated data, so it cannot be altered either.

File layout::

    HUSHPAD-EMERGENCY-COPY 1\\n
    {"created": ..., "kind": ..., "profile": ..., "ref": ...}\\n
    12-byte nonce, then ciphertext and tag

Written once, never overwritten: a temp file opened O_CREAT|O_EXCL|O_NOFOLLOW mode 0600,
fsync, then linked (or renamed, where links are unsupported) to a name that must not exist.

So that the next start can offer to restore it, where it went is noted in a *marker slot*
in the profile: a fixed-size file, made while the disk still has room, that is later
rewritten in place (no new blocks, so it works on a full disk). A checksum tells a torn
write from a good one. The marker holds paths and ids only.

No Textual here.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import DiskFullError, StorageError
from .files import _fsync_dir

MAGIC = b"HUSHPAD-EMERGENCY-COPY 1\n"
SUFFIX = ".hushpad-emergency"
KINDS = ("jottings", "draft")
MARKER_NAME = "emergency-copies"
MARKER_SIZE = 8192
NONCE_BYTES = 12
FILE_MODE = 0o600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class EmergencyCopyError(StorageError):
    pass


@dataclass(frozen=True)
class CopyInfo:
    """What the plain header (and the marker) says about a copy. No client text."""

    path: Path
    profile_id: str
    kind: str
    ref: str
    created: str

    def to_marker(self) -> dict[str, str]:
        return {"path": str(self.path), "profile": self.profile_id, "kind": self.kind, "ref": self.ref,
                "created": self.created}


def _key(dek: bytes | bytearray, kind: str, profile_id: str) -> bytes:
    if len(dek) != 32:
        raise EmergencyCopyError("The data key has the wrong length.")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"hushpad emergency copy v1|{profile_id}|{kind}".encode()).derive(bytes(dek))


def _header(profile_id: str, kind: str, ref: str, created: str) -> bytes:
    return json.dumps({"created": created, "kind": kind, "profile": profile_id, "ref": ref},
                      sort_keys=True, ensure_ascii=True).encode("ascii") + b"\n"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _os_error(exc: OSError, what: str) -> EmergencyCopyError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return EmergencyCopyError(f"{what}: that disk is full too. Choose a folder on another disk.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return EmergencyCopyError(f"{what}: that folder cannot be written here. Choose another.")
    if exc.errno == errno.ELOOP:
        return EmergencyCopyError(f"{what}: a symbolic link is in the way; nothing was written.")
    return EmergencyCopyError(f"{what}: {exc.strerror or exc}")


def write_copy(folder: Path, dek: bytes | bytearray, *, profile_id: str, kind: str, ref: str, payload: bytes,
               profile_dir: Path | None = None, now: datetime | None = None) -> CopyInfo:
    """Seal `payload` into a new file in `folder`. Never overwrites, never follows a link."""
    if kind not in KINDS:
        raise EmergencyCopyError(f"Unknown kind of emergency copy {kind!r}.")
    folder = Path(folder).expanduser()
    if not folder.is_absolute():
        raise EmergencyCopyError("Give the whole folder path, starting with /.")
    if folder.is_symlink() or not folder.is_dir():
        raise EmergencyCopyError(f"No folder {folder}. Type a folder that exists (a USB stick, another disk).")
    if profile_dir is not None:
        resolved, profile = folder.resolve(), Path(profile_dir).resolve()
        if resolved == profile or profile in resolved.parents:
            raise EmergencyCopyError("That is inside the profile folder, whose disk cannot be written. "
                                     "Choose a folder elsewhere.")
    created = (now or datetime.now().astimezone()).replace(microsecond=0).isoformat()
    header = _header(profile_id, kind, ref, created)
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(_key(dek, kind, profile_id)).encrypt(nonce, payload, MAGIC + header)
    stamp = created.replace(":", "").replace("-", "")[:15]
    name = f"hushpad-{kind}-{stamp}-{secrets.token_hex(4)}{SUFFIX}"
    final, tmp = folder / name, folder / f".{name}.tmp"
    made_tmp = False  # never unlink a name someone else planted
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, FILE_MODE)
        made_tmp = True
        try:
            _write_all(fd, MAGIC + header + nonce + sealed)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, final, follow_symlinks=False)  # fails if the name exists: never replaces anything
            os.unlink(tmp)
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                raise
            if os.path.lexists(final):  # no hard links here (e.g. a FAT stick): check, then rename
                raise FileExistsError(errno.EEXIST, "exists", str(final)) from exc
            os.rename(tmp, final)
        _fsync_dir(folder)
    except OSError as exc:
        if made_tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise _os_error(exc, "The emergency copy was not written") from exc
    return CopyInfo(final, profile_id, kind, ref, created)


def read_header(path: Path) -> CopyInfo:
    """The plain header, without the key: enough to say what a copy is."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY)
        with os.fdopen(fd, "rb") as fh:
            magic = fh.read(len(MAGIC))
            line = fh.readline(4096)
    except OSError as exc:
        raise _os_error(exc, f"Could not read {path}") from exc
    if magic != MAGIC or not line.endswith(b"\n"):
        raise EmergencyCopyError(f"{path} is not a Hushpad emergency copy.")
    try:
        fields = json.loads(line)
        return CopyInfo(Path(path), str(fields["profile"]), str(fields["kind"]), str(fields["ref"]),
                        str(fields["created"]))
    except (ValueError, KeyError, TypeError):
        raise EmergencyCopyError(f"{path} is not a Hushpad emergency copy (its header is damaged).") from None


def read_copy(path: Path, dek: bytes | bytearray, *, profile_id: str) -> tuple[CopyInfo, bytes]:
    """Open a copy: the header must name this profile, and the seal must hold."""
    info = read_header(path)
    if info.profile_id != profile_id:
        raise EmergencyCopyError(f"{path} belongs to another Hushpad profile.")
    if info.kind not in KINDS:
        raise EmergencyCopyError(f"{path} is of an unknown kind ({info.kind}).")
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY)
        with os.fdopen(fd, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise _os_error(exc, f"Could not read {path}") from exc
    header = _header(info.profile_id, info.kind, info.ref, info.created)
    body = data[len(MAGIC) + len(header):]
    if not data.startswith(MAGIC + header) or len(body) < NONCE_BYTES + 16:
        raise EmergencyCopyError(f"{path} is damaged (its header does not match).")
    try:
        payload = AESGCM(_key(dek, info.kind, profile_id)).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:],
                                                                   MAGIC + header)
    except InvalidTag:
        raise EmergencyCopyError(f"{path} is damaged or was altered: its seal does not match. "
                                 "It was left where it is.") from None
    return info, payload


# -- the marker slot -------------------------------------------------------------------------
def _marker_bytes(entries: list[dict[str, str]]) -> bytes:
    while True:
        body = json.dumps(entries, sort_keys=True, ensure_ascii=True).encode("ascii")
        content = body + b"\n" + hashlib.sha256(body).hexdigest().encode("ascii") + b"\n"
        if len(content) <= MARKER_SIZE:
            return content + b" " * (MARKER_SIZE - len(content))
        entries = entries[1:]  # the oldest go first; the newest always fits


def prepare_marker(profile_dir: Path) -> bool:
    """Make the fixed-size slot now, while there is room. True if it exists afterwards."""
    path = Path(profile_dir) / MARKER_NAME
    if path.exists() and not path.is_symlink():
        return True
    tmp = path.with_name(f".{MARKER_NAME}.tmp-{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, FILE_MODE)
        try:
            _write_all(fd, _marker_bytes([]))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False


def _read_marker(path: Path) -> list[dict[str, str]] | None:
    """The entries; [] for an empty or missing slot; None for a torn or damaged one."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY)
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(MARKER_SIZE + 1)
    except FileNotFoundError:
        return []
    except OSError:
        return None
    body, _, rest = data.partition(b"\n")
    digest = rest.split(b"\n", 1)[0]
    if hashlib.sha256(body).hexdigest().encode("ascii") != digest:
        return None
    try:
        entries = json.loads(body)
    except ValueError:
        return None
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else None


def _write_marker(path: Path, entries: list[dict[str, str]]) -> None:
    """Rewrite the slot in place: the same size, so a full disk does not stop it."""
    content = _marker_bytes(entries)
    fd = os.open(path, os.O_WRONLY | _NOFOLLOW | _BINARY)
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        _write_all(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)


def note_copy(profile_dir: Path, info: CopyInfo) -> bool:
    """Remember a copy for the next start. False if the profile could not note it."""
    path = Path(profile_dir) / MARKER_NAME
    if not prepare_marker(profile_dir):
        return False
    entries = _read_marker(path) or []
    entries = [e for e in entries if e.get("path") != str(info.path)] + [info.to_marker()]
    try:
        _write_marker(path, entries)
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Pending:
    copies: list[CopyInfo]
    missing: list[str]  # noted, but not there now (a stick not plugged in): offered again later
    marker_damaged: bool = False


def pending_copies(profile_dir: Path, profile_id: str) -> Pending:
    """Copies this profile noted and has not restored yet."""
    entries = _read_marker(Path(profile_dir) / MARKER_NAME)
    if entries is None:
        return Pending([], [], marker_damaged=True)
    copies, missing = [], []
    for entry in entries:
        if entry.get("profile") != profile_id:
            continue
        path = Path(str(entry.get("path", "")))
        if path.is_file() and not path.is_symlink():
            copies.append(CopyInfo(path, profile_id, str(entry.get("kind")), str(entry.get("ref")),
                                   str(entry.get("created"))))
        else:
            missing.append(str(path))
    return Pending(copies, missing)


def forget_copy(profile_dir: Path, path: Path, *, delete: bool) -> None:
    """Drop a restored copy from the marker (and, once its text is safe in the store, the file)."""
    marker = Path(profile_dir) / MARKER_NAME
    entries = _read_marker(marker)
    if entries:
        try:
            _write_marker(marker, [e for e in entries if e.get("path") != str(path)])
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFullError("The profile's disk is full; the copy is kept and offered again.") from exc
            raise _os_error(exc, "Could not update the profile's note of emergency copies") from exc
    if delete:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
