"""A profile folder: keys.json, record.db, vault.db, config.toml, and the lock.

This ties keys to stores: create a profile, unlock it, and close it again
(dropping the data keys from memory).
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import keys as keymod
from .errors import KeyFileError, NotInitialisedError, StorageError, StoreOpenError
from .files import FILE_MODE, ProfileLock, ensure_profile_dir
from .keyring_access import KeyStore
from .paths import ProfilePaths
from .record import RecordStore
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

    @property
    def profile_id(self) -> str:
        return self.keyfile.profile_id

    def deks(self) -> dict[str, bytes]:
        return dict(self._deks)

    def close(self) -> None:
        for store in (self.vault, self.record):
            with contextlib.suppress(Exception):
                store.close()
        self._deks.clear()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- keys --------------------------------------------------------------
    def rotate_device_key(self, keystore: KeyStore, actor: str) -> None:
        keymod.rotate_device(self.keyfile, self._deks, keystore, self.paths.keys)
        self.record.audit(actor, "device key rotated")

    def new_recovery_code(self, actor: str) -> str:
        code = keymod.new_recovery_code(self.keyfile, self._deks, self.paths.keys)
        self.record.audit(actor, "recovery code replaced")
        return code

    def set_passphrase(self, passphrase: str, actor: str) -> None:
        keymod.save_passphrase(self.keyfile, self._deks, passphrase, self.paths.keys)
        self.record.audit(actor, "passphrase set")

    def backup(self, target_dir: Path, actor: str) -> list[Path]:
        """Consistent encrypted copies plus keys.json into target_dir (created 0700)."""
        ensure_profile_dir(target_dir)
        written = []
        for store in (self.record, self.vault):
            dest = target_dir / store.path.name
            store.backup_to(dest, self._deks[store.name])
            written.append(dest)
        dest_keys = target_dir / "keys.json"
        shutil.copyfile(self.paths.keys, dest_keys)
        dest_keys.chmod(FILE_MODE)
        written.append(dest_keys)
        self.record.audit(actor, "backup written", detail=str(target_dir))
        return written


def _lock(paths: ProfilePaths) -> ProfileLock:
    lock = ProfileLock(paths.root)
    lock.acquire()
    return lock


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
    profile = open_with_deks(paths, new.keyfile, new.deks, create=True, lock=lock, actor=actor)
    mode = "+".join(sorted(new.keyfile.kinds()))
    profile.record.audit(actor, "profile created", detail=f"wraps: {mode}")
    return profile, new.recovery_code


def load_keyfile(paths: ProfilePaths) -> keymod.KeyFile:
    if not paths.is_initialised():
        if paths.record.exists() or paths.vault.exists():
            raise KeyFileError(
                f"{paths.keys} is missing but the stores are there. Restore keys.json from a backup."
            )
        raise NotInitialisedError(f"No Hushpad profile at {paths.root}. Run `hushpad init` to set one up.")
    return keymod.KeyFile.load(paths.keys)


def unlock(paths: ProfilePaths, *, keystore: KeyStore | None = None, passphrase: str | None = None,
           recovery_code: str | None = None, actor: str = "hushpad") -> OpenProfile:
    """Unlock with exactly one of: the device key, a passphrase, or the recovery code."""
    report = ensure_profile_dir(paths.root)
    keyfile = load_keyfile(paths)
    if recovery_code is not None:
        deks = keymod.unlock_recovery(keyfile, recovery_code)
    elif passphrase is not None:
        deks = keymod.unlock_passphrase(keyfile, passphrase)
    elif keystore is not None:
        deks = keymod.unlock_device(keyfile, keystore)
    else:
        raise StoreOpenError("Nothing to unlock with.")
    profile = open_with_deks(paths, keyfile, deks, actor=actor)
    profile.permission_warnings = report.warnings
    return profile


def recover(paths: ProfilePaths, code: str, keystore: KeyStore | None, passphrase: str | None,
            actor: str = "hushpad") -> OpenProfile:
    """Restore access from the recovery code alone: re-enrol this machine's keyring or a passphrase."""
    profile = unlock(paths, recovery_code=code, actor=actor)
    try:
        if keystore is not None:
            keymod.enrol_device(profile.keyfile, profile._deks, keystore, paths.keys)
        if passphrase is not None:
            keymod.save_passphrase(profile.keyfile, profile._deks, passphrase, paths.keys)
        profile.record.audit(actor, "access recovered with recovery code")
    except Exception:
        profile.close()
        raise
    return profile
