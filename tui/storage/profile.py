"""A profile folder: keys.json, record.db, vault.db, config.toml, and the lock.

This ties keys to stores: create a profile, unlock it, and close it again
(dropping the data keys from memory).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import keys as keymod
from ..errors import HushpadError
from .errors import KeyFileError, NotInitialisedError, ProfileInUseError, StorageError, StoreOpenError
from .files import LOCK_NAME, ProfileLock, atomic_write, ensure_profile_dir
from .keyring_access import KeyStore
from .paths import ProfilePaths
from .record import RecordStore
from .reserve import Reserve
from .secure_memory import wipe_all
from .vault import VaultStore


@dataclass
class OpenProfile:
    """Unlocked stores. close() drops connections and data keys."""

    paths: ProfilePaths
    keyfile: keymod.KeyFile
    record: RecordStore
    vault: VaultStore
    _deks: dict[str, bytes] = field(repr=False)
    _lock: ProfileLock | None = field(default=None, repr=False)
    warnings: list[str] = field(default_factory=list)
    # Loose modes found (and tightened) on the way in: for the caller to show the user.
    permission_warnings: list[str] = field(default_factory=list)
    reserve: Reserve | None = field(default=None, repr=False)

    @property
    def low_on_space(self) -> bool:
        """The disk filled during this run and the reserve was used: tell the clinician."""
        return self.reserve is not None and self.reserve.released

    @property
    def profile_id(self) -> str:
        return self.keyfile.profile_id

    def deks(self) -> dict[str, bytes]:
        """The data keys (the private signing keys stay inside; see signing_seed)."""
        return {k: v for k, v in self._deks.items() if k not in keymod.KEY_SLOTS}

    # -- signing -------------------------------------------------------------
    @property
    def can_sign(self) -> bool:
        return keymod.SIGNING in self._deks

    def signing_seed(self) -> bytes:
        """The Ed25519 seed, for signing in this process only."""
        seed = self._deks.get(keymod.SIGNING)
        if seed is None:
            kinds = ", ".join(sorted(keymod.signing_kinds(self.keyfile))) or "none"
            raise KeyFileError(
                "Your signing key is not available with the way this profile was unlocked "
                f"(it is wrapped for: {kinds}). Unlock that way, or run `hushpad keys recover`.")
        return bytes(seed)

    def exchange_key(self) -> bytes:
        key = self._deks.get(keymod.EXCHANGE)
        if key is None:
            raise KeyFileError("Your review (X25519) key is not available with the way this profile was unlocked.")
        return bytes(key)

    def close(self) -> None:
        if self._lock is not None and not self.record.read_only and "record" in self._deks:
            # Exports run while this profile was open queued their audit entries: into the
            # chain now, before its head is signed (tui/storage/audit_queue.py). Only the
            # lock holder writes the chain; what fails here waits for the next open.
            with contextlib.suppress(Exception):
                fold_audit_queue(self.paths, self.record, self._deks["record"], self.profile_id)
        if keymod.SIGNING in self._deks:
            from .signing import sign_audit_head

            # The audit log's head is signed at each lock, so a truncated log is found.
            with contextlib.suppress(Exception):
                sign_audit_head(self.record, bytes(self._deks[keymod.SIGNING]))
        for store in (self.vault, self.record):
            with contextlib.suppress(Exception):
                store.close()
        # Zero the keys themselves (bytearrays; see secure_memory), not just our references.
        wipe_all(self._deks.values())
        self._deks.clear()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- keys --------------------------------------------------------------
    def rotate_device_key(self, keystore: KeyStore, actor: str) -> None:
        keymod.rotate_device(self.keyfile, self._deks, keystore, self.paths.keys)
        self._audit_done(actor, "device key rotated")

    def new_recovery_code(self, actor: str) -> str:
        # Audited first: once the new code's wraps are on disk nothing may stand between
        # them and the code being shown (tests/fault found a crash in the audit write there
        # leaving every copy on a code nobody saw).
        self._audit_done(actor, "recovery code replaced")
        try:
            return keymod.new_recovery_code(self.keyfile, self._deks, self.paths.keys)
        except HushpadError:
            self._audit_done(actor, "recovery code change failed; the old code still works")
            raise

    def set_passphrase(self, passphrase: str, actor: str) -> None:
        keymod.save_passphrase(self.keyfile, self._deks, passphrase, self.paths.keys)
        self._audit_done(actor, "passphrase set")

    def _audit_done(self, actor: str, action: str) -> None:
        """Audit a key change that has already happened: a failure is a warning, not an error."""
        try:
            self.record.audit(actor, action)
        except HushpadError as exc:
            self.warnings.append(f"{action}, but the audit log could not record it: {exc}")

    def backup(self, target_dir: Path, actor: str) -> list[Path]:
        """Consistent encrypted copies plus keys.json into target_dir (created 0700)."""
        ensure_profile_dir(target_dir)
        written = []
        for store in (self.record, self.vault):
            dest = target_dir / store.path.name
            store.backup_to(dest, self._deks[store.name])
            written.append(dest)
        dest_keys = target_dir / "keys.json"
        atomic_write(dest_keys, self.paths.keys.read_bytes())  # 0600, O_EXCL temp: never through a link
        written.append(dest_keys)
        # The backup's keys have their copies too, so the recovery code alone restores it.
        keymod.write_recovery_copies(self.keyfile, dest_keys)
        written.extend(keymod.recovery_copy_paths(dest_keys))
        # What happened, not where: a path names the clinician's folders (and may name a client).
        self.record.audit(actor, "backup written")
        return written


def _lock(paths: ProfilePaths) -> ProfileLock:
    lock = ProfileLock(paths.root)
    lock.acquire()
    return lock


@contextlib.contextmanager
def inspection_lock(paths: ProfilePaths) -> Iterator[None]:
    """A shared lock for reading a profile without writing anything, not even the lock
    file's pid: refused (clearly) while a Hushpad has the profile open."""
    lock_file = paths.root / LOCK_NAME
    if sys.platform == "win32" or not lock_file.exists():
        yield
        return
    import fcntl

    fd = os.open(lock_file, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            raise ProfileInUseError(
                "Hushpad is open on this profile. Close it first, then run this again; "
                "nothing was checked or changed."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def open_read_only(paths: ProfilePaths, deks: dict[str, bytes]) -> list[RecordStore | VaultStore]:
    """Both stores, read-only (for `doctor`): no byte of any file changes. Damage is
    reported by their checks, not raised; a wrong key or a missing file is raised."""
    record = RecordStore(paths.record, deks["record"], read_only=True)
    try:
        vault = VaultStore(paths.vault, deks["vault"], read_only=True)
    except BaseException:
        record.close()
        raise
    return [record, vault]


def fold_audit_queue(paths: ProfilePaths, record: RecordStore, record_key: bytes, profile_id: str) -> int:
    from .audit_queue import AuditQueue

    queue = AuditQueue(paths, record_key, profile_id)
    try:
        return queue.fold_into(record)
    finally:
        queue.close()


def open_for_reading(paths: ProfilePaths, *, keystore: KeyStore | None = None,
                     passphrase: str | None = None) -> OpenProfile:
    """Both stores read-only, beside the process that holds the profile lock (an export
    while the app is open). No lock is taken (the holder's excludes other writers, and a
    reader needs none) and no byte of either store, its -wal or its -shm changes: each store
    is one read transaction from here to close(), a consistent snapshot. Audit calls on the
    record queue their entries for the holder (tui/storage/audit_queue.py). Only the data
    keys are unwrapped; nothing can be signed."""
    from .audit_queue import AuditQueue, QueuedAuditRecord
    from .db import hold_snapshots
    from .files import PROFILE_FILES, check_private_path

    check_private_path(paths.root, "The folder")
    for name in PROFILE_FILES:
        check_private_path(paths.root / name, "The file")
    for store in (paths.record, paths.vault):
        if not (Path(f"{store}-wal").exists() and Path(f"{store}-shm").exists()):
            # The holder keeps both open; without them it has just closed (try the lock again).
            raise ProfileInUseError(f"{store.name} is not open in the other Hushpad; try again.")
    keyfile = load_keyfile(paths)
    if passphrase is not None:
        deks = keymod.unlock_passphrase(keyfile, passphrase)
    elif keystore is not None:
        deks = keymod.unlock_device(keyfile, keystore)
    else:
        raise StoreOpenError("Nothing to unlock with.")
    opened: list[RecordStore | VaultStore] = []
    try:
        record = QueuedAuditRecord(paths.record, deks["record"], read_only=True, beside_holder=True)
        opened.append(record)
        record.queue = AuditQueue(paths, deks["record"], keyfile.profile_id)
        vault = VaultStore(paths.vault, deks["vault"], read_only=True, beside_holder=True)
        opened.append(vault)
        hold_snapshots([record, vault])
    except BaseException:
        for store in reversed(opened):
            with contextlib.suppress(Exception):
                store.close()
        wipe_all(deks.values())
        raise
    return OpenProfile(paths, keyfile, record, vault, deks, None)


def open_with_deks(paths: ProfilePaths, keyfile: keymod.KeyFile, deks: dict[str, bytes], *,
                   create: bool = False, lock: ProfileLock | None = None, actor: str = "hushpad") -> OpenProfile:
    lock = lock or _lock(paths)
    try:
        record = RecordStore(paths.record, deks["record"], create=create)
        try:
            vault = VaultStore(paths.vault, deks["vault"], create=create)
        except Exception:
            record.close()
            raise
    except Exception:
        lock.release()
        raise
    profile = OpenProfile(paths, keyfile, record, vault, dict(deks), lock)
    try:
        record.audit(actor, "stores opened")
    except Exception:
        profile.close()
        raise
    try:
        fold_audit_queue(paths, record, deks["record"], keyfile.profile_id)
    except Exception as exc:  # noqa: BLE001 - never fails the unlock: the entries wait for the next one
        why = str(exc) if isinstance(exc, HushpadError) else "the audit queue could not be read"
        profile.warnings.append(f"Exports made while Hushpad was open could not be added to the audit log yet: {why}")
    # Room for the last minutes of typing when the disk fills (released by the stores).
    profile.reserve = Reserve(paths.root)
    profile.reserve.ensure()
    record.reserve = vault.reserve = profile.reserve
    return profile


def initialise(paths: ProfilePaths, keystore: KeyStore | None, passphrase: str | None,
               actor: str = "hushpad") -> tuple[OpenProfile, str]:
    """Create a new profile. Returns the open profile and the recovery code (shown once)."""
    ensure_profile_dir(paths.root)
    if paths.keys.exists():
        raise StorageError(f"{paths.root} already has a Hushpad profile; nothing was changed.")
    for stray in (paths.record, paths.vault):
        if stray.exists():
            raise StorageError(f"{stray} exists without keys.json; move it away before setting up a new profile.")
    lock = _lock(paths)
    try:
        new = keymod.create_keys(keystore, passphrase)  # keyring write + read-back before any file
        new.keyfile.save(paths.keys)
    except Exception:
        lock.release()
        raise
    profile = open_with_deks(paths, new.keyfile, {**new.deks, **new.signing}, create=True, lock=lock, actor=actor)
    mode = "+".join(sorted(new.keyfile.kinds()))
    profile.record.audit(actor, "profile created", detail=f"wraps: {mode}")
    return profile, new.recovery_code


def load_keyfile(paths: ProfilePaths) -> keymod.KeyFile:
    if not paths.is_initialised():
        if paths.record.exists() or paths.vault.exists():
            raise KeyFileError(
                f"{paths.keys} is missing but the stores are there. Run `hushpad keys recover` with "
                "your recovery code, or restore keys.json from a backup."
            )
        raise NotInitialisedError(f"No Hushpad profile at {paths.root}. Run `hushpad init` to set one up.")
    return keymod.KeyFile.load(paths.keys)


def unlock(paths: ProfilePaths, *, keystore: KeyStore | None = None, passphrase: str | None = None,
           recovery_code: str | None = None, actor: str = "hushpad") -> OpenProfile:
    """Unlock with exactly one of: the device key, a passphrase, or the recovery code."""
    report = ensure_profile_dir(paths.root)
    keyfile = load_keyfile(paths)
    if recovery_code is not None:
        deks = keymod.unlock_recovery(keyfile, recovery_code, with_keys=True)
    elif passphrase is not None:
        deks = keymod.unlock_passphrase(keyfile, passphrase, with_keys=True)
    elif keystore is not None:
        deks = keymod.unlock_device(keyfile, keystore, with_keys=True)
    else:
        raise StoreOpenError("Nothing to unlock with.")
    if keymod.SIGNING not in deks and not keymod.signing_kinds(keyfile):
        # A profile made before signing keys: make them now, wrapped under what unlocked it.
        if recovery_code is not None:
            kind, kek_id, kek = "recovery", "recovery", keymod.recovery_kek(
                keymod.recovery_code.decode(recovery_code), keyfile.profile_id)
        elif passphrase is not None and keyfile.passphrase is not None:
            kind, kek_id, kek = "passphrase", "passphrase", keyfile.passphrase.derive(passphrase)
        else:
            assert keystore is not None
            kind = "device"
            kek_id, kek = keymod.device_kek(keyfile, keystore)
        try:
            keymod.add_signing_keys(keyfile, deks, kind, kek_id, kek, paths.keys)
        finally:
            if isinstance(kek, bytearray):
                wipe_all([kek])
    profile = open_with_deks(paths, keyfile, deks, actor=actor)
    profile.permission_warnings = report.warnings
    _refresh_recovery_copies(profile)
    missing = {"device", "recovery", "passphrase"} & keyfile.kinds() - keymod.signing_kinds(keyfile)
    if keymod.SIGNING in deks and missing:
        profile.warnings.append(
            "Your signing key is not yet covered by your " + " or ".join(sorted(missing)) + ". Run "
            + ("`hushpad keys rotate --new-recovery-code`" if "recovery" in missing else "`hushpad keys rotate`")
            + ("" if "passphrase" not in missing else " --passphrase") + " so it survives a lost keyring.")
    return profile


def _refresh_recovery_copies(profile: OpenProfile) -> None:
    """After the stores opened with these keys: bring keys.json's copies up to date (a
    profile made before they existed, or a copy lost since). Never fails the unlock."""
    keys_path = profile.paths.keys
    if not keymod.recovery_copies_status(profile.keyfile, keys_path):
        return
    try:
        keymod.write_recovery_copies(profile.keyfile, keys_path)
    except HushpadError as exc:
        profile.warnings.append(f"The copies of your recovery key could not be brought up to date: {exc}")
        return
    profile.warnings.extend(keymod.recovery_copies_status(profile.keyfile, keys_path))


def recover(paths: ProfilePaths, code: str, keystore: KeyStore | None, passphrase: str | None,
            actor: str = "hushpad") -> OpenProfile:
    """Restore access from the recovery code alone: re-enrol this machine's keyring or a passphrase.

    Works from keys.json or, when it is missing or damaged, from any surviving copy
    (keys.json.bak, record.db.keys, vault.db.keys); keys.json is then rebuilt."""
    ensure_profile_dir(paths.root)
    if not (paths.record.exists() or paths.vault.exists() or paths.keys.exists()):
        raise NotInitialisedError(f"No Hushpad profile at {paths.root}. Run `hushpad init` to set one up.")
    found = keymod.open_any_copy(paths.keys, code)
    # The stores themselves prove the keys: nothing is written until both have opened.
    profile = open_with_deks(paths, found.keyfile, found.keys, actor=actor)
    try:
        if keystore is not None:
            keymod.enrol_device(profile.keyfile, profile._deks, keystore, paths.keys)
        if passphrase is not None:
            keymod.save_passphrase(profile.keyfile, profile._deks, passphrase, paths.keys)
        if keystore is None and passphrase is None:
            profile.keyfile.save(paths.keys)  # rebuilt from the copy that opened
        _refresh_recovery_copies(profile)
        profile.record.audit(actor, "access recovered with recovery code")
    except Exception:
        profile.close()
        raise
    return profile
